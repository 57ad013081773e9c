// torvyn top's model: rates from the deltas between two polls, the rendering cut to the
// terminal, and the JSON of --once --format json. The samples are what the inspection API sends
// (inspection_api.h), written out by hand.
#include "top_view.h"

#include <gtest/gtest.h>

namespace torvyn::cli::top {
namespace {

using nlohmann::json;

json flow_detail(double elements, double delivered, double src_calls, double sink_calls, double bp_ns,
                 const std::string& state = "Running") {
  return json{{"id", "f1"},
              {"name", "main"},
              {"state", state},
              {"elements", elements},
              {"delivered", delivered},
              {"dropped", 0},
              {"errors", 0},
              {"latency_ns", {{"count", 10}, {"p50_ns", 1500000}, {"p99_ns", 4000000}}},
              {"stages",
               json::array({json{{"node", "src"}, {"component", "gen"}, {"role", "source"}, {"invocations", src_calls},
                                 {"errors", 0}, {"memory_bytes", 65536},
                                 {"processing_ns", {{"p50_ns", 2000}, {"p99_ns", 9000}}}},
                            json{{"node", "sink"}, {"component", "out"}, {"role", "sink"}, {"invocations", sink_calls},
                                 {"errors", 2}, {"memory_bytes", 1048576}, {"processing_ns", nullptr}}})},
              {"streams", json::array({json{{"from", "src"}, {"to", "sink"}, {"capacity", 8}, {"depth", 8},
                                            {"peak_depth", 8}, {"backpressure_events", 3}, {"backpressure_ns", bp_ns}}})}};
}

TopSample sample(double t, json flow) {
  TopSample s;
  s.seconds = t;
  s.health = json{{"status", "ok"}, {"version", "0.1.0"}, {"pid", 4242}, {"uptime_seconds", 12.7}, {"flows", 1}};
  s.flows.push_back(std::move(flow));
  s.pools = json::array({json{{"tier", "small"}, {"total", 64}, {"available", 60}, {"in_use", 4}, {"exhaustion_events", 1}}});
  return s;
}

TEST(TopView, RatesAreCounterGrowthOverTheSecondsBetweenPolls) {
  TopSample a = sample(100.0, flow_detail(1000, 900, 1000, 900, 1e8));
  TopSample b = sample(102.0, flow_detail(3000, 2500, 3000, 2500, 1.1e9));  // 2 s later
  TopView v = make_view(&a, b, "unix:/s");
  EXPECT_DOUBLE_EQ(v.interval_seconds, 2.0);
  ASSERT_EQ(v.flows.size(), 1u);
  EXPECT_DOUBLE_EQ(*v.flows[0].elements_per_second, 1000.0);
  EXPECT_DOUBLE_EQ(*v.flows[0].delivered_per_second, 800.0);
  ASSERT_EQ(v.stages.size(), 2u);
  EXPECT_DOUBLE_EQ(*v.stages[0].calls_per_second, 1000.0);
  EXPECT_DOUBLE_EQ(*v.stages[1].calls_per_second, 800.0);
  ASSERT_EQ(v.streams.size(), 1u);
  // 1e9 ns full over 2 s: half the time.
  EXPECT_DOUBLE_EQ(*v.streams[0].backpressure_fraction, 0.5);
}

TEST(TopView, FirstPollHasNoRates) {
  TopSample b = sample(102.0, flow_detail(3000, 2500, 3000, 2500, 1e9));
  TopView v = make_view(nullptr, b, "unix:/s");
  EXPECT_EQ(v.interval_seconds, 0);
  EXPECT_FALSE(v.flows[0].delivered_per_second);
  EXPECT_FALSE(v.stages[0].calls_per_second);
  EXPECT_FALSE(v.streams[0].backpressure_fraction);
  EXPECT_EQ(format_rate(v.stages[0].calls_per_second), "-");
}

TEST(TopView, CounterGoingBackwardsOrNewFlowGivesNoRate) {
  // Another instance answered on the same socket: its counters are lower. No negative rates.
  TopSample a = sample(100.0, flow_detail(5000, 5000, 5000, 5000, 5e9));
  TopSample b = sample(101.0, flow_detail(10, 10, 10, 10, 0));
  TopView v = make_view(&a, b, "unix:/s");
  EXPECT_FALSE(v.flows[0].delivered_per_second);
  EXPECT_FALSE(v.stages[0].calls_per_second);
  EXPECT_FALSE(v.streams[0].backpressure_fraction);
  // A flow that was not there before has no rate either.
  json other = flow_detail(10, 10, 10, 10, 0);
  other["id"] = "f2";
  TopSample c = sample(102.0, other);
  TopView w = make_view(&b, c, "unix:/s");
  EXPECT_FALSE(w.flows[0].delivered_per_second);
}

TEST(TopView, BackpressureFractionIsClampedToOne) {
  TopSample a = sample(100.0, flow_detail(0, 0, 0, 0, 0));
  TopSample b = sample(101.0, flow_detail(0, 0, 0, 0, 3e9));  // more than the interval (clock skew)
  EXPECT_DOUBLE_EQ(*make_view(&a, b, "x").streams[0].backpressure_fraction, 1.0);
}

TEST(TopView, MissingOrMistypedFieldsAreUnknownNotErrors) {
  TopSample s;
  s.seconds = 1;
  s.health = json::array();  // not an object
  s.flows.push_back(json{{"id", 7}, {"stages", "nope"}, {"streams", json::array({json{{"depth", "x"}}})}});
  s.flows.push_back(json("a string"));
  s.pools = json{{"tier", 1}};  // not an array
  TopView v = make_view(nullptr, s, "unix:/s");
  ASSERT_EQ(v.flows.size(), 2u);
  EXPECT_EQ(v.flows[0].id, "");
  EXPECT_EQ(v.streams.size(), 1u);
  EXPECT_EQ(v.streams[0].depth, 0);
  EXPECT_TRUE(v.pools.empty());
  EXPECT_FALSE(render(v, 80, 24).empty());
}

TEST(TopView, RenderShowsFlowsStagesStreamsAndPools) {
  TopSample a = sample(100.0, flow_detail(1000, 900, 1000, 900, 1e8));
  TopSample b = sample(101.0, flow_detail(2000, 1900, 2000, 1900, 6e8));
  std::vector<std::string> lines = render(make_view(&a, b, "unix:/run/torvyn.sock"), 160, 50);
  std::string screen;
  for (const std::string& l : lines) screen += l + "\n";
  EXPECT_NE(screen.find("unix:/run/torvyn.sock"), std::string::npos) << screen;
  EXPECT_NE(screen.find("pid 4242"), std::string::npos) << screen;
  EXPECT_NE(screen.find("main"), std::string::npos) << screen;
  EXPECT_NE(screen.find("Running"), std::string::npos) << screen;
  EXPECT_NE(screen.find("main/src"), std::string::npos) << screen;
  EXPECT_NE(screen.find("main/sink"), std::string::npos) << screen;
  EXPECT_NE(screen.find("1000/s"), std::string::npos) << screen;  // stage and flow rates
  EXPECT_NE(screen.find("main/src->sink"), std::string::npos) << screen;
  EXPECT_NE(screen.find("8/8"), std::string::npos) << screen;      // queue depth/capacity
  EXPECT_NE(screen.find("50%"), std::string::npos) << screen;      // 0.5 s full of 1 s
  EXPECT_NE(screen.find("1.50 ms"), std::string::npos) << screen;  // flow p50 latency
  EXPECT_NE(screen.find("2.0 us"), std::string::npos) << screen;   // stage p50
  EXPECT_NE(screen.find("1.0 MiB"), std::string::npos) << screen;
  EXPECT_NE(screen.find("small"), std::string::npos) << screen;
  for (const std::string& l : lines) EXPECT_EQ(l.find('\x1b'), std::string::npos) << "plain text only: " << l;
}

TEST(TopView, RenderCutsToTheTerminal) {
  TopSample a = sample(100.0, flow_detail(1000, 900, 1000, 900, 1e8));
  std::vector<std::string> lines = render(make_view(nullptr, a, "unix:/s"), 40, 8);
  ASSERT_EQ(lines.size(), 8u);
  for (const std::string& l : lines) EXPECT_LE(l.size(), 40u) << l;
  EXPECT_EQ(lines.back().rfind("... ", 0), 0u) << lines.back();
}

TEST(TopView, ControlCharactersInNamesDoNotReachTheTerminal) {
  json f = flow_detail(1, 1, 1, 1, 0);
  f["name"] = "evil\x1b[2Jname";
  TopSample s = sample(1, f);
  for (const std::string& l : render(make_view(nullptr, s, "unix:/s"), 120, 40))
    EXPECT_EQ(l.find('\x1b'), std::string::npos) << l;
}

TEST(TopView, JsonHasRatesOrNull) {
  TopSample a = sample(100.0, flow_detail(1000, 900, 1000, 900, 1e8));
  TopSample b = sample(101.0, flow_detail(2000, 1900, 2000, 1900, 6e8));
  json j = to_json(make_view(&a, b, "unix:/s"));
  EXPECT_EQ(j["flows"][0]["name"], "main");
  EXPECT_DOUBLE_EQ(j["flows"][0]["delivered_per_second"].get<double>(), 1000.0);
  EXPECT_DOUBLE_EQ(j["flows"][0]["stages"][1]["calls_per_second"].get<double>(), 1000.0);
  EXPECT_TRUE(j["flows"][0]["stages"][1]["p50_ns"].is_null());
  EXPECT_DOUBLE_EQ(j["flows"][0]["streams"][0]["backpressure_fraction"].get<double>(), 0.5);
  EXPECT_EQ(j["pools"][0]["tier"], "small");
  json first = to_json(make_view(nullptr, a, "unix:/s"));
  EXPECT_TRUE(first["flows"][0]["delivered_per_second"].is_null());
}

TEST(TopView, Formatting) {
  EXPECT_EQ(format_count(1234567), "1,234,567");
  EXPECT_EQ(format_count(12), "12");
  EXPECT_EQ(format_rate(12345.0), "12.3k/s");
  EXPECT_EQ(format_rate(2.5e6), "2.50M/s");
  EXPECT_EQ(format_rate(42.25), "42.2/s");
  EXPECT_EQ(format_duration_ns(1500.0), "1.5 us");
  EXPECT_EQ(format_duration_ns(2.5e9), "2.50 s");
  EXPECT_EQ(format_duration_ns(std::nullopt), "-");
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_percent(0.256), "26%");
}

}  // namespace
}  // namespace torvyn::cli::top
