#include "interp_stack_pass.h"

#include <utility>
#include <vector>

#include <wabt/cast.h>

#include "common/global_import.h"
#include "interp_frame_bound.h"

namespace torvyn::wasm {
namespace {

using namespace wabt;

}  // namespace

ExprList stack_adjust(Index stack, int64_t delta, bool check) {
  ExprList seq;
  seq.push_back(std::make_unique<GlobalGetExpr>(Var(stack, Location())));
  seq.push_back(std::make_unique<ConstExpr>(Const::I64(static_cast<uint64_t>(delta))));
  seq.push_back(std::make_unique<BinaryExpr>(Opcode::I64Add));
  seq.push_back(std::make_unique<GlobalSetExpr>(Var(stack, Location())));
  if (check) {
    seq.push_back(std::make_unique<GlobalGetExpr>(Var(stack, Location())));
    seq.push_back(std::make_unique<ConstExpr>(Const::I64(0)));
    seq.push_back(std::make_unique<CompareExpr>(Opcode::I64LtS));
    auto trap = std::make_unique<IfExpr>();
    trap->true_.exprs.push_back(std::make_unique<UnreachableExpr>());
    seq.push_back(std::move(trap));
  }
  return seq;
}

namespace {

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

// The index of a type `() -> results`, added when the module has none (a block with several
// results must name one).
Index block_type_for(Module& m, const TypeVector& results) {
  FuncSignature sig;
  sig.result_types = results;
  Index found = m.GetFuncTypeIndex(sig);
  if (found != kInvalidIndex) return found;
  auto type = std::make_unique<FuncType>();
  type->sig = sig;
  auto field = std::make_unique<TypeModuleField>();
  field->type = std::move(type);
  m.AppendField(std::move(field));
  return static_cast<Index>(m.types.size() - 1);
}

void instrument_function(Module& m, Func& f, Index stack, int64_t slots) {
  rewrite_exits(f.exprs, stack, slots);
  wrap_frame(m, f, stack, slots);
}

}  // namespace

// The body in one block, so that falling off its end and every rewritten exit (a branch to that
// block) reach the give-back after it.
void wrap_frame(Module& m, Func& f, Index stack, int64_t slots) {
  auto wrap = std::make_unique<BlockExpr>();
  wrap->block.decl.sig.result_types = f.decl.sig.result_types;
  if (f.decl.sig.result_types.size() > 1) {
    wrap->block.decl.has_func_type = true;
    wrap->block.decl.type_var = Var(block_type_for(m, f.decl.sig.result_types), Location());
  }
  wrap->block.exprs = std::move(f.exprs);
  f.exprs = stack_adjust(stack, -slots, true);
  f.exprs.push_back(std::move(wrap));
  ExprList give_back = stack_adjust(stack, slots, false);
  f.exprs.splice(f.exprs.end(), give_back);
}

// (+8: the operands of this pass's own instrumentation.)
int64_t stack_pass_charge(uint64_t frame_slots) { return static_cast<int64_t>(std::min<uint64_t>(frame_slots + 8, INT32_MAX)); }

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
