// The operator's guide's upgrade procedure: "Run the new version with your pipeline using torvyn
// run and torvyn bench. Compare benchmark results against your baseline." `torvyn bench` on a
// real project (the operations test components): the warm-up is left out of the numbers, the
// report is saved, a named baseline is saved and compared against, the four report formats, and
// its errors and exit codes (DESIGN.md §9).
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "ops_harness.h"

namespace torvyn::ops_test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class Bench : public ::testing::Test {
 protected:
  test::TempDir dir{"torvyn-bench"};

  // source (never exhausted unless `source_config` says so) -> processor -> sink.
  void project(const std::string& source_config = "count=0,size=64", const std::string& processor_config = "") {
    std::string m = "[torvyn]\nname = \"bench-test\"\nversion = \"0.1.0\"\ncontract_version = \"0.1.0\"\n\n";
    for (const char* c : {"source", "processor", "sink"})
      m += "[[component]]\nname = \"ops-" + std::string(c) + "\"\npath = \"" + component(std::string("ops_") + c).string() + "\"\n\n";
    m += "[runtime]\nworker_threads = 1\n\n";
    m += "[flow.main.nodes.source]\ncomponent = \"ops-source\"\nconfig = \"" + source_config + "\"\n\n";
    m += "[flow.main.nodes.transform]\ncomponent = \"ops-processor\"\nconfig = \"" + processor_config + "\"\n\n";
    m += "[flow.main.nodes.sink]\ncomponent = \"ops-sink\"\n\n";
    m += "[[flow.main.edges]]\nfrom = { node = \"source\" }\nto = { node = \"transform\" }\n\n";
    m += "[[flow.main.edges]]\nfrom = { node = \"transform\" }\nto = { node = \"sink\" }\n";
    test::write_file(dir.path() / "Torvyn.toml", m);
  }
  test::ProcResult torvyn(const std::vector<std::string>& args) {
    test::ProcOptions o;
    o.cwd = dir.path();
    o.env = test::child_environment({{"XDG_CACHE_HOME", TORVYN_OPS_CACHE_HOME}});
    o.timeout = std::chrono::seconds(120);
    return test::run(TORVYN_EXE, args, o);
  }
  json bench_json(std::vector<std::string> args, int want_exit = 0) {
    args.insert(args.begin(), "bench");
    args.push_back("--format");
    args.push_back("json");
    test::ProcResult r = torvyn(args);
    EXPECT_EQ(r.exit_code, want_exit) << test::describe(args, r);
    json j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << test::describe(args, r);
    return j;
  }
};

TEST_F(Bench, MeasuresAfterTheWarmupAndSavesTheReport) {
  project();
  json j = bench_json({"--duration", "500ms", "--warmup", "1s"});
  ASSERT_TRUE(j["flows"].is_array() && j["flows"].size() == 1) << j;
  const json& f = j["flows"][0];
  EXPECT_EQ(j["torvyn_bench"], 1);
  EXPECT_EQ(j["engine"], "aot");
  // The window asked for and the one measured (which the rates are computed over).
  EXPECT_EQ(j["requested_duration_s"], 0.5);
  EXPECT_NEAR(j["duration_s"].get<double>(), 0.5, 0.4) << j;
  EXPECT_EQ(j["ended"], "window");
  EXPECT_EQ(j["warmup_s"], 1.0);
  EXPECT_EQ(f["state"], "Cancelled");  // its sources were stopped when the window closed
  EXPECT_NEAR(f["warmup_seconds"].get<double>(), 1.0, 0.3) << f;
  EXPECT_NEAR(f["seconds"].get<double>(), 0.5, 0.4) << f;
  double delivered = f["elements"]["delivered"].get<double>(), produced = f["elements"]["produced"].get<double>();
  ASSERT_GT(delivered, 100) << f;
  EXPECT_NEAR(f["throughput"].get<double>(), delivered / f["seconds"].get<double>(), 1.0);
  // The warm-up's elements are not in the numbers: at the window's rate, the whole run (1.5 s)
  // produced three times what the 0.5 s window reports.
  EXPECT_LT(produced, f["throughput"].get<double>() * 1.5 * 0.7) << f;
  // 4 per element; a window cuts through elements in flight, so only nearly exactly.
  EXPECT_NEAR(f["copies"]["per_element"].get<double>(), 4.0, 0.01) << f;
  const json& l = f["latency_ns"];
  EXPECT_GT(l["p50"].get<uint64_t>(), 0u);
  EXPECT_LE(l["p50"], l["p90"]);
  EXPECT_LE(l["p90"], l["p99"]);
  EXPECT_LE(l["p99"], l["p999"]);
  EXPECT_LE(l["p999"], l["max"]);
  ASSERT_EQ(f["stages"].size(), 3u);
  for (const json& s : f["stages"]) {
    EXPECT_GT(s["invocations"].get<uint64_t>(), 100u) << s;
    EXPECT_GT(s["processing_ns"]["p50"].get<uint64_t>(), 0u) << s;
  }
  EXPECT_GT(j["pool"]["small"]["allocations"].get<uint64_t>(), 0u) << j;
  // Saved under .torvyn/bench/, the same document.
  fs::path saved = j["saved"].get<std::string>();
  EXPECT_EQ(saved.parent_path(), dir.path() / ".torvyn" / "bench");
  json file = json::parse(test::read_file(saved), nullptr, false);
  ASSERT_FALSE(file.is_discarded());
  EXPECT_EQ(file["flows"], j["flows"]);
}

