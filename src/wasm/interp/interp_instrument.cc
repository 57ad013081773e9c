#include "interp_instrument.h"

#include <utility>
#include <vector>

#include <wabt/cast.h>

#include "common/fuel_pass.h"
#include "common/global_import.h"
#include "interp_frame_bound.h"
#include "interp_stack_pass.h"

namespace torvyn::wasm {
namespace {

using namespace wabt;

// One function's walk. Per expression list it does what each pass would do to it:
//  - moves references to defined globals up by `shift` (add_i64_global_imports),
//  - counts the list's share of its fuel region and instruments nested loops (fuel_pass.cc),
//  - adds the list's operand bound, including the charges the fuel pass put into it, wherever
//    interp_operand_bound would look (not inside `try`),
//  - turns `return` at nesting depth d into `br d` and notes each tail call, whose give-back
//    needs the frame bound, known only at the end (interp_stack_pass.cc).
// A work stack rather than recursion: nesting is bounded (kMaxControlNesting), but a native frame
// per level of a 10,000-deep body takes megabytes of the loading thread's stack (more under
// ASan, where the recursive form overflowed 8 MiB at ~6,000 levels).
class FunctionWalk {
 public:
  FunctionWalk(const Module& m, Index fuel, Index first_defined, Index shift, uint64_t charge_bound)
      : m_(m), fuel_(fuel), first_defined_(first_defined), shift_(shift), charge_bound_(charge_bound) {}

  // The function's body: its entry region, charged at its start. Returns its operand bound.
  uint64_t body(ExprList& exprs) {
    bound_ = 0;
    tail_calls_.clear();
    regions_.clear();
    lists_.clear();
    open_region(exprs, 0, true);
    while (!lists_.empty()) step();
    return bound_;
  }
  // Where give-backs go: before each tail call.
  const std::vector<std::pair<ExprList*, ExprList::iterator>>& tail_calls() const { return tail_calls_; }

 private:
  // A fuel region: a function body or a loop body, charged at its start once it is counted.
  struct Region {
    ExprList* exprs;
    uint64_t count;  // its instructions so far, nested loops' bodies not counted
    bool visible;
  };
  // An expression list being walked, in the innermost region open when it was entered.
  struct List {
    ExprList* exprs;
    ExprList::iterator at;
    Index depth;
    bool visible;
    size_t region;
    bool ends_region;  // the region's own list: finishing it charges the region
  };

  bool metering() const { return fuel_ != kInvalidIndex; }

  void open_region(ExprList& exprs, Index depth, bool visible) {
    regions_.push_back({&exprs, 0, visible});
    lists_.push_back({&exprs, exprs.begin(), depth, visible, regions_.size() - 1, true});
  }
  void enter(ExprList& exprs, Index depth, bool visible, size_t region) {
    lists_.push_back({&exprs, exprs.begin(), depth, visible, region, false});
  }

  // Handles the next expression of the innermost list, or finishes that list.
  void step() {
    List& l = lists_.back();
    if (l.at == l.exprs->end()) {
      const bool ends = l.ends_region;
      lists_.pop_back();
      if (ends) close_region();
      return;
    }
    auto it = l.at++;
    const Index depth = l.depth;
    const bool visible = l.visible;
    const size_t region = l.region;
    ExprList& exprs = *l.exprs;  // `l` may move below: lists_ grows
    Expr& e = *it;
    ++regions_[region].count;
    if (visible) ++bound_;
    switch (e.type()) {
      case ExprType::GlobalGet: move(cast<GlobalGetExpr>(&e)->var); break;
      case ExprType::GlobalSet: move(cast<GlobalSetExpr>(&e)->var); break;
      case ExprType::Call:
        if (visible)
          if (const Func* f = m_.GetFunc(cast<CallExpr>(&e)->var)) bound_ += f->GetNumResults();
        break;
      case ExprType::CallIndirect:
        if (visible) bound_ += cast<CallIndirectExpr>(&e)->decl.GetNumResults();
        break;
      case ExprType::Return:
        it = exprs.erase(it);
        exprs.insert(it, std::make_unique<BrExpr>(Var(depth, Location())));
        break;
      case ExprType::ReturnCall:
      case ExprType::ReturnCallIndirect: tail_calls_.emplace_back(&exprs, it); break;
      case ExprType::Block: {
        auto* b = cast<BlockExpr>(&e);
        if (visible) bound_ += b->block.decl.GetNumResults();
        enter(b->block.exprs, depth + 1, visible, region);
        break;
      }
      case ExprType::Loop: {
        auto* b = cast<LoopExpr>(&e);
        if (visible) bound_ += b->block.decl.GetNumResults();
        open_region(b->block.exprs, depth + 1, visible);
        break;
      }
      case ExprType::If: {
        auto* i = cast<IfExpr>(&e);
        if (visible) bound_ += i->true_.decl.GetNumResults();
        // The else arm is walked after the then arm, as the recursive form did (stack: last in first).
        enter(i->false_, depth + 1, visible, region);
        enter(i->true_.exprs, depth + 1, visible, region);
        break;
      }
      case ExprType::Try: {
        auto* t = cast<TryExpr>(&e);
        for (auto c = t->catches.rbegin(); c != t->catches.rend(); ++c) enter(c->exprs, depth + 1, false, region);
        enter(t->block.exprs, depth + 1, false, region);
        break;
      }
      default: break;
    }
  }

  void close_region() {
    Region r = regions_.back();
    regions_.pop_back();
    if (!metering()) return;
    ExprList charge = fuel_charge(fuel_, 1 + r.count);
    r.exprs->splice(r.exprs->begin(), charge);
    if (r.visible) bound_ += charge_bound_;
  }

  void move(Var& var) const { shift_global_var(var, first_defined_, shift_); }

  const Module& m_;
  const Index fuel_;  // kInvalidIndex: no metering
  const Index first_defined_, shift_;
  const uint64_t charge_bound_;
  uint64_t bound_ = 0;
  std::vector<std::pair<ExprList*, ExprList::iterator>> tail_calls_;
  std::vector<Region> regions_;
  std::vector<List> lists_;
};

}  // namespace

void instrument_for_interp(Module& m, bool meter_fuel) {
  const Index first_defined = m.num_global_imports;
  Index fuel = kInvalidIndex, stack;
  if (meter_fuel) {
    fuel = add_i64_global_imports(m, {{kFuelModule, kFuelField}, {kStackModule, kStackField}}, /*move_in_code=*/false);
    stack = fuel + 1;
  } else {
    stack = add_i64_global_imports(m, {{kStackModule, kStackField}}, /*move_in_code=*/false);
  }
  const uint64_t charge_bound = meter_fuel ? interp_operand_bound(m, fuel_charge(fuel, 1)) : 0;
  FunctionWalk walk(m, fuel, first_defined, meter_fuel ? 2 : 1, charge_bound);
  for (Index i = m.num_func_imports; i < m.funcs.size(); ++i) {
    Func& f = *m.funcs[i];
    const uint64_t operands = walk.body(f.exprs);
    const int64_t slots = stack_pass_charge(uint64_t{f.GetNumParamsAndLocals()} + f.GetNumResults() + operands);
    for (auto [list, at] : walk.tail_calls()) {
      ExprList give_back = stack_adjust(stack, slots, false);
      while (!give_back.empty()) list->insert(at, give_back.extract_front());
    }
    wrap_frame(m, f, stack, slots);
  }
}

}  // namespace torvyn::wasm
