#include "interp_binary_instrument.h"

#include <algorithm>
#include <string_view>

#include <wabt/binary-reader-nop.h>
#include <wabt/binary-reader.h>
#include <wabt/feature.h>
#include <wabt/ir.h>

#include "common/fuel_pass.h"
#include "interp_frame_bound.h"
#include "interp_stack_pass.h"

namespace torvyn::wasm {
namespace {

using wabt::Index;
using wabt::Opcode;
using wabt::Type;

constexpr std::string_view kStatePrefix = "torvyn.state.";

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

// Where the pass writes into one function body, in body order.
struct Edit {
  enum Kind : uint8_t { Global, Return, LoopCharge, TailCall } kind;
  size_t at;      // module offset: the instruction's start (Global, Return, TailCall) or the loop body's
  size_t end;     // Global, Return: the instruction's end
  uint64_t value; // Global: the new index; Return: the branch depth; LoopCharge: the region's cost
};

struct FuncBody {
  size_t start = 0, end = 0;  // the body's bytes (locals first), without its size
  size_t code = 0;            // the first instruction
  uint64_t entry_cost = 0;    // the function's entry region
  uint64_t operands = 0;      // interp_operand_bound of the instrumented body
  uint64_t locals = 0;
  std::vector<Edit> edits;
};

struct FuncSig {
  std::vector<Type> params, results;
};

// Reads the module with wabt's binary reader and records what the pass needs.
class Survey : public wabt::BinaryReaderNop {
 public:
  // `shift`: how far defined globals move (the imports this pass adds).
  Survey(uint32_t nesting_limit, uint64_t charge_bound, Index shift) : limit_(nesting_limit), charge_bound_(charge_bound), shift_(shift) {}

  bool OnError(const wabt::Error&) override { return true; }  // the IR path reports it

  std::vector<FuncSig> types;
  std::vector<Index> func_types;  // every function (imports first): its type index
  Index func_imports = 0, table_imports = 0, memory_imports = 0, global_imports = 0;
  std::vector<ImportDesc> imports;
  struct TableInfo { Type elem; wabt::Limits limits; };
  std::vector<TableInfo> tables;
  std::vector<wabt::Limits> memories;
  struct GlobalInfo { Type type; bool mut; };
  std::vector<GlobalInfo> globals;
  struct ExportInfo { std::string name; wabt::ExternalKind kind; Index index; };
  std::vector<ExportInfo> exports;
  bool has_start = false;
  const char* changes = nullptr;  // the first instruction that makes the module unmovable
  std::vector<FuncBody> bodies;   // defined functions, in order
  bool unsupported = false;

