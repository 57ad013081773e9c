// The reading half of interp_binary_instrument: one pass of wabt's binary reader over a module
// (a delegate, no IR) that records what the instrumentation needs — the module's types, imports,
// tables, memories, globals and exports, and for each function body where its edits go (moved
// global indices, rewritten returns, loop charges with their regions' costs, tail calls), its
// entry region's cost and its operand bound. interp_binary_instrument.cc writes the module from
// these and the original bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <wabt/binary-reader-nop.h>

#include "common/module_ir.h"
#include "torvyn/wasm/engine.h"

namespace torvyn::wasm::binary_survey {

using wabt::Index;
using wabt::Opcode;
using wabt::Type;

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

// Reads the module with wabt's binary reader and records what the pass needs.
class Survey : public wabt::BinaryReaderNop {
 public:
  // `shift`: how far defined globals move (the imports this pass adds).
  Survey(uint32_t nesting_limit, uint64_t charge_bound, Index shift) : limit_(nesting_limit), charge_bound_(charge_bound), shift_(shift) {}

  bool OnError(const wabt::Error&) override { return true; }  // the IR path reports it

  std::vector<wabt::FuncSignature> types;
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
    wabt::FuncSignature sig;
    sig.param_types.assign(p, p + np);
    sig.result_types.assign(r, r + nr);
    types.push_back(std::move(sig));
    return wabt::Result::Ok;
  }
  wabt::Result OnStructType(Index, Index, wabt::TypeMut*) override { return refuse(); }
  wabt::Result OnArrayType(Index, wabt::TypeMut) override { return refuse(); }
  wabt::Result OnImportFunc(Index, std::string_view mod, std::string_view field, Index, Index sig) override {
    ++func_imports;
    func_types.push_back(sig);
    ImportDesc d{std::string(mod), std::string(field), {}};
    d.type.kind = ExternKind::Func;
    if (sig < types.size()) d.type.func = func_type_of(types[sig]);  // the type section comes first
    imports.push_back(std::move(d));
    return wabt::Result::Ok;
  }
  wabt::Result OnImportTable(Index, std::string_view mod, std::string_view field, Index, Type elem, const wabt::Limits* l) override {
    ++table_imports;
    tables.push_back({elem, *l});
    ImportDesc d{std::string(mod), std::string(field), {}};
    d.type.kind = ExternKind::Table;
    d.type.table = {to_val_type(elem), limits_of(*l)};
    imports.push_back(std::move(d));
    return wabt::Result::Ok;
  }
  wabt::Result OnImportMemory(Index, std::string_view mod, std::string_view field, Index, const wabt::Limits* l) override {
    ++memory_imports;
    memories.push_back(*l);
    ImportDesc d{std::string(mod), std::string(field), {}};
    d.type.kind = ExternKind::Memory;
    d.type.memory = {limits_of(*l)};
    imports.push_back(std::move(d));
    return wabt::Result::Ok;
  }
  wabt::Result OnImportGlobal(Index, std::string_view mod, std::string_view field, Index, Type type, bool mut) override {
    ++global_imports;
    globals.push_back({type, mut});
    ImportDesc d{std::string(mod), std::string(field), {}};
    d.type.kind = ExternKind::Global;
    d.type.global = {to_val_type(type), mut};
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
    if (f < func_types.size() && func_types[f] < types.size()) body_->operands += types[func_types[f]].result_types.size();
    return wabt::Result::Ok;
  }
  wabt::Result OnCallIndirectExpr(Index sig, Index) override {
    if (!body_) return wabt::Result::Ok;
    if (sig < types.size()) body_->operands += types[sig].result_types.size();
    return wabt::Result::Ok;
  }
  wabt::Result OnTableSetExpr(Index) override { return change("table.set"); }
  wabt::Result OnTableGrowExpr(Index) override { return change("table.grow"); }
  wabt::Result OnTableFillExpr(Index) override { return change("table.fill"); }
  wabt::Result OnTableCopyExpr(Index, Index) override { return change("table.copy"); }
  wabt::Result OnTableInitExpr(Index, Index) override { return change("table.init"); }
  wabt::Result OnDataDropExpr(Index) override { return change("data.drop"); }

 private:
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
      body_->operands += types[sig.GetIndex()].result_types.size();
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
  ExternType extern_type(wabt::ExternalKind kind, Index i) const {
    ExternType t;
    switch (kind) {
      case wabt::ExternalKind::Func:
        t.kind = ExternKind::Func;
        if (i < func_types.size() && func_types[i] < types.size()) t.func = func_type_of(types[func_types[i]]);
        break;
      case wabt::ExternalKind::Table:
        t.kind = ExternKind::Table;
        if (i < tables.size()) t.table = {to_val_type(tables[i].elem), limits_of(tables[i].limits)};
        break;
      case wabt::ExternalKind::Memory:
        t.kind = ExternKind::Memory;
        if (i < memories.size()) t.memory = {limits_of(memories[i])};
        break;
      case wabt::ExternalKind::Global:
        t.kind = ExternKind::Global;
        if (i < globals.size()) t.global = {to_val_type(globals[i].type), globals[i].mut};
        break;
      case wabt::ExternalKind::Tag: t.kind = ExternKind::Tag; break;
    }
    return t;
  }
};

}  // namespace torvyn::wasm::binary_survey
