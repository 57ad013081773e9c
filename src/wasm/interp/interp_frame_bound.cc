#include "interp_frame_bound.h"

#include <wabt/cast.h>

namespace torvyn::wasm {
namespace {

// Every instruction pushes at most one value, except calls and blocks with several results; count
// those results too. A deliberately loose bound: it only has to be finite and cheap.
uint64_t operand_bound(const wabt::Module& m, const wabt::ExprList& exprs) {
  uint64_t n = 0;
  for (const wabt::Expr& e : exprs) {
    ++n;
    switch (e.type()) {
      case wabt::ExprType::Call: {
        const auto* c = wabt::cast<wabt::CallExpr>(&e);
        if (const wabt::Func* f = m.GetFunc(c->var)) n += f->GetNumResults();
        break;
      }
      case wabt::ExprType::CallIndirect: n += wabt::cast<wabt::CallIndirectExpr>(&e)->decl.GetNumResults(); break;
      case wabt::ExprType::Block: {
        const auto* b = wabt::cast<wabt::BlockExpr>(&e);
        n += b->block.decl.GetNumResults() + operand_bound(m, b->block.exprs);
        break;
      }
      case wabt::ExprType::Loop: {
        const auto* b = wabt::cast<wabt::LoopExpr>(&e);
        n += b->block.decl.GetNumResults() + operand_bound(m, b->block.exprs);
        break;
      }
      case wabt::ExprType::If: {
        const auto* i = wabt::cast<wabt::IfExpr>(&e);
        n += i->true_.decl.GetNumResults() + operand_bound(m, i->true_.exprs) + operand_bound(m, i->false_);
        break;
      }
      default: break;
    }
  }
  return n;
}

}  // namespace

uint64_t interp_operand_bound(const wabt::Module& m, const wabt::ExprList& exprs) { return operand_bound(m, exprs); }

}  // namespace torvyn::wasm
