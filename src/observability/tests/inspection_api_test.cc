#include "torvyn/observability/inspection_api.h"

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "fake_source.h"
#include "torvyn/observability/prometheus.h"

namespace torvyn::observability {
namespace {

using nlohmann::json;
using testing::FakeSource;

json body_of(const ApiResponse& r) {
  EXPECT_EQ(r.content_type, "application/json");
  return json::parse(r.body);
}

TEST(InspectionApi, Health) {
  auto src = FakeSource::pipeline();
  InspectionApi api(*src, {true, MetricsLevel::Production});
  ApiResponse r = api.handle("GET", "/health");
  EXPECT_EQ(r.status, 200);
  json j = body_of(r);
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["flows"], 1);
  EXPECT_EQ(j["metrics_level"], "production");
  EXPECT_EQ(j["prometheus"], true);
  EXPECT_TRUE(j["version"].is_string());
  EXPECT_TRUE(j["pid"].is_number_integer());
  EXPECT_GE(j["uptime_seconds"].get<double>(), 0.0);
}

TEST(InspectionApi, FlowsList) {
  auto src = FakeSource::pipeline();
  InspectionApi api(*src, {});
  ApiResponse r = api.handle("GET", "/flows");
  ASSERT_EQ(r.status, 200);
  json j = body_of(r);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["id"], "flow-1");
  EXPECT_EQ(j[0]["name"], "ingest");
  EXPECT_EQ(j[0]["state"], "Running");
  EXPECT_EQ(j[0]["elements"], 1000);
  EXPECT_EQ(j[0]["throughput"], 12345.5);
  EXPECT_EQ(j[0]["errors"], 2);
  // A trailing slash is the same endpoint.
  EXPECT_EQ(api.handle("GET", "/flows/").body, r.body);
}

TEST(InspectionApi, FlowDetail) {
  auto src = FakeSource::pipeline();
  InspectionApi api(*src, {});
  ApiResponse r = api.handle("GET", "/flows/flow-1");
  ASSERT_EQ(r.status, 200);
  json j = body_of(r);
  EXPECT_EQ(j["name"], "ingest");
  EXPECT_EQ(j["latency_ns"]["count"], 5);
  EXPECT_EQ(j["latency_ns"]["max_ns"], 250000);
  ASSERT_EQ(j["stages"].size(), 3u);
  EXPECT_EQ(j["stages"][1]["node"], "proc");
  EXPECT_EQ(j["stages"][1]["component"], "proc-component");
  EXPECT_EQ(j["stages"][1]["role"], "processor");
  EXPECT_EQ(j["stages"][1]["invocations"], 100);
  EXPECT_EQ(j["stages"][1]["processing_ns"]["count"], 100);
  EXPECT_GT(j["stages"][1]["processing_ns"]["p99_ns"].get<uint64_t>(), 0u);
  EXPECT_EQ(j["stages"][1]["copies"], 2000);
  ASSERT_EQ(j["streams"].size(), 2u);
  EXPECT_EQ(j["streams"][0]["from"], "src");
  EXPECT_EQ(j["streams"][0]["depth"], 7);
  EXPECT_EQ(j["streams"][0]["capacity"], 64);
  EXPECT_EQ(j["streams"][0]["backpressure_ns"], 1500000);
  EXPECT_EQ(j["streams"][0]["backpressure_events"], 3);

  // By name too.
  EXPECT_EQ(api.handle("GET", "/flows/ingest").body, r.body);
  ApiResponse missing = api.handle("GET", "/flows/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(body_of(missing)["status"], 404);
}

TEST(InspectionApi, ComponentsAndPools) {
  auto src = FakeSource::pipeline();
  InspectionApi api(*src, {});
  json c = body_of(api.handle("GET", "/components"));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0]["name"], "proc-component");
  EXPECT_EQ(c[0]["interface"], "torvyn:streaming/processor");
  EXPECT_EQ(c[0]["instances"][0], "ingest/proc");
  json p = body_of(api.handle("GET", "/pools"));
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0]["tier"], "small");
  EXPECT_EQ(p[0]["available"], 250);
  EXPECT_EQ(p[2]["exhaustion_events"], 42);
}

