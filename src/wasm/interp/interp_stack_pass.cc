#include "interp_stack_pass.h"

#include <utility>
#include <vector>

#include <wabt/cast.h>


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

}  // namespace torvyn::wasm
