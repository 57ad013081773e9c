// Per-component buffer budgets and per-flow reservations, end to end (DESIGN.md §7 "per-component
// byte budgets"): a real `torvyn run` with two flows on small pools, one of them running a
// component that allocates host buffers in a loop and never drops them. The other flow must
// complete every element; the greedy one is refused (BudgetExceeded, counted and shown on
// /components, /flows/{id} and /metrics) or, without a budget, stopped by the pool at the other
// flow's reservation.
#include <gtest/gtest.h>

#include <chrono>

#include "ops_harness.h"

namespace torvyn::ops_test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// 64 small, 4 medium and 1 large buffer, nothing on demand: 1.5 MiB in all, which the greedy
// component (8 buffers per element) would exhaust within a dozen elements.
const std::string kPools = "[runtime.pools]\nsmall = 64\nmedium = 4\nlarge = 1\nhuge = 0\n";

// `calm`: a finite, well-behaved flow. `wild`: a never-ending flow whose processor `hog` holds 8
// buffers per element, under error_policy = "skip" so that refused allocations fail the element
// only. `hog_component` is the [[component]] the hog runs.
std::string flows(const std::string& hog_component, const std::string& hog_node_keys = "") {
  std::string t;
  t += "[flow.calm]\n";
  t += "nodes.src = { component = \"ops-source\", interface = \"torvyn:streaming/source\", config = \"count=300\" }\n";
  t += "nodes.proc = { component = \"ops-processor\", interface = \"torvyn:streaming/processor\" }\n";
  t += "nodes.sink = { component = \"ops-sink\", interface = \"torvyn:streaming/sink\", config = \"pause_every=1\" }\n";
  t += "edges = [ { from = { node = \"src\" }, to = { node = \"proc\" }, queue_depth = 4 },\n";
  t += "          { from = { node = \"proc\" }, to = { node = \"sink\" }, queue_depth = 4 } ]\n\n";
  t += "[flow.wild]\nerror_policy = \"skip\"\n";
  t += "nodes.src = { component = \"ops-source\", interface = \"torvyn:streaming/source\", config = \"count=0\" }\n";
  t += "nodes.hog = { component = \"" + hog_component + "\", interface = \"torvyn:streaming/processor\", config = \"hold=8\"" +
       hog_node_keys + " }\n";
  t += "nodes.sink = { component = \"ops-sink\", interface = \"torvyn:streaming/sink\", config = \"pause_every=1\" }\n";
  t += "edges = [ { from = { node = \"src\" }, to = { node = \"hog\" }, queue_depth = 4 },\n";
  t += "          { from = { node = \"hog\" }, to = { node = \"sink\" }, queue_depth = 4 } ]\n\n";
  return t;
}

json stage_of(const json& flow, const std::string& node) {
  if (!flow.is_object() || !flow.contains("stages")) return json();
  for (const json& s : flow["stages"])
    if (s.value("node", "") == node) return s;
  return json();
}

