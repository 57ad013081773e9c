// A real Prometheus (the Debian package's /usr/bin/prometheus) scrapes our TCP /metrics with the
// bearer token, and every metric the operator's guide names is then queryable through its API.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <vector>

#include "fake_source.h"
#include "raw_http.h"
#include "torvyn/observability/inspection_server.h"
#include "torvyn_test/prometheus_server.h"

namespace torvyn::observability {
namespace {

using nlohmann::json;
using test::PrometheusServer;

TEST(PrometheusScrape, RealPrometheusScrapesEveryGuideMetric) {
  if (!PrometheusServer::installed()) GTEST_SKIP() << "prometheus is not installed (Debian package prometheus)";

  auto src = testing::FakeSource::pipeline();
  std::string token = "tok-" + std::to_string(std::random_device{}());
  std::atomic<int> authorized_scrapes{0};
  InspectionServer server(*src, {.tcp_address = "127.0.0.1:0",
                                 .token = token,
                                 .level = MetricsLevel::Production,
                                 .audit = [&](std::string_view, std::string_view path, int status, std::string_view) {
                                   if (path == "/metrics" && status == 200) ++authorized_scrapes;
                                 }});
  Status s = server.start();
  ASSERT_TRUE(s.ok()) << s.error().to_string();

  test::TempDir dir("tvo-prom");
  PrometheusServer prom(dir.path(),
                        test::prometheus_config("torvyn", "127.0.0.1:" + std::to_string(server.tcp_port()), token));
  ASSERT_TRUE(prom.started());
  auto query = [&](const std::string& promql) { return prom.query(promql); };
  auto log_text = [&] { return prom.log_text(); };

  // Wait for the first scrape to land (Prometheus starts, then scrapes every second).
  json result;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(prom.alive()) << "prometheus exited:\n" << log_text();
    result = query("torvyn_flow_elements_total");
    if (result.is_array() && !result.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  ASSERT_TRUE(result.is_array() && !result.empty()) << "no series after 30 s; prometheus log:\n" << log_text();
  ASSERT_EQ(result.size(), 1u);
  EXPECT_EQ(result[0]["metric"]["flow"], "ingest");
  EXPECT_EQ(result[0]["metric"]["job"], "torvyn");
  EXPECT_EQ(result[0]["value"][1], "1000");
  EXPECT_GT(authorized_scrapes.load(), 0);

  // The scrape was healthy: no parse errors, samples ingested.
  json up = query("up{job=\"torvyn\"}");
  ASSERT_FALSE(up.empty());
  EXPECT_EQ(up[0]["value"][1], "1");

  // Every metric the operator's guide names is queryable under its Prometheus name.
  auto expect_value = [&](const std::string& promql, const std::string& value) {
    json r = query(promql);
    ASSERT_TRUE(r.is_array() && !r.empty()) << promql;
    EXPECT_EQ(r[0]["value"][1], value) << promql;
  };
  expect_value("torvyn_stream_backpressure_duration_seconds_total{stream=\"src->proc\"}", "0.0015");
  expect_value("torvyn_stream_queue_current_depth{stream=\"src->proc\"}", "7");
  expect_value("torvyn_pool_available{tier=\"small\"}", "250");
  expect_value("torvyn_pool_exhaustion_events_total{tier=\"large\"}", "42");
  expect_value("torvyn_component_errors_total{component=\"sink-component\"}", "2");
  expect_value("torvyn_component_memory_current_bytes{component=\"proc-component\"}", "131072");
  expect_value("torvyn_component_fuel_consumed_total{component=\"src-component\"}", "1000");
  expect_value("torvyn_copies_total", "4000");
  expect_value("torvyn_copies_bytes_total", "256000");
  expect_value("torvyn_flow_state{flow=\"ingest\",state=\"Running\"}", "1");
  expect_value("torvyn_flow_latency_seconds_count{flow=\"ingest\"}", "5");
  expect_value("torvyn_component_processing_time_seconds_count{component=\"proc-component\"}", "100");
  json mem = query("torvyn_system_memory_total_bytes");
  ASSERT_FALSE(mem.empty());
  EXPECT_GT(std::stod(mem[0]["value"][1].get<std::string>()), 1e6);
  // The histograms work with histogram_quantile (in seconds): the median of 900, 1000, 1100,
  // 5000, 250000 ns lies in the (511, 1023] or (1023, 2047] ns bucket.
  json p50 = query("histogram_quantile(0.5, torvyn_flow_latency_seconds_bucket{flow=\"ingest\"})");
  ASSERT_FALSE(p50.empty());
  double median = std::stod(p50[0]["value"][1].get<std::string>());
  EXPECT_GT(median, 511e-9);
  EXPECT_LE(median, 2047e-9);

  // Later scrapes see new values.
  std::vector<FlowSnapshot> flows = src->flows();
  flows[0].elements_total = 2500;
  src->set_flows(flows);
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  std::string latest;
  while (std::chrono::steady_clock::now() < deadline) {
    json r = query("torvyn_flow_elements_total");
    if (!r.empty()) latest = r[0]["value"][1].get<std::string>();
    if (latest == "2500") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  EXPECT_EQ(latest, "2500");
}

// Issue 18: the inspection API could be made unavailable without a token. While another local
// process holds 200 idle connections to it (reopening each one the server drops) plus a few
// clients trickling request heads, Prometheus still scrapes /metrics.
TEST(PrometheusScrape, ScrapesWhile200IdleConnectionsAreHeld) {
  if (!PrometheusServer::installed()) GTEST_SKIP() << "prometheus is not installed (Debian package prometheus)";

  auto src = testing::FakeSource::pipeline();
  std::string token = "tok-" + std::to_string(std::random_device{}());
  std::atomic<int> scrapes{0};
  InspectionServer server(*src, {.tcp_address = "127.0.0.1:0",
                                 .token = token,
                                 .audit = [&](std::string_view, std::string_view path, int status, std::string_view) {
                                   if (path == "/metrics" && status == 200) ++scrapes;
                                 }});
  Status s = server.start();
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  uint16_t target = server.tcp_port();

  // The attacker: 200 idle connections and 5 slowloris ones, topped up every 200 ms.
  std::atomic<bool> stop{false};
  std::atomic<int> held{0};
  std::thread attacker([&] {
    std::vector<testing::Fd> idle(200), slow(5);
    const std::string head = "GET /metrics HTTP/1.1\r\nHost: torvyn\r\nX-Slow: ";
    size_t tick = 0;
    while (!stop.load()) {
      int open = 0;
      for (testing::Fd& fd : idle) {
        if (fd.ok() && testing::closed_within(fd.get(), std::chrono::milliseconds(0))) fd.reset();
        if (!fd.ok()) fd.reset(testing::connect_tcp(target));
        open += fd.ok();
      }
      held.store(open);
      for (testing::Fd& fd : slow) {
        if (!fd.ok()) fd.reset(testing::connect_tcp(target));
        char c = tick < head.size() ? head[tick] : 'a';
        if (fd.ok() && ::send(fd.get(), &c, 1, MSG_NOSIGNAL) != 1) fd.reset();
      }
      ++tick;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });
  struct Join {
    std::atomic<bool>& stop;
    std::thread& t;
    ~Join() {
      stop.store(true);
      t.join();
    }
  } join{stop, attacker};
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (held.load() < 200 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_EQ(held.load(), 200);
  int before = scrapes.load();

  test::TempDir dir("tvo-prom");
  PrometheusServer prom(dir.path(), test::prometheus_config("torvyn", "127.0.0.1:" + std::to_string(target), token));
  ASSERT_TRUE(prom.started());
  auto query = [&](const std::string& promql) { return prom.query(promql); };
  auto log_text = [&] { return prom.log_text(); };

  // Scrapes land and succeed while the connections stay held.
  json elements;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(40);
  while (std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(prom.alive()) << "prometheus exited:\n" << log_text();
    elements = query("torvyn_flow_elements_total");
    if (elements.is_array() && !elements.empty() && scrapes.load() - before >= 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  ASSERT_TRUE(elements.is_array() && !elements.empty())
      << "no series after 40 s (" << scrapes.load() - before << " scrapes answered); prometheus log:\n"
      << log_text();
  EXPECT_EQ(elements[0]["value"][1], "1000");
  EXPECT_GE(scrapes.load() - before, 3);
  json up = query("up{job=\"torvyn\"}");
  ASSERT_FALSE(up.empty());
  EXPECT_EQ(up[0]["value"][1], "1");
  EXPECT_GE(held.load(), 190) << "the attacker's connections were not held throughout";
}

}  // namespace
}  // namespace torvyn::observability