TEST(InspectionApi, Metrics) {
  auto src = FakeSource::pipeline();
  InspectionApi api(*src, {true, MetricsLevel::Diagnostic});
  ApiResponse r = api.handle("GET", "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type.rfind("text/plain; version=0.0.4", 0), 0u);
  EXPECT_NE(r.body.find("torvyn_component_invocations_total{"), std::string::npos);

  InspectionApi off(*src, {true, MetricsLevel::Off});
  EXPECT_EQ(off.handle("GET", "/metrics").status, 200);
  EXPECT_EQ(off.handle("GET", "/metrics").body, "");

  InspectionApi disabled(*src, {false, MetricsLevel::Production});
  ApiResponse d = disabled.handle("GET", "/metrics");
  EXPECT_EQ(d.status, 404);
  EXPECT_NE(body_of(d)["error"].get<std::string>().find("prometheus_enabled"), std::string::npos);
}

TEST(InspectionApi, UnknownPathsAndMethods) {
  auto src = FakeSource::pipeline();
  InspectionApi api(*src, {});
  for (const char* path : {"/nope", "/flowsx", "/health/extra", "/metrics/x", "/index.html", "/dashboard.jsx"}) {
    ApiResponse r = api.handle("GET", path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(body_of(r)["status"], 404);
  }
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    ApiResponse r = api.handle(method, "/health");
    EXPECT_EQ(r.status, 405) << method;
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.headers[0].first, "Allow");
    EXPECT_EQ(r.headers[0].second, "GET, HEAD");
  }
  EXPECT_EQ(api.handle("HEAD", "/health").status, 200);
}

TEST(InspectionApi, NonUtf8NamesDoNotThrow) {
  testing::FakeSource src;
  FlowSnapshot f;
  f.id = "bad\xff";
  f.name = "n\xc3";
  src.set_flows({f});
  InspectionApi api(src, {});
  ApiResponse r = api.handle("GET", "/flows");
  EXPECT_EQ(r.status, 200);
  json j;
  EXPECT_NO_THROW(j = json::parse(r.body));
  EXPECT_EQ(j.size(), 1u);
}

TEST(BearerToken, Matches) {
  EXPECT_TRUE(bearer_token_matches("Bearer s3cret", "s3cret"));
  EXPECT_TRUE(bearer_token_matches("bearer s3cret", "s3cret"));
  EXPECT_TRUE(bearer_token_matches("BEARER   s3cret ", "s3cret"));
  EXPECT_FALSE(bearer_token_matches("Bearer s3cres", "s3cret"));
  EXPECT_FALSE(bearer_token_matches("Bearer s3cret2", "s3cret"));
  EXPECT_FALSE(bearer_token_matches("Bearer s3cre", "s3cret"));
  EXPECT_FALSE(bearer_token_matches("Bearer ", "s3cret"));
  EXPECT_FALSE(bearer_token_matches("Basic s3cret", "s3cret"));
  EXPECT_FALSE(bearer_token_matches("Bearers3cret", "s3cret"));
  EXPECT_FALSE(bearer_token_matches("s3cret", "s3cret"));
  EXPECT_FALSE(bearer_token_matches("", "s3cret"));
  EXPECT_FALSE(bearer_token_matches("Bearer ", ""));  // an empty token never matches
}

}  // namespace
}  // namespace torvyn::observability

namespace torvyn::observability {
namespace {

TEST(InspectionApi, DrainAndHealthDraining) {
  auto src = testing::FakeSource::pipeline();
  // No drain offered: /drain does not exist.
  InspectionApi plain(*src, {});
  EXPECT_EQ(plain.handle("POST", "/drain").status, 404);
  std::atomic<int> asked{0};
  std::atomic<bool> draining{false};
  ApiOptions o;
  o.drain = [&] {
    ++asked;
    draining = true;
  };
  o.draining = [&] { return draining.load(); };
  InspectionApi api(*src, o);
  EXPECT_EQ(json::parse(api.handle("GET", "/health").body)["status"], "ok");
  // Only POST drains.
  for (const char* method : {"GET", "HEAD", "PUT", "DELETE"}) {
    ApiResponse r = api.handle(method, "/drain");
    EXPECT_EQ(r.status, 405) << method;
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.headers[0].second, "POST");
  }
  EXPECT_EQ(asked, 0);
  ApiResponse r = api.handle("POST", "/drain");
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(json::parse(r.body)["status"], "draining");
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(json::parse(api.handle("GET", "/health").body)["status"], "draining");
  EXPECT_EQ(api.handle("POST", "/drain/").status, 202);  // a trailing slash is the same endpoint
}

}  // namespace
}  // namespace torvyn::observability
