#include "fuel_pass.h"

#include <wabt/cast.h>

#include "global_import.h"

namespace torvyn::wasm {
namespace {

using namespace wabt;

uint64_t count_and_instrument(ExprList& exprs, Index fuel, FuelPassStats& stats);

}  // namespace

ExprList fuel_charge(Index fuel, uint64_t cost) {
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

namespace {

// Counts the instructions that belong to this charge region and instruments nested loops, each of
// which starts a region of its own.
void instrument_region(ExprList& exprs, Index fuel, FuelPassStats& stats) {
  uint64_t cost = 1 + count_and_instrument(exprs, fuel, stats);
  ExprList seq = fuel_charge(fuel, cost);
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

FuelPassStats instrument_fuel(wabt::Module& m) { return instrument_fuel_with(m, add_i64_global_import(m, kFuelModule, kFuelField)); }

FuelPassStats instrument_fuel_with(wabt::Module& m, wabt::Index fuel) {
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
