#include "fuel_pass.h"

#include <wabt/cast.h>

namespace torvyn::wasm {
namespace {

using namespace wabt;

// --- shifting references to defined globals by one (the new import goes before them) ----------

void shift_global_var(Var& var, Index first_defined) {
  if (var.is_index() && var.index() >= first_defined) var.set_index(var.index() + 1);
}

void shift_globals(ExprList& exprs, Index first_defined) {
  for (Expr& e : exprs) {
    switch (e.type()) {
      case ExprType::GlobalGet: shift_global_var(cast<GlobalGetExpr>(&e)->var, first_defined); break;
      case ExprType::GlobalSet: shift_global_var(cast<GlobalSetExpr>(&e)->var, first_defined); break;
      case ExprType::Block: shift_globals(cast<BlockExpr>(&e)->block.exprs, first_defined); break;
      case ExprType::Loop: shift_globals(cast<LoopExpr>(&e)->block.exprs, first_defined); break;
      case ExprType::If: {
        auto* i = cast<IfExpr>(&e);
        shift_globals(i->true_.exprs, first_defined);
        shift_globals(i->false_, first_defined);
        break;
      }
      case ExprType::Try: {
        auto* t = cast<TryExpr>(&e);
        shift_globals(t->block.exprs, first_defined);
        for (Catch& c : t->catches) shift_globals(c.exprs, first_defined);
        break;
      }
      default: break;
    }
  }
}

Index add_fuel_import(Module& m) {
  auto field = std::make_unique<ImportModuleField>();
  auto import = std::make_unique<GlobalImport>();
  import->module_name = kFuelModule;
  import->field_name = kFuelField;
  import->global.type = Type::I64;
  import->global.mutable_ = true;
  Global* global = &import->global;
  Import* raw_import = import.get();
  field->import = std::move(import);

  Index index = m.num_global_imports;
  m.globals.insert(m.globals.begin() + index, global);
  ++m.num_global_imports;
  m.imports.push_back(raw_import);

  // Keep the field list ordered like a binary would be: after the last existing import.
  auto pos = m.fields.begin();
  for (auto it = m.fields.begin(); it != m.fields.end(); ++it)
    if (it->type() == ModuleFieldType::Import) pos = std::next(it);
  m.fields.insert(pos, std::move(field));
  return index;
}

// --- charging ---------------------------------------------------------------------------------

ExprList charge_sequence(Index fuel, uint64_t cost) {
  ExprList seq;
  seq.push_back(std::make_unique<GlobalGetExpr>(Var(fuel, Location())));
  seq.push_back(std::make_unique<ConstExpr>(Const::I64(cost)));
  seq.push_back(std::make_unique<BinaryExpr>(Opcode::I64Sub));
  seq.push_back(std::make_unique<GlobalSetExpr>(Var(fuel, Location())));
  seq.push_back(std::make_unique<GlobalGetExpr>(Var(fuel, Location())));
  seq.push_back(std::make_unique<ConstExpr>(Const::I64(0)));
  seq.push_back(std::make_unique<CompareExpr>(Opcode::I64LtS));
  auto trap = std::make_unique<IfExpr>();
  trap->true_.exprs.push_back(std::make_unique<UnreachableExpr>());
  seq.push_back(std::move(trap));
  return seq;
}

// Counts the instructions that belong to this charge region and instruments nested loops, each of
// which starts a region of its own.
uint64_t count_and_instrument(ExprList& exprs, Index fuel, FuelPassStats& stats);

void instrument_region(ExprList& exprs, Index fuel, FuelPassStats& stats) {
  uint64_t cost = 1 + count_and_instrument(exprs, fuel, stats);
  ExprList seq = charge_sequence(fuel, cost);
  exprs.splice(exprs.begin(), seq);
  ++stats.charge_points;
}

uint64_t count_and_instrument(ExprList& exprs, Index fuel, FuelPassStats& stats) {
  uint64_t n = 0;
  for (Expr& e : exprs) {
    ++n;
    switch (e.type()) {
      case ExprType::Block: n += count_and_instrument(cast<BlockExpr>(&e)->block.exprs, fuel, stats); break;
      case ExprType::Loop: instrument_region(cast<LoopExpr>(&e)->block.exprs, fuel, stats); break;
      case ExprType::If: {
        auto* i = cast<IfExpr>(&e);
        n += count_and_instrument(i->true_.exprs, fuel, stats);
        n += count_and_instrument(i->false_, fuel, stats);
        break;
      }
      case ExprType::Try: {
        auto* t = cast<TryExpr>(&e);
        n += count_and_instrument(t->block.exprs, fuel, stats);
        for (Catch& c : t->catches) n += count_and_instrument(c.exprs, fuel, stats);
        break;
      }
      default: break;
    }
  }
  return n;
}

}  // namespace

FuelPassStats instrument_fuel(wabt::Module& m) {
  Index first_defined = m.num_global_imports;
  for (ModuleField& f : m.fields) {
    switch (f.type()) {
      case ModuleFieldType::Func: shift_globals(cast<FuncModuleField>(&f)->func.exprs, first_defined); break;
      case ModuleFieldType::Global: shift_globals(cast<GlobalModuleField>(&f)->global.init_expr, first_defined); break;
      case ModuleFieldType::ElemSegment: {
        auto& seg = cast<ElemSegmentModuleField>(&f)->elem_segment;
        shift_globals(seg.offset, first_defined);
        for (ExprList& el : seg.elem_exprs) shift_globals(el, first_defined);
        break;
      }
      case ModuleFieldType::DataSegment: shift_globals(cast<DataSegmentModuleField>(&f)->data_segment.offset, first_defined); break;
      case ModuleFieldType::Export: {
        Export& ex = cast<ExportModuleField>(&f)->export_;
        if (ex.kind == ExternalKind::Global) shift_global_var(ex.var, first_defined);
        break;
      }
      default: break;
    }
  }
  Index fuel = add_fuel_import(m);

  FuelPassStats stats;
  for (Index i = m.num_func_imports; i < m.funcs.size(); ++i) instrument_region(m.funcs[i]->exprs, fuel, stats);
  return stats;
}

wabt::Index fuel_global_index(const wabt::Module& m) {
  // The pass appends its import last; a guest's own import of the same name comes earlier and is
  // just an ordinary import.
  return m.num_global_imports - 1;
}

}  // namespace torvyn::wasm
