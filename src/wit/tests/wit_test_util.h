// Shared helpers for the WIT front-end tests.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "torvyn/wit/model.h"
#include "torvyn/wit/print.h"
#include "torvyn/wit/resolve.h"

namespace torvyn::wit::testing {

inline std::filesystem::path shipped_wit() { return std::filesystem::path(TORVYN_SOURCE_DIR) / "wit"; }
inline std::filesystem::path test_data() { return std::filesystem::path(TORVYN_WIT_TEST_DATA); }

// Resolves one file's text named "test.wit".
inline ResolveResult resolve_text(std::string_view text) { return parse_source(text, "test.wit"); }

// Resolves and expects success; the test fails with the rendered diagnostics otherwise.
inline std::shared_ptr<Resolve> resolve_ok(std::string_view text) {
  ResolveResult r = resolve_text(text);
  EXPECT_TRUE(r.ok() && r.diagnostics.empty()) << r.render();
  return r.resolve;
}

// Resolves and expects failure; returns the first diagnostic (a default one if there is none).
inline Diagnostic first_error(std::string_view text) {
  ResolveResult r = resolve_text(text);
  EXPECT_FALSE(r.ok()) << "expected an error for:\n" << text;
  for (const auto& d : r.diagnostics)
    if (d.severity == Severity::Error) return d;
  return {};
}

// The function `name` of interface `iface` in the root package, printed as WIT ("" if missing).
inline std::string signature(const Resolve& r, std::string_view iface, std::string_view name) {
  if (!r.root) return "";
  const Interface* i = r.root->interface(iface);
  if (!i) return "";
  const Function* f = i->function(name);
  return f ? print_function(*f) : "";
}

}  // namespace torvyn::wit::testing
