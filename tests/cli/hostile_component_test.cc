// Component files come from outside. One the fuzzer built (fuzz/corpus/component/
// regress-const-expr-if.wasm: a global's initializer holding an `if` that ends inside it) made
// `torvyn inspect` abort inside the WebAssembly reader; it must be refused with a diagnostic.
#include <gtest/gtest.h>

#include <csignal>

#include "torvyn_test/process.h"

namespace torvyn::test {
namespace {

TEST(HostileComponent, AnIfInAConstantExpressionIsDiagnosedNotAnAbort) {
  TempDir dir("torvyn-hostile-component");
  const std::filesystem::path wasm = std::filesystem::path(TORVYN_SOURCE_DIR) / "fuzz/corpus/component/regress-const-expr-if.wasm";
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{{"inspect", wasm.string()},
                                                                             {"--format", "json", "inspect", wasm.string()}}) {
    ProcOptions o;
    o.cwd = dir.path();
    o.env = child_environment({{"XDG_CONFIG_HOME", (dir.path() / ".config").string()}});
    o.timeout = std::chrono::seconds(60);
    ProcResult r = run(TORVYN_EXE, args, o);
    EXPECT_NE(r.signal, SIGABRT) << describe(args, r);
    EXPECT_EQ(r.exit_code, 1) << describe(args, r);
    EXPECT_NE((r.out + r.err).find("E0101"), std::string::npos) << describe(args, r);
    EXPECT_NE((r.out + r.err).find("global 0's initializer contains"), std::string::npos) << describe(args, r);
  }
}

}  // namespace
}  // namespace torvyn::test
