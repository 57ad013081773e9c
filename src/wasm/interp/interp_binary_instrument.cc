#include "interp_binary_instrument.h"

#include <algorithm>
#include <string_view>

#include <wabt/binary-reader-nop.h>
#include <wabt/binary-reader.h>
#include <wabt/feature.h>
#include <wabt/ir.h>

#include "common/fuel_pass.h"
#include "common/state_exports.h"
#include "interp_binary_survey.h"
#include "interp_frame_bound.h"
#include "interp_stack_pass.h"

namespace torvyn::wasm {
namespace {

using binary_survey::Edit;
using binary_survey::FuncBody;
using binary_survey::Survey;

using wabt::Index;
using wabt::Opcode;
using wabt::Type;

// ---- encoding --------------------------------------------------------------------------------

void put_uleb(std::vector<uint8_t>& out, uint64_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    out.push_back(v ? (b | 0x80) : b);
  } while (v);
}
void put_sleb(std::vector<uint8_t>& out, int64_t v) {
  for (;;) {
    uint8_t b = v & 0x7f;
    v >>= 7;
    bool done = (v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40));
    out.push_back(done ? b : (b | 0x80));
    if (done) return;
  }
}
void put_name(std::vector<uint8_t>& out, std::string_view s) {
  put_uleb(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}
uint8_t type_byte(Type t) { return static_cast<uint8_t>(static_cast<int32_t>(t) & 0x7f); }

// `global += delta` as fuel_charge / stack_adjust build it: get, const, add or sub, set, and when
// `check`, get, const 0, lt_s, if unreachable end.
void put_global_step(std::vector<uint8_t>& out, Index global, Opcode op, int64_t amount, bool check) {
  out.push_back(0x23);
  put_uleb(out, global);
  out.push_back(0x42);
  put_sleb(out, amount);
  out.push_back(op == Opcode::I64Sub ? 0x7d : 0x7c);
  out.push_back(0x24);
  put_uleb(out, global);
  if (!check) return;
  out.push_back(0x23);
  put_uleb(out, global);
  out.insert(out.end(), {0x42, 0x00, 0x53, 0x04, 0x40, 0x00, 0x0b});
}

// ---- reading ---------------------------------------------------------------------------------

struct Cursor {
  std::span<const uint8_t> d;
  size_t at = 0;
  bool ok = true;
  uint64_t uleb() {
    uint64_t r = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (at >= d.size()) break;
      uint8_t b = d[at++];
      r |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return r;
    }
    ok = false;
    return 0;
  }
};

// The sections of a module: id and the range of its contents.
struct Section {
  uint8_t id;
  size_t start, end;
};

std::optional<std::vector<Section>> sections_of(std::span<const uint8_t> d) {
  if (d.size() < 8) return std::nullopt;
  std::vector<Section> out;
  Cursor c{d, 8};
  while (c.at < d.size()) {
    uint8_t id = d[c.at++];
    uint64_t size = c.uleb();
    if (!c.ok || size > d.size() - c.at) return std::nullopt;
    out.push_back({id, c.at, c.at + size});
    c.at += size;
  }
  return out;
}

// The order sections must come in (custom sections anywhere).
int rank(uint8_t id) {
  static const int kRank[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6};  // by id: 13 (tag) before global
  return id < std::size(kRank) ? kRank[id] : 100;
}

void put_section(std::vector<uint8_t>& out, uint8_t id, const std::vector<uint8_t>& body) {
  out.push_back(id);
  put_uleb(out, body.size());
  out.insert(out.end(), body.begin(), body.end());
}

}  // namespace

