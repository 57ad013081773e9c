// `torvyn run --input/--output` as a user drives it (issue 13): numeric options are range-checked
// (a usage error, never an abort), chunked input round-trips byte for byte, every sink of a flow
// reaches --output, a reader that closes the pipe stops the run quietly, and a line too long to be
// an element says to use --input-chunk.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "example_project.h"

namespace {

namespace fs = std::filesystem;
using torvyn::test::describe;
using torvyn::test::read_file;
using torvyn::test::torvyn;
using torvyn::test::write_file;
using Proc = torvyn::test::ProcResult;

// hello-world, built once for the suite: `--input` and `--output` replace its source and sink, so
// a run is the file stages alone.
class RunIo : public torvyn::test::BuiltHelloWorld {
 protected:
  RunIo() : project_(project()) {}
  const fs::path project_;
};

TEST_F(RunIo, OutOfRangeNumbersAreUsageErrorsNotCrashes) {
  write_file(project_ / "small.txt", "hello world 17b\n");
  // Each of these once aborted (bad_alloc, length_error) or hung; -1 was read as 2^64-1.
  for (const char* chunk : {"99999999999", "18446744073709551615", "4294967296", "0", "-1", "12x"}) {
    std::vector<std::string> args = {"run", "-q", "--input", "small.txt", "--input-chunk", chunk, "--output", "-"};
    Proc r = torvyn(args, project_, std::chrono::seconds(60));
    EXPECT_EQ(r.exit_code, 2) << describe(args, r);
    EXPECT_NE(r.err.find("--input-chunk"), std::string::npos) << describe(args, r);
  }
  for (const char* cmd : {"run", "bench", "trace"}) {
    std::vector<std::string> args = {cmd, "--limit", "-1"};
    Proc r = torvyn(args, project_, std::chrono::seconds(60));
    EXPECT_EQ(r.exit_code, 2) << describe(args, r);
    EXPECT_NE(r.err.find("--limit"), std::string::npos) << describe(args, r);
  }
}

TEST_F(RunIo, ChunkedInputRoundTripsExactly) {
  std::string bytes(100'003, '\0');  // not a multiple of the chunk, and full of newlines and zeros
  std::mt19937 rng(7);
  for (char& c : bytes) c = static_cast<char>(rng() & 0xff);
  write_file(project_ / "blob.bin", bytes);
  std::vector<std::string> args = {"run", "-q", "--input", "blob.bin", "--input-chunk", "7", "--output", "copy.bin"};
  Proc r = torvyn(args, project_, std::chrono::seconds(120));
  ASSERT_EQ(r.exit_code, 0) << describe(args, r);
  EXPECT_TRUE(read_file(project_ / "copy.bin") == bytes) << "the output is not the input, byte for byte";
}

TEST_F(RunIo, AReaderClosingThePipeEndsTheRunQuietly) {
  std::string lines;
  for (int i = 1; i <= 200'000; ++i) lines += std::to_string(i) + "\n";
  write_file(project_ / "many.txt", lines);
  // `torvyn run -o - | head -3`, and the exit status of torvyn itself.
  std::vector<std::string> args = {"-c", "\"$0\" run -q --input many.txt --output - | head -3; echo \"torvyn-exit=${PIPESTATUS[0]}\" >&2",
                                   TORVYN_EXE};
  torvyn::test::ProcOptions o;
  o.cwd = project_;
  o.env = torvyn::test::child_environment({{"XDG_CACHE_HOME", std::string(TORVYN_TEST_CACHE_HOME)}});
  o.timeout = std::chrono::seconds(120);
  Proc r = torvyn::test::run("/bin/bash", args, o);
  EXPECT_EQ(r.out, "1\n2\n3\n") << describe(args, r);
  EXPECT_NE(r.err.find("torvyn-exit=0"), std::string::npos) << describe(args, r);
  EXPECT_EQ(r.err.find("Failed"), std::string::npos) << describe(args, r);
}

// What the output sink took after the reader left was not delivered: the report says so, and
// produced = delivered + dropped still holds.
TEST_F(RunIo, ElementsTakenAfterTheReaderLeftAreDroppedNotDelivered) {
  std::string lines;
  for (int i = 1; i <= 200'000; ++i) lines += std::to_string(i) + "\n";
  write_file(project_ / "many.txt", lines);
  std::vector<std::string> args = {"-c", "\"$0\" --format json run --input many.txt --output - 2>summary.json | head -3", TORVYN_EXE};
  torvyn::test::ProcOptions o;
  o.cwd = project_;
  o.env = torvyn::test::child_environment({{"XDG_CACHE_HOME", std::string(TORVYN_TEST_CACHE_HOME)}});
  o.timeout = std::chrono::seconds(120);
  Proc r = torvyn::test::run("/bin/bash", args, o);
  ASSERT_EQ(r.out, "1\n2\n3\n") << describe(args, r);
  const std::string text = read_file(project_ / "summary.json");
  auto j = nlohmann::json::parse(text, nullptr, false);
  ASSERT_TRUE(j.is_array()) << text;
  const auto& e = j[0]["elements"];
  EXPECT_NE(j[0]["state"], "Failed") << text;
  EXPECT_GT(e.value("output_discarded", 0), 0) << text;
  EXPECT_LT(e["delivered"].get<uint64_t>(), e["produced"].get<uint64_t>()) << text;
  EXPECT_EQ(e["delivered"].get<uint64_t>() + e["dropped"].get<uint64_t>(), e["produced"].get<uint64_t>()) << text;
}

// Any duration parses, and the largest are no timeout at all: converted to nanoseconds, scaled by a
// batch and added to the clock, they once overflowed (signed overflow: undefined behaviour).
TEST_F(RunIo, AnEnormousInvocationTimeoutRunsAsNoTimeout) {
  for (const char* timeout : {"100000000d", "18446744073709551615"}) {
    std::vector<std::string> args = {"run", "-q", "--config", std::string("runtime.invocation_timeout=") + timeout, "--output", "-"};
    Proc r = torvyn(args, project_, std::chrono::seconds(60));
    EXPECT_EQ(r.exit_code, 0) << describe(args, r);
    EXPECT_NE(r.out.find("Hello, World! #5"), std::string::npos) << describe(args, r);
  }
}

TEST_F(RunIo, ALineTooLongForAnElementNamesInputChunk) {
  write_file(project_ / "huge-line.txt", std::string((16u << 20) + 10, 'x') + "\n");
  std::vector<std::string> args = {"run", "-q", "--input", "huge-line.txt", "--output", "/dev/null"};
  Proc r = torvyn(args, project_, std::chrono::seconds(120));
  EXPECT_EQ(r.exit_code, 1) << describe(args, r);
  EXPECT_NE(r.err.find("line 1"), std::string::npos) << describe(args, r);
  EXPECT_NE(r.err.find("--input-chunk"), std::string::npos) << describe(args, r);
}

// The router template sends even elements to one sink and odd ones to another: --output replaces
// both, and gets all six.
TEST(RunOutput, EverySinkOfTheFlowReachesTheOutput) {
  torvyn::test::ExampleDir tmp;
  std::vector<std::string> args = {"init", "demo", "--template", "router", "-q"};
  Proc r = torvyn(args, tmp.path());
  ASSERT_EQ(r.exit_code, 0) << describe(args, r);
  fs::path p = tmp.path() / "demo";
  args = {"build", "-q"};
  r = torvyn(args, p);
  ASSERT_EQ(r.exit_code, 0) << describe(args, r);
  args = {"run", "--output", "out.txt", "--format", "json"};
  r = torvyn(args, p);
  ASSERT_EQ(r.exit_code, 0) << describe(args, r);
  nlohmann::json j = torvyn::test::parse_json(r.out);
  ASSERT_TRUE(j.is_array() && j.size() == 1) << describe(args, r);
  EXPECT_EQ(j[0]["elements"]["produced"], 6) << describe(args, r);
  EXPECT_EQ(j[0]["elements"]["delivered"], 6) << describe(args, r);
  EXPECT_EQ(j[0]["elements"]["dropped"], 0) << describe(args, r);
  std::string out = read_file(p / "out.txt");
  for (int i = 0; i < 6; ++i) EXPECT_NE(out.find("#" + std::to_string(i) + "\n"), std::string::npos) << i << "\n" << out;
}

}  // namespace
