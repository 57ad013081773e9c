#include "torvyn/security/capability.h"

#include <gtest/gtest.h>

#include <vector>

namespace torvyn::security {
namespace {

TEST(Capability, GrantCoversItselfAndDescendants) {
  std::set<std::string, std::less<>> g{"wasi:cli", "wasi:random"};
  EXPECT_TRUE(grant_covers(g, "wasi:random"));
  EXPECT_TRUE(grant_covers(g, "wasi:random/insecure"));
  EXPECT_TRUE(grant_covers(g, "wasi:cli/environment"));
  EXPECT_FALSE(grant_covers(g, "wasi:filesystem"));
  EXPECT_FALSE(grant_covers(g, "wasi:clipboard"));  // a prefix that is not at a '/' boundary
  EXPECT_FALSE(grant_covers(g, ""));
  EXPECT_FALSE(grant_covers({"wasi:cli/environment"}, "wasi:cli"));  // a child does not cover its parent
  EXPECT_FALSE(grant_covers({"wasi"}, "wasi:random"));
}

TEST(Capability, GateAuditsFirstUseOfEachOutcome) {
  struct Event {
    std::string component, capability;
    bool granted;
  };
  std::vector<Event> events;
  CapabilityGate gate("comp", {"wasi:random"}, [&](std::string_view c, std::string_view cap, bool ok) {
    events.push_back({std::string(c), std::string(cap), ok});
  });
  EXPECT_TRUE(gate.check("wasi:random"));
  EXPECT_TRUE(gate.check("wasi:random"));
  EXPECT_FALSE(gate.check("wasi:filesystem"));
  EXPECT_FALSE(gate.check("wasi:filesystem"));
  EXPECT_FALSE(gate.check("wasi:cli/environment"));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].component, "comp");
  EXPECT_EQ(events[0].capability, "wasi:random");
  EXPECT_TRUE(events[0].granted);
  EXPECT_EQ(events[1].capability, "wasi:filesystem");
  EXPECT_FALSE(events[1].granted);
  EXPECT_EQ(events[2].capability, "wasi:cli/environment");
}

TEST(Capability, ThrowingAuditSinkIsContained) {
  CapabilityGate gate("comp", {}, [](std::string_view, std::string_view, bool) { throw std::runtime_error("sink down"); });
  EXPECT_FALSE(gate.check("wasi:random"));
}

}  // namespace
}  // namespace torvyn::security