  wabt::Result OnFuncType(Index, Index np, Type* p, Index nr, Type* r) override {
    types.push_back({std::vector<Type>(p, p + np), std::vector<Type>(r, r + nr)});
    return wabt::Result::Ok;
  }
  wabt::Result OnStructType(Index, Index, wabt::TypeMut*) override { return refuse(); }
  wabt::Result OnArrayType(Index, wabt::TypeMut) override { return refuse(); }
  wabt::Result OnImportFunc(Index, std::string_view mod, std::string_view field, Index, Index sig) override {
    ++func_imports;
    func_types.push_back(sig);
    ImportDesc d{std::string(mod), std::string(field), {}};
    d.type.kind = ExternKind::Func;
    if (sig < types.size()) d.type.func = func_type(types[sig]);  // the type section comes first
    imports.push_back(std::move(d));
    return wabt::Result::Ok;
  }
  wabt::Result OnImportTable(Index, std::string_view mod, std::string_view field, Index, Type elem, const wabt::Limits* l) override {
    ++table_imports;
    tables.push_back({elem, *l});
    ImportDesc d{std::string(mod), std::string(field), {}};
    d.type.kind = ExternKind::Table;
    d.type.table = {to_val(elem), limits(*l)};
    imports.push_back(std::move(d));
    return wabt::Result::Ok;
  }
  wabt::Result OnImportMemory(Index, std::string_view mod, std::string_view field, Index, const wabt::Limits* l) override {
    ++memory_imports;
    memories.push_back(*l);
    ImportDesc d{std::string(mod), std::string(field), {}};
    d.type.kind = ExternKind::Memory;
    d.type.memory = {limits(*l)};
    imports.push_back(std::move(d));
    return wabt::Result::Ok;
  }
  wabt::Result OnImportGlobal(Index, std::string_view mod, std::string_view field, Index, Type type, bool mut) override {
    ++global_imports;
    globals.push_back({type, mut});
    ImportDesc d{std::string(mod), std::string(field), {}};
    d.type.kind = ExternKind::Global;
    d.type.global = {to_val(type), mut};
    imports.push_back(std::move(d));
    return wabt::Result::Ok;
  }
  wabt::Result OnImportTag(Index, std::string_view, std::string_view, Index, Index) override { return refuse(); }
  wabt::Result OnFunction(Index, Index sig) override {
    func_types.push_back(sig);
    return wabt::Result::Ok;
  }
  wabt::Result OnTable(Index, Type elem, const wabt::Limits* l) override {
    tables.push_back({elem, *l});
    return wabt::Result::Ok;
  }
  wabt::Result OnMemory(Index, const wabt::Limits* l) override {
    memories.push_back(*l);
    return wabt::Result::Ok;
  }
  wabt::Result BeginGlobal(Index, Type type, bool mut) override {
    globals.push_back({type, mut});
    return wabt::Result::Ok;
  }
  wabt::Result OnExport(Index, wabt::ExternalKind kind, Index item, std::string_view name) override {
    exports.push_back({std::string(name), kind, item});
    return wabt::Result::Ok;
  }
  wabt::Result OnStartFunction(Index) override {
    has_start = true;
    return wabt::Result::Ok;
  }
  wabt::Result OnTagType(Index, Index) override { return refuse(); }

  // ---- code ----
  // Instructions are read in initialiser expressions too (globals, segment offsets): only a
  // function body's are the pass's.
  wabt::Result EndFunctionBody(Index) override {
    body_ = nullptr;
    return wabt::Result::Ok;
  }
  wabt::Result BeginFunctionBody(Index, wabt::Offset) override {
    bodies.emplace_back();
    body_ = &bodies.back();
    depth_ = 0;
    regions_.clear();
    regions_.push_back({0, 0});
    blocks_.clear();
    charges_ = 1;
    return wabt::Result::Ok;
  }
  wabt::Result OnLocalDecl(Index, Index count, Type) override {
    if (!body_) return wabt::Result::Ok;
    body_->locals += count;
    return wabt::Result::Ok;
  }
  wabt::Result OnOpcode(Opcode op) override {
    if (!body_) return wabt::Result::Ok;
    op_end_ = state->offset;
    if (op != Opcode::End && op != Opcode::Else) {
      ++regions_.back().count;
      ++body_->operands;
    }
    if (body_->code == 0) body_->code = op_end_ - op.GetLength();
    return wabt::Result::Ok;
  }
  wabt::Result OnBlockExpr(Type sig) override { return open(sig, false); }
  wabt::Result OnIfExpr(Type sig) override { return open(sig, false); }
  wabt::Result OnLoopExpr(Type sig) override {
    if (!body_) return wabt::Result::Ok;
    if (wabt::Failed(open(sig, true))) return wabt::Result::Error;
    regions_.push_back({body_->edits.size(), 0});
    body_->edits.push_back({Edit::LoopCharge, state->offset, 0, 0});
    ++charges_;
    return wabt::Result::Ok;
  }
  wabt::Result OnTryExpr(Type) override { return refuse(); }
  wabt::Result OnEndExpr() override {
    if (!body_) return wabt::Result::Ok;
    if (blocks_.empty()) {  // the function's own end
      body_->entry_cost = 1 + regions_.front().count;
      body_->operands += charges_ * charge_bound_;
      return wabt::Result::Ok;
    }
    if (blocks_.back()) {  // a loop's end: its region's cost is now known
      body_->edits[regions_.back().edit].value = 1 + regions_.back().count;
      regions_.pop_back();
    }
    blocks_.pop_back();
    --depth_;
    return wabt::Result::Ok;
  }
  // The wrapping block is one more label: a branch past the function's own label, invalid in the
  // module, would be valid in the result. Such a module takes the IR path, which refuses it.
  wabt::Result OnBrExpr(Index label) override { return branch(label); }
  wabt::Result OnBrIfExpr(Index label) override { return branch(label); }
  wabt::Result OnBrTableExpr(Index n, Index* labels, Index default_label) override {
    for (Index k = 0; k < n; ++k)
      if (wabt::Failed(branch(labels[k]))) return wabt::Result::Error;
    return branch(default_label);
  }
  wabt::Result OnGlobalGetExpr(Index g) override { return global(g); }
  wabt::Result OnGlobalSetExpr(Index g) override { return global(g); }
  wabt::Result OnReturnExpr() override {
    if (!body_) return wabt::Result::Ok;
    body_->edits.push_back({Edit::Return, op_end_ - 1, state->offset, depth_});
    return wabt::Result::Ok;
  }
  wabt::Result OnReturnCallExpr(Index) override { return tail_call(); }
  wabt::Result OnReturnCallIndirectExpr(Index, Index) override { return tail_call(); }
  wabt::Result OnCallExpr(Index f) override {
    if (!body_) return wabt::Result::Ok;
    if (f < func_types.size() && func_types[f] < types.size()) body_->operands += types[func_types[f]].results.size();
    return wabt::Result::Ok;
  }
  wabt::Result OnCallIndirectExpr(Index sig, Index) override {
    if (!body_) return wabt::Result::Ok;
    if (sig < types.size()) body_->operands += types[sig].results.size();
    return wabt::Result::Ok;
  }
  wabt::Result OnTableSetExpr(Index) override { return change("table.set"); }
  wabt::Result OnTableGrowExpr(Index) override { return change("table.grow"); }
  wabt::Result OnTableFillExpr(Index) override { return change("table.fill"); }
  wabt::Result OnTableCopyExpr(Index, Index) override { return change("table.copy"); }
  wabt::Result OnTableInitExpr(Index, Index) override { return change("table.init"); }
  wabt::Result OnDataDropExpr(Index) override { return change("data.drop"); }

