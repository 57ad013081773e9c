// The bounds a walk keeps against hostile input. A walk recurses once per nested scope (a nested
// instantiation, an instance type's declarations), and instantiating a nested component walks it
// again, so a small binary could make a walk deep, or exponential (a component instantiating its
// component several times per level). Each walk chooses its own bounds and words its own refusal.
#pragma once

#include <cstdint>

namespace torvyn::component::model {

class Budget {
 public:
  Budget(unsigned max_depth, uint64_t max_work) : max_depth_(max_depth), max_work_(max_work) {}

  // One scope deeper; false (and no deeper) when `max_depth` scopes are already open.
  bool deeper() {
    if (depth_ >= max_depth_) return false;
    ++depth_;
    return true;
  }
  void shallower() { --depth_; }
  // One unit of work; false once more than `max_work` were spent.
  bool spend() { return ++work_ <= max_work_; }

  unsigned max_depth() const { return max_depth_; }
  uint64_t max_work() const { return max_work_; }

 private:
  unsigned max_depth_;
  uint64_t max_work_;
  unsigned depth_ = 0;
  uint64_t work_ = 0;
};

}  // namespace torvyn::component::model
