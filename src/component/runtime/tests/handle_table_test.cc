#include <gtest/gtest.h>

#include "torvyn/component/handle_table.h"
#include "torvyn/component/runtime.h"

namespace torvyn::component {
namespace {

HandleEntry owned(uint32_t resource, uint64_t rep) {
  HandleEntry e;
  e.resource = resource;
  e.rep = rep;
  e.own = true;
  return e;
}

TEST(HandleTable, OwnBorrowAndLendRules) {
  HandleTable t;
  uint32_t h = t.add(owned(1, 100));
  EXPECT_NE(h, 0u);  // 0 is never a handle
  EXPECT_EQ(t.get(h, 2).error().code, ErrorCode::ResourceHandleError);  // wrong resource type
  auto rep = t.lift_borrow(h, 1);
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(*rep, 100u);
  EXPECT_FALSE(t.lift_own(h, 1).ok());  // lent out: cannot be given away
  EXPECT_FALSE(t.remove(h, 1).ok());    // nor dropped
  t.end_lend(h);
  auto moved = t.lift_own(h, 1);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(*moved, 100u);
  EXPECT_FALSE(t.get(h, 1).ok());  // gone: use after give-away is caught
  EXPECT_FALSE(t.remove(h, 1).ok());  // and a second drop too
  EXPECT_EQ(t.live_count(), 0u);

  HandleEntry b = owned(1, 7);
  b.own = false;
  uint32_t hb = t.add(b);
  EXPECT_FALSE(t.lift_own(hb, 1).ok());  // a borrowed handle cannot be transferred
  EXPECT_TRUE(t.remove(hb, 1).ok());
  EXPECT_FALSE(t.get(12345, 1).ok());
}

TEST(HandleTable, SlotsAreReused) {
  HandleTable t;
  uint32_t a = t.add(owned(1, 1));
  ASSERT_TRUE(t.remove(a, 1).ok());
  uint32_t b = t.add(owned(1, 2));
  EXPECT_EQ(a, b);
  EXPECT_EQ((*t.get(b, 1))->rep, 2u);
}

TEST(Linker, FindsInterfacesByNameAndCompatibleVersion) {
  Linker l;
  l.define(std::make_shared<HostInstance>("wasi:io/streams@0.2.0"));
  l.define(std::make_shared<HostInstance>("torvyn:streaming/types@0.1.0"));
  l.define(std::make_shared<HostInstance>("acme:x/y@1.2.0"));
  EXPECT_TRUE(l.find("torvyn:streaming/types@0.1.0"));
  EXPECT_TRUE(l.find("wasi:io/streams@0.2.12"));   // 0.2.x is compatible with 0.2.0
  EXPECT_FALSE(l.find("wasi:io/streams@0.3.0"));   // 0.x minor bumps are breaking
  EXPECT_TRUE(l.find("acme:x/y@1.9.3"));           // same major
  EXPECT_FALSE(l.find("acme:x/y@2.0.0"));
  EXPECT_FALSE(l.find("torvyn:streaming/types"));  // unversioned vs versioned
  EXPECT_FALSE(l.find("torvyn:streaming/processor@0.1.0"));
}

}  // namespace
}  // namespace torvyn::component