std::optional<BinaryInstrumented> instrument_binary_for_interp(std::span<const uint8_t> bytes, bool meter_fuel,
                                                               uint32_t nesting_limit) {
  auto secs = sections_of(bytes);
  if (!secs) return std::nullopt;

  // What interp_operand_bound counts for one fuel charge (the same for every charge and module).
  static const uint64_t kChargeBound = interp_operand_bound(wabt::Module(), fuel_charge(0, 1));
  const uint64_t charge_bound = meter_fuel ? kChargeBound : 0;
  Survey survey(nesting_limit, charge_bound, meter_fuel ? 2 : 1);
  wabt::Features features;
  wabt::ReadBinaryOptions options(features, nullptr, /*read_debug_names=*/false, /*stop_on_first_error=*/true,
                                  /*fail_on_custom_section_error=*/true);
  if (wabt::Failed(wabt::ReadBinary(bytes.data(), bytes.size(), &survey, options)) || survey.unsupported) return std::nullopt;
  if (survey.bodies.size() + survey.func_imports != survey.func_types.size()) return std::nullopt;
  for (Index t : survey.func_types)
    if (t >= survey.types.size()) return std::nullopt;
  const Index global_imports = survey.global_imports, shift = meter_fuel ? 2 : 1;
  const Index fuel = global_imports, stack = meter_fuel ? global_imports + 1 : global_imports;

  BinaryInstrumented out;
  out.imports = survey.imports;
  for (const auto& e : survey.exports) out.exports.push_back({e.name, survey.extern_type(e.kind, e.index)});

  // Movable? (add_state_exports' reasons, in its order.)
  MovabilityFacts facts;
  facts.start_function = survey.has_start;
  for (const auto& e : survey.exports)
    if (is_reserved_export_name(e.name)) {
      facts.reserved_export = e.name;
      break;
    }
  for (Index i = global_imports; i < survey.globals.size() && !facts.mutable_reference_global; ++i)
    facts.mutable_reference_global = survey.globals[i].mut && survey.globals[i].type.IsRef();
  const std::string& why = out.state.not_movable = not_movable_reason(facts, [&] { return survey.changes; });
  struct StateExport {
    std::string name;
    wabt::ExternalKind kind;
    Index index;  // after the globals' move
  };
  std::vector<StateExport> state_exports;
  if (why.empty()) {
    out.state_first_export = survey.exports.size();
    for (Index i = survey.memory_imports; i < survey.memories.size(); ++i)
      state_exports.push_back({state_export_name('m', i), wabt::ExternalKind::Memory, i});
    for (Index i = global_imports; i < survey.globals.size(); ++i)
      if (survey.globals[i].mut)
        state_exports.push_back({state_export_name('g', i), wabt::ExternalKind::Global, i + shift});
    for (Index i = survey.table_imports; i < survey.tables.size(); ++i)
      state_exports.push_back({state_export_name('t', i), wabt::ExternalKind::Table, i});
    for (const auto& s : state_exports) {
      Index original = s.kind == wabt::ExternalKind::Global ? s.index - shift : s.index;
      out.state.items.push_back(survey.extern_type(s.kind, original));
    }
  }

  // The wrap block's type for each defined function.
  auto block_type = [&](const wabt::FuncSignature& sig, std::vector<uint8_t>& o) -> bool {
    if (sig.result_types.empty()) {
      o.push_back(0x40);
      return true;
    }
    if (sig.result_types.size() == 1) {
      o.push_back(type_byte(sig.result_types[0]));
      return true;
    }
    for (size_t t = 0; t < survey.types.size(); ++t)
      if (survey.types[t].param_types.empty() && survey.types[t].result_types == sig.result_types) {
        put_sleb(o, static_cast<int64_t>(t));
        return true;
      }
    return false;  // the IR path adds the type
  };

  // ---- write ----
  std::vector<uint8_t>& m = out.bytes;
  m.reserve(bytes.size() + bytes.size() / 4);
  m.insert(m.end(), bytes.begin(), bytes.begin() + 8);
  bool wrote_imports = false, wrote_exports = false;
  auto write_imports = [&](const Section* s) {
    std::vector<uint8_t> body;
    uint64_t n = 0;
    size_t rest = 0;
    if (s) {
      Cursor c{bytes, s->start};
      n = c.uleb();
      rest = c.at;
    }
    put_uleb(body, n + (meter_fuel ? 2 : 1));
    if (s) body.insert(body.end(), bytes.begin() + rest, bytes.begin() + s->end);
    auto global_import = [&](std::string_view field) {
      put_name(body, kFuelModule);
      put_name(body, field);
      body.insert(body.end(), {0x03, 0x7e, 0x01});  // global, i64, mutable
    };
    if (meter_fuel) global_import(kFuelField);
    global_import(kStackField);
    put_section(m, 2, body);
    wrote_imports = true;
  };
  auto write_exports = [&]() {
    std::vector<uint8_t> body;
    put_uleb(body, survey.exports.size() + state_exports.size());
    for (const auto& e : survey.exports) {
      put_name(body, e.name);
      body.push_back(static_cast<uint8_t>(e.kind));
      put_uleb(body, e.kind == wabt::ExternalKind::Global && e.index >= global_imports ? e.index + shift : e.index);
    }
    for (const auto& e : state_exports) {
      put_name(body, e.name);
      body.push_back(static_cast<uint8_t>(e.kind));
      put_uleb(body, e.index);
    }
    put_section(m, 7, body);
    wrote_exports = true;
  };

  size_t next_body = 0;
  for (const Section& s : *secs) {
    if (s.id != 0) {
      if (!wrote_imports && rank(s.id) > rank(2)) write_imports(nullptr);
      if (!wrote_exports && rank(s.id) > rank(7)) write_exports();
    }
    if (s.id == 2) {
      write_imports(&s);
      continue;
    }
    if (s.id == 7) {
      write_exports();
      continue;
    }
    if (s.id != 10) {
      m.push_back(s.id);
      put_uleb(m, s.end - s.start);
      m.insert(m.end(), bytes.begin() + s.start, bytes.begin() + s.end);
      continue;
    }
    // The code section: each body as the IR passes leave it.
    Cursor c{bytes, s.start};
    uint64_t count = c.uleb();
    if (!c.ok || count != survey.bodies.size()) return std::nullopt;
    std::vector<uint8_t> code, fn;
    put_uleb(code, count);
    for (uint64_t k = 0; k < count; ++k, ++next_body) {
      uint64_t size = c.uleb();
      if (!c.ok || size > s.end - c.at) return std::nullopt;
      const size_t start = c.at, end = c.at + size;
      c.at = end;
      FuncBody& b = survey.bodies[next_body];
      if (b.code < start || b.code >= end) return std::nullopt;
      const wabt::FuncSignature& sig = survey.types[survey.func_types[survey.func_imports + next_body]];
      const int64_t slots = stack_pass_charge(sig.param_types.size() + b.locals + sig.result_types.size() + b.operands);
      fn.clear();
      fn.insert(fn.end(), bytes.begin() + start, bytes.begin() + b.code);  // locals
      put_global_step(fn, stack, Opcode::I64Add, -slots, true);
      fn.push_back(0x02);  // block
      if (!block_type(sig, fn)) return std::nullopt;
      if (meter_fuel) put_global_step(fn, fuel, Opcode::I64Sub, static_cast<int64_t>(b.entry_cost), true);
      size_t at = b.code;
      for (const Edit& e : b.edits) {
        const bool replaces = e.kind == Edit::Global || e.kind == Edit::Return;
        if (e.at < at || e.at > end || (replaces && (e.at >= end || e.end > end || e.end <= e.at))) return std::nullopt;
        fn.insert(fn.end(), bytes.begin() + at, bytes.begin() + e.at);
        at = e.at;
        switch (e.kind) {
          case Edit::Global:
            fn.push_back(bytes[e.at]);  // global.get / global.set
            put_uleb(fn, e.value);
            at = e.end;
            break;
          case Edit::Return:
            fn.push_back(0x0c);  // br
            put_uleb(fn, e.value);
            at = e.end;
            break;
          case Edit::LoopCharge:
            if (meter_fuel) put_global_step(fn, fuel, Opcode::I64Sub, static_cast<int64_t>(e.value), true);
            break;
          case Edit::TailCall: put_global_step(fn, stack, Opcode::I64Add, slots, false); break;
        }
      }
      fn.insert(fn.end(), bytes.begin() + at, bytes.begin() + end);  // ... and the end of the block
      put_global_step(fn, stack, Opcode::I64Add, slots, false);
      fn.push_back(0x0b);  // the function's end
      put_uleb(code, fn.size());
      code.insert(code.end(), fn.begin(), fn.end());
    }
    put_section(m, 10, code);
  }
  if (!wrote_imports) write_imports(nullptr);
  if (!wrote_exports) write_exports();
  if (next_body != survey.bodies.size()) return std::nullopt;
  return out;
}

}  // namespace torvyn::wasm
