// The model's walk against hostile input: it recurses once per scope it opens and asks the walk's
// bounds first, so a chain of instantiations, a fan of them, or instance types nested inside one
// another are refused before the stack or the work grows past them.
#include <gtest/gtest.h>

#include "namer.h"

namespace torvyn::component::model::test {
namespace {

// Component k (k >= 1) instantiates component k-1 `fan` times through an outer alias: components
// nest two deep, instantiations chain `n` deep, and the walk would open fan^n scopes. The root
// instantiates component n `top` times.
Component instantiation_fan(uint32_t n, uint32_t fan, uint32_t top = 1) {
  std::vector<Definition> root{nested({})};
  for (uint32_t k = 1; k <= n; ++k) {
    std::vector<Definition> level{outer_alias(Sort::Component, 1, k - 1)};
    for (uint32_t i = 0; i < fan; ++i) level.push_back(instantiate(0));
    root.push_back(nested(std::move(level)));
  }
  for (uint32_t i = 0; i < top; ++i) root.push_back(instantiate(n));
  return comp(std::move(root));
}

TEST(IndexModelLimits, AnInstantiationChainStopsAtTheDepthBound) {
  Namer shallow(50);
  auto ok = shallow.root(instantiation_fan(40, 1));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(shallow.deepest, 42u);  // the root, 40 links, the empty component at the end

  Namer deep(50);
  auto refused = deep.root(instantiation_fan(5'000, 1));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message, "too deep");
  EXPECT_EQ(deep.deepest, 50u);
}

TEST(IndexModelLimits, LeavingAScopeGivesItsDepthBack) {
  Namer n(50);
  auto s = n.root(instantiation_fan(40, 1, 3));  // three chains of 42 in turn, never more at once
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(n.deepest, 42u);
}

TEST(IndexModelLimits, AFanOfInstantiationsStopsAtTheWorkBound) {
  Namer modest(100, 100'000);
  EXPECT_TRUE(modest.root(instantiation_fan(3, 10)).ok());  // 1,111 instantiations
  Namer bomb(100, 100'000);
  auto refused = bomb.root(instantiation_fan(12, 10));  // 10^12
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message, "too much work");
}

// Instance type k declares instance type k-1 and exports an instance of it: reading the outermost
// reads them all, one scope inside another.
TEST(IndexModelLimits, NestedInstanceTypesStopAtTheDepthBound) {
  auto nest = [](int depth) {
    std::shared_ptr<Type> t = instance_type({});
    for (int k = 0; k < depth; ++k) t = instance_type({decl_type(t), decl_export("i", desc(ExternDesc::Kind::Instance, 0))});
    return comp({t, import_("deep", desc(ExternDesc::Kind::Instance, 0))});
  };
  Namer shallow(50);
  auto ok = shallow.root(nest(40));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(shallow.deepest, 42u);

  Namer deep(50);
  auto refused = deep.root(nest(2'000));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message, "too deep");
}

}  // namespace
}  // namespace torvyn::component::model::test