TEST_F(Bench, AFlowThatEndsDuringTheWarmupReportsItsWholeRun) {
  project("count=500,size=64");
  json j = bench_json({"--duration", "1s", "--warmup", "5s"});
  const json& f = j["flows"][0];
  EXPECT_EQ(f["state"], "Completed") << f;
  EXPECT_FALSE(f.contains("warmup_seconds")) << f;
  EXPECT_EQ(f["elements"]["delivered"], 500) << f;
  EXPECT_LT(f["seconds"].get<double>(), 5.0) << "the bench ends with the flow, not after the warm-up";
  // The report says the window was cut short and how long it really was.
  EXPECT_EQ(j["ended"], "finished") << j;
  EXPECT_EQ(j["requested_duration_s"], 1.0) << j;
  EXPECT_EQ(j["duration_s"], f["seconds"]) << j;
  test::ProcResult r = torvyn({"bench", "--duration", "1s", "--warmup", "5s"});
  EXPECT_NE(r.out.find("it ended during the warm-up: the whole run is reported"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the flows finished before the 1.0 s asked for"), std::string::npos) << r.out;
}

TEST_F(Bench, BaselineThenCompare) {
  project();
  json base = bench_json({"-d", "300ms", "-w", "100ms", "--baseline", "v1"});
  ASSERT_TRUE(fs::exists(dir.path() / ".torvyn" / "bench" / "baselines" / "v1.json"));
  json now = bench_json({"-d", "300ms", "-w", "100ms", "--compare", "v1"});
  ASSERT_TRUE(now.contains("comparison")) << now;
  EXPECT_NE(now["comparison"]["with"].get<std::string>().find("baseline `v1`"), std::string::npos);
  const json& rows = now["comparison"]["flows"][0]["rows"];
  ASSERT_GE(rows.size(), 7u) << rows;  // throughput, p50, p99, copies, three stages
  EXPECT_EQ(rows[0]["metric"], "throughput");
  EXPECT_EQ(rows[0]["before"], base["flows"][0]["throughput"]);
  EXPECT_EQ(rows[0]["now"], now["flows"][0]["throughput"]);
  for (const json& r : rows) EXPECT_TRUE(r["verdict"] == "better" || r["verdict"] == "worse" || r["verdict"] == "same") << r;
  EXPECT_EQ(rows[3]["metric"], "copies_per_element");
  EXPECT_EQ(rows[3]["verdict"], "same");

  // A saved report file works as well as a baseline name; the human form shows the changes.
  std::string file = now["saved"];
  test::ProcResult r = torvyn({"bench", "-d", "300ms", "-w", "100ms", "--compare", file});
  ASSERT_EQ(r.exit_code, 0) << test::describe({"bench", "--compare", file}, r);
  EXPECT_NE(r.out.find("compared with " + file), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("throughput"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("stage.transform.p50_ns"), std::string::npos) << r.out;
}

TEST_F(Bench, CsvAndMarkdownReports) {
  project();
  test::ProcResult csv = torvyn({"bench", "-d", "300ms", "-w", "0s", "--report", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out.rfind("flow,scope,name,metric,value\n", 0), 0u) << csv.out;
  EXPECT_NE(csv.out.find("\nmain,flow,,copies_per_element,4.0\n"), std::string::npos) << csv.out;
  EXPECT_NE(csv.out.find("\nmain,stage,transform,invocations,"), std::string::npos) << csv.out;
  EXPECT_NE(csv.out.find("\nmain,queue,source->transform,peak_depth,"), std::string::npos) << csv.out;
  test::ProcResult md = torvyn({"bench", "-d", "300ms", "-w", "0s", "--report", "markdown"});
  ASSERT_EQ(md.exit_code, 0) << md.err;
  EXPECT_NE(md.out.find("| main | Cancelled |"), std::string::npos) << md.out;
  EXPECT_NE(md.out.find("| main | transform | processor |"), std::string::npos) << md.out;
}

TEST_F(Bench, ErrorsAndExitCodes) {
  project();
  test::ProcResult missing = torvyn({"bench", "--compare", "nope"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("--compare: `nope` is neither a saved baseline"), std::string::npos) << missing.err;
  test::write_file(dir.path() / "other.json", "{\"hello\": 1}");
  test::ProcResult foreign = torvyn({"bench", "--compare", "other.json"});
  EXPECT_EQ(foreign.exit_code, 2);
  EXPECT_NE(foreign.err.find("is not a torvyn bench report"), std::string::npos) << foreign.err;
  EXPECT_EQ(torvyn({"bench", "--report", "xml"}).exit_code, 2);
  EXPECT_EQ(torvyn({"bench", "--duration", "soon"}).exit_code, 2);
  EXPECT_EQ(torvyn({"bench", "--baseline", "../escape"}).exit_code, 2);
  EXPECT_FALSE(fs::exists(dir.path() / ".torvyn")) << "nothing is run or saved for a usage error";

  // A flow that fails makes the bench exit 1 (its report is still saved).
  project("count=0,size=64", "fatal_after=50");
  test::ProcResult failed = torvyn({"bench", "-d", "2s", "-w", "0s"});
  EXPECT_EQ(failed.exit_code, 1) << failed.out << failed.err;
  EXPECT_NE(failed.out.find("flow main: Failed"), std::string::npos) << failed.out;
}

}  // namespace
}  // namespace torvyn::ops_test
