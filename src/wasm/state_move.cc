// Tiering: carrying a running instance's state over to a fresh instance of the same module on
// another engine (engine.h move_instance_state, common/state_exports.h).
#include <cstring>

#include "torvyn/wasm/engine.h"

namespace torvyn::wasm {

namespace {
bool same(const ExternType& a, const ExternType& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case ExternKind::Memory: return a.memory == b.memory;
    case ExternKind::Global: return a.global == b.global;
    case ExternKind::Table: return a.table == b.table;
    default: return false;
  }
}
bool same(const std::vector<ExternType>& a, const std::vector<ExternType>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!same(a[i], b[i])) return false;
  return true;
}

Error cannot_move(const Module& m, const std::string& why) { return Error(ErrorCode::Internal, m.name() + ": cannot move the instance to another engine: " + why); }
}  // namespace

Status move_instance_state(Store& src, const Instance& from, Store& dst, const Instance& to) {
  const StateLayout& layout = from.module().state_layout();
  if (!layout.not_movable.empty()) return cannot_move(from.module(), layout.not_movable);
  if (!to.module().state_layout().not_movable.empty()) return cannot_move(to.module(), to.module().state_layout().not_movable);
  if (!same(layout.items, to.module().state_layout().items)) return cannot_move(from.module(), "the two engines' modules define different state");
  std::vector<Extern> a = from.state(), b = to.state();
  if (a.size() != layout.items.size() || b.size() != a.size()) return cannot_move(from.module(), "an engine did not list the module's state");
  for (size_t i = 0; i < a.size(); ++i) {
    switch (layout.items[i].kind) {
      case ExternKind::Memory: {
        MemoryView s = src.memory(a[i]);
        MemoryView d = dst.memory(b[i]);
        if (d.size > s.size) return cannot_move(from.module(), "the new memory starts larger than the running one");
        if (d.size < s.size) {
          uint64_t pages = (s.size - d.size) / 65536;
          if (dst.memory_grow(b[i], static_cast<uint32_t>(pages)) == UINT32_MAX)
            return cannot_move(from.module(), "the new memory cannot grow to " + std::to_string(s.size / 65536) + " pages");
          d = dst.memory(b[i]);
          if (d.size != s.size) return cannot_move(from.module(), "the new memory did not grow to the running one's size");
        }
        if (s.size) std::memcpy(d.data, s.data, s.size);
        break;
      }
      case ExternKind::Global: dst.global_set(b[i], src.global_get(a[i])); break;
      case ExternKind::Table:
        // The module never changes its tables (StateLayout): both hold what instantiation put there.
        if (src.table_size(a[i]) != dst.table_size(b[i])) return cannot_move(from.module(), "a table differs in size");
        break;
      default: return cannot_move(from.module(), "unexpected state item");
    }
  }
  return {};
}

}  // namespace torvyn::wasm
