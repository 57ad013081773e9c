// Imported interfaces against grants under deny-all; grants that are unknown or unused.
#include "torvyn/contracts/capabilities.h"

#include <gtest/gtest.h>

#include "contracts_test_util.h"

namespace torvyn::contracts {
namespace {

TEST(CapabilitiesTest, ClassifiesImports) {
  EXPECT_EQ(classify_import("torvyn:streaming/types@0.1.0").kind, ImportClass::Kind::Torvyn);
  EXPECT_EQ(classify_import("wasi:io/streams@0.2.12").kind, ImportClass::Kind::Always);
  EXPECT_EQ(classify_import("wasi:cli/stdout@0.2.0").kind, ImportClass::Kind::Always);
  EXPECT_EQ(classify_import("wasi:clocks/monotonic-clock").kind, ImportClass::Kind::Always);
  ImportClass r = classify_import("wasi:random/random@0.2.12");
  EXPECT_EQ(r.kind, ImportClass::Kind::Gated);
  EXPECT_EQ(r.capability, "wasi:random");
  EXPECT_TRUE(r.fails_without);
  ImportClass e = classify_import("wasi:cli/environment@0.2.0");
  EXPECT_EQ(e.capability, "wasi:cli/environment");
  EXPECT_FALSE(e.fails_without);
  EXPECT_EQ(classify_import("wasi:filesystem/preopens@0.2.0").capability, "wasi:filesystem");
  EXPECT_EQ(classify_import("wasi:sockets/tcp@0.2.0").kind, ImportClass::Kind::Unavailable);
  EXPECT_EQ(classify_import("acme:db/query@1.0.0").kind, ImportClass::Kind::Unavailable);
}

TEST(CapabilitiesTest, GrantCoversDescendants) {
  EXPECT_TRUE(grant_covers({"wasi:cli"}, "wasi:cli/environment"));
  EXPECT_TRUE(grant_covers({"wasi:random"}, "wasi:random"));
  EXPECT_FALSE(grant_covers({"wasi:cl"}, "wasi:cli/environment"));
  EXPECT_FALSE(grant_covers({"wasi"}, "wasi:random"));
  EXPECT_FALSE(grant_covers({}, "wasi:random"));
}

TEST(CapabilitiesTest, DenyAllNeedsGrants) {
  std::vector<std::string> imports = {"torvyn:streaming/types@0.1.0", "wasi:io/streams@0.2.12", "wasi:filesystem/types@0.2.12",
                                      "wasi:filesystem/preopens@0.2.12", "wasi:random/random@0.2.12", "wasi:cli/environment@0.2.12"};
  CapabilityPolicy p;
  p.grant_key = "security.grants.probe";
  auto fs = check_imports(imports, p, "probe");
  ASSERT_EQ(fs.size(), 3u);  // filesystem once (two interfaces), random, environment
  EXPECT_EQ(fs[0].code, ErrorCode::CapabilityNotGranted);
  EXPECT_EQ(fs[0].severity, Severity::Error);
  EXPECT_NE(fs[0].message.find("wasi:filesystem"), std::string::npos);
  EXPECT_EQ(fs[0].help, "grant it: [security.grants.probe] capabilities = [\"wasi:filesystem\"]");
  EXPECT_EQ(fs[1].severity, Severity::Error);
  EXPECT_EQ(fs[2].severity, Severity::Warning);  // an empty environment is not fatal

  p.grants = {"wasi:filesystem", "wasi:random", "wasi:cli"};
  EXPECT_TRUE(check_imports(imports, p, "probe").empty());
  p.grants.clear();
  p.deny_all = false;
  EXPECT_TRUE(check_imports(imports, p, "probe").empty());
}

TEST(CapabilitiesTest, UnavailableInterfacesAreErrorsEvenWhenAllowed) {
  CapabilityPolicy p;
  p.deny_all = false;
  auto fs = check_imports({"wasi:sockets/tcp@0.2.0", "acme:db/query"}, p, "x");
  ASSERT_EQ(fs.size(), 2u);
  for (const auto& f : fs) EXPECT_EQ(f.code, ErrorCode::CapabilityUnavailable);
}

TEST(CapabilitiesTest, UnknownAndUnusedGrants) {
  std::vector<std::string> imports = {"wasi:random/random@0.2.12"};
  auto fs = check_grants({"wasi:random", "wasi:filesytem", "wasi:filesystem"}, &imports, "security.grants.x");
  ASSERT_EQ(fs.size(), 2u);
  EXPECT_NE(fs[0].message.find("`wasi:filesytem`, which is not a capability"), std::string::npos);
  EXPECT_EQ(fs[0].help, "did you mean `wasi:filesystem`?");
  EXPECT_NE(fs[1].message.find("`wasi:filesystem`, but the component imports nothing that needs it"), std::string::npos);
  for (const auto& f : fs) EXPECT_EQ(f.severity, Severity::Warning);
  // Without knowing the imports only names are judged; an ancestor of a capability is a known name.
  EXPECT_TRUE(check_grants({"wasi:cli", "wasi:filesystem"}, nullptr, "k").empty());
}

TEST(CapabilitiesTest, WasiComponentImports) {
  auto bytes = sdk_component("wasi_probe");
  if (bytes.empty()) GTEST_SKIP() << "WASI test component not built";
  auto c = component_wit_from_bytes(bytes);
  ASSERT_TRUE(c) << c.error().to_string();
  CapabilityPolicy p;
  p.grant_key = "security.grants.probe";
  auto fs = check_imports(imported_interfaces(*c->world), p, "probe");
  std::string caps;
  for (const auto& f : fs) caps += f.message + "\n";
  EXPECT_EQ(fs.size(), 3u) << caps;  // environment, filesystem, random
}

}  // namespace
}  // namespace torvyn::contracts
