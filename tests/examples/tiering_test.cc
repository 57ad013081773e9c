// runtime.tiering as a user meets it (issue 16 item 2): on a cold aot cache a run starts at once on
// the interpreter while the components compile in the background, and each node moves to the
// compiled code at an element boundary. The output is the output of a run that never moved, the
// summary says where each node ran, and a warm cache runs compiled code from the start. Each test
// forces a cold compile with an empty XDG_CACHE_HOME.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "example_project.h"

namespace {

namespace fs = std::filesystem;
using torvyn::test::describe;
using torvyn::test::parse_json;
using torvyn::test::read_file;
using torvyn::test::torvyn;
using torvyn::test::write_file;
using Proc = torvyn::test::ProcResult;

const std::vector<std::string> kTiering = {"--config", "runtime.tiering=true"};

class Tiering : public torvyn::test::BuiltHelloWorld {
 protected:
  Proc run(std::vector<std::string> args, const std::string& cache) {
    args.insert(args.begin(), "run");
    // A state directory of its own: these runs last seconds, and the default inspection socket
    // would be taken from (or by) a test running beside them.
    return torvyn(args, project(), std::chrono::seconds(600),
                  {{"XDG_CACHE_HOME", (tmp_.path() / cache).string()}, {"TORVYN_STATE_DIR", (tmp_.path() / "state").string()}});
  }
  torvyn::test::ExampleDir tmp_;
};

// 20 million greetings: the interpreter is still at it long after a 16 KiB component has compiled,
// so the source moves mid-stream; every element arrives.
TEST_F(Tiering, AColdRunStartsOnTheInterpreterAndMovesMidStream) {
  std::vector<std::string> args = {"--output", "/dev/null", "--format", "json", "--config", "flow.main.nodes.greeter.config=count=20000000"};
  args.insert(args.end(), kTiering.begin(), kTiering.end());
  Proc r = run(args, "cold");
  ASSERT_EQ(r.exit_code, 0) << describe(args, r);
  auto doc = parse_json(r.out);
  ASSERT_FALSE(doc.is_discarded()) << r.out;
  EXPECT_EQ(doc[0]["elements"]["delivered"], 20000000u) << r.out;
  const auto& greeter = doc[0]["stages"][0];
  ASSERT_EQ(greeter["node"], "greeter") << r.out;
  EXPECT_EQ(greeter["engine"], "aot") << r.out;
  ASSERT_TRUE(greeter.contains("tiering")) << r.out;
  EXPECT_EQ(greeter["tiering"]["moved"], true) << r.out;
  EXPECT_GT(greeter["tiering"]["calls_before"].get<uint64_t>(), 0u) << "it ran on the interpreter first\n" << r.out;
  EXPECT_GT(greeter["invocations"].get<uint64_t>(), greeter["tiering"]["calls_before"].get<uint64_t>()) << "and on aot after\n" << r.out;

  // The compile it made in the background is cached: the next run starts compiled, nothing to move.
  Proc warm = run(args, "cold");
  ASSERT_EQ(warm.exit_code, 0) << describe(args, warm);
  auto warm_doc = parse_json(warm.out);
  EXPECT_EQ(warm_doc[0]["stages"][0]["engine"], "aot") << warm.out;
  EXPECT_FALSE(warm_doc[0]["stages"][0].contains("tiering")) << warm.out;
}

// The output of a tiered run is the output of a run on one engine, and the human summary and the
// progress lines say what happened.
TEST_F(Tiering, TheOutputIsTheSameAndTheSummarySaysWhereEachNodeRan) {
  std::vector<std::string> base = {"--output", "-", "--config", "flow.main.nodes.greeter.config=count=300000"};
  std::vector<std::string> plain = base;
  plain.push_back("-q");
  Proc want = run(plain, "warm");
  ASSERT_EQ(want.exit_code, 0) << describe(plain, want);
  std::vector<std::string> tiered = base;
  tiered.insert(tiered.end(), kTiering.begin(), kTiering.end());
  Proc got = run(tiered, "cold");
  ASSERT_EQ(got.exit_code, 0) << describe(tiered, got);
  EXPECT_TRUE(got.out.substr(0, got.out.find("flow main:")) == want.out.substr(0, want.out.find("flow main:"))) << "outputs differ";
  // (With --output - the summary goes to stderr.)
  EXPECT_NE(got.err.find("  tiering    greeter: "), std::string::npos) << got.err;
  if (got.err.find("greeter: moved to aot after") != std::string::npos) {
    EXPECT_NE(got.err.find("compiled greeter.wasm in "), std::string::npos) << got.err;
  }
}

// A run that ends before its compile stops the compile and says so; nothing half-made is cached.
TEST_F(Tiering, ARunThatEndsFirstStopsItsCompile) {
  std::vector<std::string> args = {"--output", "-"};
  args.insert(args.end(), kTiering.begin(), kTiering.end());
  Proc r = run(args, "short");
  ASSERT_EQ(r.exit_code, 0) << describe(args, r);
  EXPECT_TRUE(r.out.rfind(read_file(fs::path(TORVYN_EXAMPLES_DIR) / "hello-world" / "expected-output.txt"), 0) == 0) << r.out;
  // Five greetings take milliseconds; the compile takes a second or more. (A compile stopped
  // before its translation began has nothing to report but the summary line.)
  EXPECT_NE(r.err.find("  tiering    greeter: ran on interp ("), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("): the aot compile had not finished"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("compiled greeter.wasm"), std::string::npos) << r.err;
  if (r.err.find("compiling greeter.wasm") != std::string::npos) {
    EXPECT_NE(r.err.find("stopped compiling greeter.wasm after"), std::string::npos) << r.err;
  }
  for (const auto& e : fs::recursive_directory_iterator(tmp_.path() / "short"))
    EXPECT_NE(e.path().filename(), "module.so") << "a stopped compile cached " << e.path();
}

}  // namespace