 private:
  static ValType to_val(Type t) {
    switch (t) {
      case Type::I64: return ValType::I64;
      case Type::F32: return ValType::F32;
      case Type::F64: return ValType::F64;
      case Type::V128: return ValType::V128;
      case Type::FuncRef: return ValType::FuncRef;
      case Type::ExternRef: return ValType::ExternRef;
      default: return ValType::I32;
    }
  }
  static Limits limits(const wabt::Limits& l) {
    Limits out;
    out.min = l.initial;
    if (l.has_max) out.max = l.max;
    return out;
  }
  wabt::Result refuse() {
    unsupported = true;
    return wabt::Result::Error;
  }
  wabt::Result open(Type sig, bool loop) {
    if (!body_) return wabt::Result::Ok;
    if (++depth_ > limit_) return refuse();  // the IR path refuses it with its message
    blocks_.push_back(loop);
    if (sig.IsIndex()) {
      if (sig.GetIndex() >= types.size()) return refuse();
      body_->operands += types[sig.GetIndex()].results.size();
    } else if (sig != Type::Void) {
      body_->operands += 1;
    }
    return wabt::Result::Ok;
  }
  wabt::Result branch(Index label) {
    if (body_ && label > depth_) return refuse();
    return wabt::Result::Ok;
  }
  wabt::Result global(Index g) {
    if (!body_) return wabt::Result::Ok;
    // The import section comes before the code: global_imports is final here.
    if (g >= global_imports) body_->edits.push_back({Edit::Global, op_end_ - 1, state->offset, uint64_t{g} + shift_});
    return wabt::Result::Ok;
  }
  wabt::Result tail_call() {
    if (!body_) return wabt::Result::Ok;
    body_->edits.push_back({Edit::TailCall, op_end_ - 1, 0, 0});
    return wabt::Result::Ok;
  }
  wabt::Result change(const char* what) {
    if (!changes) changes = what;
    return wabt::Result::Ok;
  }

  struct Region {
    size_t edit;     // its LoopCharge edit (unused for the entry region)
    uint64_t count;  // instructions so far, nested loops' bodies not counted
  };
  const uint32_t limit_;
  const uint64_t charge_bound_;
  const Index shift_;
  FuncBody* body_ = nullptr;
  uint32_t depth_ = 0;
  std::vector<Region> regions_;
  std::vector<bool> blocks_;  // open blocks, ifs and loops: true for a loop
  uint64_t charges_ = 0;
  size_t op_end_ = 0;

