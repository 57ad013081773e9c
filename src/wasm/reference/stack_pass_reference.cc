#include "reference/stack_pass_reference.h"

#include <utility>
#include <vector>

#include <wabt/cast.h>

#include "common/global_import.h"
#include "interp/interp_frame_bound.h"
#include "interp/interp_stack_pass.h"

namespace torvyn::wasm {
namespace {

using namespace wabt;

// Inside the wrapping block: `return` at nesting depth d becomes `br d` (to the wrapper, whose end
// gives the frame back); a tail call gives the frame back first, since control never returns here.
// A work list rather than recursion: nesting is bounded (kMaxControlNesting), but a frame per level
// of a 10,000-deep body takes megabytes of the loading thread's stack (more under ASan).
void rewrite_exits(ExprList& body, Index stack, int64_t slots) {
  std::vector<std::pair<ExprList*, Index>> work{{&body, 0}};
  while (!work.empty()) {
    auto [exprs, depth] = work.back();
    work.pop_back();
    for (auto it = exprs->begin(); it != exprs->end(); ++it) {
      Expr& e = *it;
      switch (e.type()) {
        case ExprType::Return:
          it = exprs->erase(it);
          it = exprs->insert(it, std::make_unique<BrExpr>(Var(depth, Location())));
          break;
        case ExprType::ReturnCall:
        case ExprType::ReturnCallIndirect: {
          ExprList give_back = stack_adjust(stack, slots, false);
          while (!give_back.empty()) exprs->insert(it, give_back.extract_front());
          break;
        }
        case ExprType::Block: work.push_back({&cast<BlockExpr>(&e)->block.exprs, depth + 1}); break;
        case ExprType::Loop: work.push_back({&cast<LoopExpr>(&e)->block.exprs, depth + 1}); break;
        case ExprType::If: {
          auto* i = cast<IfExpr>(&e);
          work.push_back({&i->true_.exprs, depth + 1});
          work.push_back({&i->false_, depth + 1});
          break;
        }
        case ExprType::Try: {
          auto* t = cast<TryExpr>(&e);
          work.push_back({&t->block.exprs, depth + 1});
          for (Catch& c : t->catches) work.push_back({&c.exprs, depth + 1});
          break;
        }
        default: break;
      }
    }
  }
}

void instrument_function(Module& m, Func& f, Index stack, int64_t slots) {
  rewrite_exits(f.exprs, stack, slots);
  wrap_frame(m, f, stack, slots);
}

}  // namespace

uint64_t interp_frame_slots(const wabt::Module& m, wabt::Index func_index) {
  const wabt::Func* f = m.funcs[func_index];
  return uint64_t{f->GetNumParamsAndLocals()} + f->GetNumResults() + interp_operand_bound(m, f->exprs);
}

wabt::Index instrument_stack(wabt::Module& m) { return instrument_stack_with(m, add_i64_global_import(m, kStackModule, kStackField)); }

wabt::Index instrument_stack_with(wabt::Module& m, wabt::Index stack) {
  // Frame bounds first: they describe the guest's own code, not our instrumentation (global
  // indices do not enter them: an import added already changes nothing).
  std::vector<int64_t> slots(m.funcs.size(), 0);
  for (Index i = m.num_func_imports; i < m.funcs.size(); ++i) slots[i] = stack_pass_charge(interp_frame_slots(m, i));
  for (Index i = m.num_func_imports; i < m.funcs.size(); ++i) instrument_function(m, *m.funcs[i], stack, slots[i]);
  return stack;
}

}  // namespace torvyn::wasm