// The greedy component runs as its own [[component]] with max_buffer_bytes = "64KiB": it gets 16
// small buffers, then every allocation is refused with BudgetExceeded. The calm flow completes.
TEST(BufferBudget, GreedyComponentIsCappedAndTheOtherFlowCompletes) {
  std::string greedy = "[[component]]\nname = \"greedy\"\npath = \"" + component("ops_processor").string() +
                       "\"\nmax_buffer_bytes = \"64KiB\"\n\n";
  RunbookProject p("buffer-budget", greedy + flows("greedy"), kPools);
  START_OR_FAIL(p);
  ASSERT_TRUE(p.wait_until([&] { return p.flow_summary("calm").value("state", "") == "Completed"; }, 60s))
      << p.get("/flows").body << "\n" << p.get("/components").body << "\n" << p.output();
  json calm = p.flow_summary("calm");
  EXPECT_EQ(calm["delivered"], 300) << calm;
  EXPECT_EQ(calm["errors"], 0) << calm;

  ASSERT_TRUE(p.wait_until([&] { return component_entry(p, "greedy").value("budget_exceeded", 0.0) >= 3; }, 30s))
      << p.get("/components").body;
  json g = component_entry(p, "greedy");
  EXPECT_EQ(g["buffer_budget_bytes"], 65536) << g;
  EXPECT_GT(g["buffer_bytes"].get<double>(), 0) << g;
  EXPECT_LE(g["buffer_bytes"].get<double>(), 65536) << g;
  EXPECT_GT(g["errors"].get<double>(), 0) << g;  // the refusals failed its elements (skipped)
  EXPECT_EQ(p.flow_summary("wild").value("state", ""), "Running");

  // The calm flow's processor: the default budget (a fair share of 1.5 MiB among 6 instances is
  // below the 1 MiB floor), never exceeded, and nothing held once its flow completed.
  json proc = stage_of(p.get_json("/flows/calm"), "proc");
  EXPECT_EQ(proc["buffer_budget_bytes"], 1 << 20) << proc;
  EXPECT_EQ(proc["budget_exceeded"], 0) << proc;
  EXPECT_EQ(proc["buffer_bytes"], 0) << proc;
  json hog = stage_of(p.get_json("/flows/wild"), "hog");
  EXPECT_GE(hog["budget_exceeded"].get<double>(), 3) << hog;

  Metrics m = p.metrics();
  const std::map<std::string, std::string> hog_labels = {{"flow", "wild"}, {"node", "hog"}};
  EXPECT_GE(m.value("torvyn_component_buffer_budget_exceeded_total", hog_labels), 3) << p.get("/metrics").body;
  EXPECT_EQ(m.value("torvyn_component_buffer_budget_bytes", hog_labels), 65536);
  EXPECT_LE(m.value("torvyn_component_buffer_bytes", hog_labels), 65536);
  EXPECT_GT(m.value("torvyn_component_buffer_bytes", hog_labels), 0);
  EXPECT_EQ(m.value("torvyn_component_buffer_budget_exceeded_total", {{"flow", "calm"}, {"node", "proc"}}), 0);
  EXPECT_GT(m.value("torvyn_component_errors_total", hog_labels), 0);

  test::ProcResult r = p.stop();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

// Without any budget (max_buffer_bytes = 0 on the node: unlimited), the greedy component takes
// every buffer it can reach, but not the calm flow's reservation: the calm flow still completes.
TEST(BufferBudget, ReservationKeepsAFlowGoingBesideAnUnlimitedHog) {
  RunbookProject p("buffer-reservation", flows("ops-processor", ", max_buffer_bytes = 0"), kPools);
  START_OR_FAIL(p);
  ASSERT_TRUE(p.wait_until([&] { return p.flow_summary("calm").value("state", "") == "Completed"; }, 60s))
      << p.get("/flows").body << "\n" << p.get("/pools").body << "\n" << p.output();
  json calm = p.flow_summary("calm");
  EXPECT_EQ(calm["delivered"], 300) << calm;
  EXPECT_EQ(calm["errors"], 0) << calm;

  json hog = stage_of(p.get_json("/flows/wild"), "hog");
  ASSERT_TRUE(p.wait_until([&] { return stage_of(p.get_json("/flows/wild"), "hog").value("errors", 0.0) > 0; }, 30s)) << hog;
  hog = stage_of(p.get_json("/flows/wild"), "hog");
  EXPECT_EQ(hog["buffer_budget_bytes"], 0) << hog;  // unlimited
  EXPECT_EQ(hog["budget_exceeded"], 0) << hog;
  // It holds everything but the calm flow's reserve (4 + 4 queued + 3 stages = 11 small buffers
  // and one medium one); what the wild flow's own source and sink need comes out of its own share.
  EXPECT_GT(hog["buffer_bytes"].get<double>(), 40 * 4096) << hog;

  json pools = p.get_json("/pools");
  ASSERT_TRUE(pools.is_array()) << pools;
  for (const json& t : pools) {
    if (t["tier"] == "small") {
      EXPECT_EQ(t["reserved"], 22) << t;  // 11 per flow
      EXPECT_GT(t["exhaustion_events"].get<double>(), 0) << t;
    }
    if (t["tier"] == "medium") {
      EXPECT_EQ(t["reserved"], 2) << t;
    }
  }
  test::ProcResult r = p.stop();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

}  // namespace
}  // namespace torvyn::ops_test