 public:
  static FuncType func_type(const FuncSig& s) {
    FuncType ft;
    for (Type t : s.params) ft.params.push_back(to_val(t));
    for (Type t : s.results) ft.results.push_back(to_val(t));
    return ft;
  }
  ExternType extern_type(wabt::ExternalKind kind, Index i) const {
    ExternType t;
    switch (kind) {
      case wabt::ExternalKind::Func:
        t.kind = ExternKind::Func;
        if (i < func_types.size() && func_types[i] < types.size()) t.func = func_type(types[func_types[i]]);
        break;
      case wabt::ExternalKind::Table:
        t.kind = ExternKind::Table;
        if (i < tables.size()) t.table = {to_val(tables[i].elem), limits(tables[i].limits)};
        break;
      case wabt::ExternalKind::Memory:
        t.kind = ExternKind::Memory;
        if (i < memories.size()) t.memory = {limits(memories[i])};
        break;
      case wabt::ExternalKind::Global:
        t.kind = ExternKind::Global;
        if (i < globals.size()) t.global = {to_val(globals[i].type), globals[i].mut};
        break;
      case wabt::ExternalKind::Tag: t.kind = ExternKind::Tag; break;
    }
    return t;
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

  // What interp_operand_bound counts for one fuel charge (the same for every charge).
  const uint64_t charge_bound = meter_fuel ? interp_operand_bound(wabt::Module(), fuel_charge(0, 1)) : 0;
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
  std::string& why = out.state.not_movable;
  if (survey.has_start) why = "it has a start function";
  if (why.empty())
    for (const auto& e : survey.exports)
      if (std::string_view(e.name).substr(0, kStatePrefix.size()) == kStatePrefix) {
        why = "it exports a name Torvyn reserves (" + e.name + ")";
        break;
      }
  if (why.empty())
    for (Index i = global_imports; i < survey.globals.size(); ++i)
      if (survey.globals[i].mut && survey.globals[i].type.IsRef()) {
        why = "a mutable global holds a reference";
        break;
      }
  if (why.empty() && survey.changes) why = std::string("its code uses ") + survey.changes;
  struct StateExport {
    std::string name;
    wabt::ExternalKind kind;
    Index index;  // after the globals' move
  };
  std::vector<StateExport> state_exports;
  if (why.empty()) {
    out.state_first_export = survey.exports.size();
    for (Index i = survey.memory_imports; i < survey.memories.size(); ++i)
      state_exports.push_back({std::string(kStatePrefix) + 'm' + std::to_string(i), wabt::ExternalKind::Memory, i});
    for (Index i = global_imports; i < survey.globals.size(); ++i)
      if (survey.globals[i].mut)
        state_exports.push_back({std::string(kStatePrefix) + 'g' + std::to_string(i), wabt::ExternalKind::Global, i + shift});
    for (Index i = survey.table_imports; i < survey.tables.size(); ++i)
      state_exports.push_back({std::string(kStatePrefix) + 't' + std::to_string(i), wabt::ExternalKind::Table, i});
    for (const auto& s : state_exports) {
      Index original = s.kind == wabt::ExternalKind::Global ? s.index - shift : s.index;
      out.state.items.push_back(survey.extern_type(s.kind, original));
    }
  }

  // The wrap block's type for each defined function.
  auto block_type = [&](const FuncSig& sig, std::vector<uint8_t>& o) -> bool {
    if (sig.results.empty()) {
      o.push_back(0x40);
      return true;
    }
    if (sig.results.size() == 1) {
      o.push_back(type_byte(sig.results[0]));
      return true;
    }
    for (size_t t = 0; t < survey.types.size(); ++t)
      if (survey.types[t].params.empty() && survey.types[t].results == sig.results) {
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
      const FuncSig& sig = survey.types[survey.func_types[survey.func_imports + next_body]];
      const int64_t slots = stack_pass_charge(sig.params.size() + b.locals + sig.results.size() + b.operands);
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
