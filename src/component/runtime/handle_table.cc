#include "torvyn/component/handle_table.h"

#include <string>

namespace torvyn::component {
namespace {
Error handle_error(std::string m) { return Error(ErrorCode::ResourceHandleError, std::move(m)); }
}  // namespace

uint32_t HandleTable::add(HandleEntry e) {
  e.live = true;
  ++live_;
  if (!free_.empty()) {
    uint32_t i = free_.back();
    free_.pop_back();
    entries_[i] = e;
    return i;
  }
  entries_.push_back(e);
  return static_cast<uint32_t>(entries_.size() - 1);
}

Result<HandleEntry*> HandleTable::get(uint32_t index, uint32_t resource) {
  if (index == 0 || index >= entries_.size() || !entries_[index].live)
    return handle_error("unknown or already dropped resource handle " + std::to_string(index));
  HandleEntry& e = entries_[index];
  if (e.resource != resource) return handle_error("resource handle " + std::to_string(index) + " is of another resource type");
  return &e;
}

Result<HandleEntry> HandleTable::remove(uint32_t index, uint32_t resource) {
  auto e = get(index, resource);
  if (!e) return e.take_error();
  if ((*e)->lends != 0) return handle_error("resource handle " + std::to_string(index) + " is still lent out to a call");
  HandleEntry out = **e;
  **e = HandleEntry{};
  free_.push_back(index);
  --live_;
  return out;
}

Result<uint64_t> HandleTable::lift_own(uint32_t index, uint32_t resource) {
  auto e = get(index, resource);
  if (!e) return e.take_error();
  if (!(*e)->own) return handle_error("resource handle " + std::to_string(index) + " is borrowed, not owned, and cannot be given away");
  auto removed = remove(index, resource);
  if (!removed) return removed.take_error();
  return removed->rep;
}

Result<uint64_t> HandleTable::lift_borrow(uint32_t index, uint32_t resource) {
  auto e = get(index, resource);
  if (!e) return e.take_error();
  ++(*e)->lends;
  return (*e)->rep;
}

void HandleTable::end_lend(uint32_t index) {
  if (index < entries_.size() && entries_[index].live && entries_[index].lends > 0) --entries_[index].lends;
}

}  // namespace torvyn::component
