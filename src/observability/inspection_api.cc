#include "torvyn/observability/inspection_api.h"

#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "dashboard.h"
#include "torvyn/observability/prometheus.h"
#include "torvyn/base/json_text.h"

#ifndef TORVYN_VERSION
#define TORVYN_VERSION "unknown"
#endif

namespace torvyn::observability {
namespace {

using nlohmann::json;

constexpr std::string_view kJson = "application/json";

long long steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Names come from configuration files and component metadata: never let a stray byte that is not
// UTF-8 turn a response into an exception.
std::string dump(const json& j) { return json_text(j); }

ApiResponse json_response(const json& j) { return ApiResponse{200, std::string(kJson), dump(j), {}}; }

json histogram_json(const Histogram* h) {
  if (!h) return nullptr;
  uint64_t n = h->count();
  return json{{"count", n},
              {"sum_ns", h->sum()},
              {"mean_ns", n ? static_cast<double>(h->sum()) / static_cast<double>(n) : 0.0},
              {"p50_ns", h->quantile(0.50)},
              {"p90_ns", h->quantile(0.90)},
              {"p99_ns", h->quantile(0.99)},
              {"max_ns", h->max()}};
}

json flow_summary(const FlowSnapshot& f) {
  return json{{"id", f.id},
              {"name", f.name},
              {"state", f.state},
              {"elements", f.elements_total},
              {"delivered", f.elements_delivered},
              {"dropped", f.dropped},
              {"errors", f.errors},
              {"throughput", f.throughput}};
}

json flow_detail(const FlowSnapshot& f) {
  json j = flow_summary(f);
  j["latency_ns"] = histogram_json(f.latency_ns);
  json stages = json::array();
  for (const StageSnapshot& s : f.stages) {
    stages.push_back(json{{"node", s.node},
                          {"component", s.component},
                          {"role", s.role},
                          {"invocations", s.invocations},
                          {"batch", s.batch},
                          {"errors", s.errors},
                          {"processing_ns", histogram_json(s.processing_ns)},
                          {"memory_bytes", s.memory_bytes},
                          {"fuel_consumed", s.fuel_consumed},
                          {"copies", s.copies},
                          {"copy_bytes", s.copy_bytes},
                          {"buffer_bytes", s.buffer_bytes},
                          {"buffer_budget_bytes", s.buffer_budget_bytes},
                          {"budget_exceeded", s.budget_exceeded}});
    if (!s.engine.empty()) stages.back()["engine"] = s.engine;
  }
  j["stages"] = std::move(stages);
  json streams = json::array();
  for (const StreamSnapshot& s : f.streams) {
    streams.push_back(json{{"from", s.from},
                           {"to", s.to},
                           {"capacity", s.capacity},
                           {"depth", s.depth},
                           {"peak_depth", s.peak_depth},
                           {"backpressure_events", s.backpressure_events},
                           {"backpressure_ns", s.backpressure_ns}});
  }
  j["streams"] = std::move(streams);
  json connectors = json::array();
  for (const ConnectorSnapshot& c : f.connectors) {
    json cj{{"node", c.node}, {"connector", c.connector}, {"role", c.role}};
    if (c.role == "source") {
      cj.update(json{{"fetched", c.fetched},
                     {"acked", c.acked},
                     {"failed_acked", c.failed_acked},
                     {"redelivered", c.redelivered},
                     {"pending_acks", c.pending_acks},
                     {"in_progress", c.in_progress},
                     {"ack_errors", c.ack_errors},
                     {"fetch_errors", c.fetch_errors},
                     {"fetch_latency_ns", histogram_json(c.fetch_latency_ns)}});
    } else {
      cj.update(json{{"published", c.published}, {"duplicates", c.duplicates}, {"publish_errors", c.publish_errors}});
    }
    connectors.push_back(std::move(cj));
  }
  j["connectors"] = std::move(connectors);
  return j;
}

}  // namespace

InspectionApi::InspectionApi(const MetricsSource& source, ApiOptions options)
    : source_(source), options_(options), started_ns_(steady_ns()) {}

ApiResponse InspectionApi::error(int status, std::string_view message) {
  return ApiResponse{status, std::string(kJson), dump(json{{"error", message}, {"status", status}}), {}};
}

namespace {
std::string_view normalized(std::string_view path) {
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path;
}
}  // namespace

bool InspectionApi::is_public(std::string_view method, std::string_view path) {
  return (method == "GET" || method == "HEAD") && detail::dashboard_asset(normalized(path)) != nullptr;
}

ApiResponse InspectionApi::handle(std::string_view method, std::string_view path) const {
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (path == "/drain") {
    if (method == "POST") return drain();
    ApiResponse r = error(405, "method not allowed: /drain takes POST");
    r.headers.emplace_back("Allow", "POST");
    return r;
  }
  if (method != "GET" && method != "HEAD") {
    ApiResponse r = error(405, "method not allowed: the inspection API is read-only (GET, HEAD) but for POST /drain");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  path = normalized(path);
  if (const detail::DashboardAsset* asset = detail::dashboard_asset(path)) return detail::dashboard_response(*asset);
  if (path == "/health") return health();
  if (path == "/flows") return flows();
  if (path.starts_with("/flows/")) return flow(path.substr(7));
  if (path == "/components") return components();
  if (path == "/pools") return pools();
  if (path == "/metrics") return metrics();
  return error(404, "no such endpoint; the inspection API serves / (the web dashboard), /health, /flows, "
                    "/flows/{id}, /components, /pools, /metrics and POST /drain");
}

ApiResponse InspectionApi::health() const {
  double uptime = static_cast<double>(steady_ns() - started_ns_) / 1e9;
  const bool draining = options_.draining && options_.draining();
  return json_response(json{{"status", draining ? "draining" : "ok"},
                            {"version", TORVYN_VERSION},
                            {"pid", static_cast<long long>(::getpid())},
                            {"uptime_seconds", uptime},
                            {"flows", source_.flows().size()},
                            {"metrics_level", metrics_level_name(options_.level)},
                            {"prometheus", options_.prometheus_enabled}});
}

ApiResponse InspectionApi::drain() const {
  if (!options_.drain) return error(404, "this host offers no drain");
  options_.drain();
  ApiResponse r = json_response(json{{"status", "draining"}, {"flows", source_.flows().size()}});
  r.status = 202;
  return r;
}

ApiResponse InspectionApi::flows() const {
  json j = json::array();
  for (const FlowSnapshot& f : source_.flows()) j.push_back(flow_summary(f));
  return json_response(j);
}

ApiResponse InspectionApi::flow(std::string_view id) const {
  std::vector<FlowSnapshot> all = source_.flows();
  for (const FlowSnapshot& f : all)
    if (f.id == id) return json_response(flow_detail(f));
  for (const FlowSnapshot& f : all)
    if (f.name == id) return json_response(flow_detail(f));
  return error(404, "no flow with id or name \"" + std::string(id) + "\"; GET /flows lists them");
}

ApiResponse InspectionApi::components() const {
  json j = json::array();
  for (const ComponentSnapshot& c : source_.components()) {
    j.push_back(json{{"name", c.name},
                     {"source", c.source},
                     {"interface", c.interface},
                     {"digest", c.digest},
                     {"instances", c.instances},
                     {"capabilities", c.capabilities},
                     {"invocations", c.invocations},
                     {"errors", c.errors},
                     {"memory_bytes", c.memory_bytes},
                     {"fuel_consumed", c.fuel_consumed},
                     {"buffer_bytes", c.buffer_bytes},
                     {"buffer_budget_bytes", c.buffer_budget_bytes},
                     {"budget_exceeded", c.budget_exceeded}});
  }
  return json_response(j);
}

ApiResponse InspectionApi::pools() const {
  json j = json::array();
  for (const PoolSnapshot& p : source_.pools()) {
    j.push_back(json{{"tier", p.tier},
                     {"total", p.total},
                     {"available", p.available},
                     {"in_use", p.in_use},
                     {"exhaustion_events", p.exhaustion_events},
                     {"buffer_bytes", p.buffer_bytes},
                     {"bytes_in_use", p.bytes_in_use},
                     {"reserved", p.reserved}});
  }
  return json_response(j);
}

ApiResponse InspectionApi::metrics() const {
  if (!options_.prometheus_enabled)
    return error(404, "the Prometheus endpoint is disabled; set prometheus_enabled = true in [observability]");
  return ApiResponse{200, std::string(kPrometheusContentType), prometheus_text(source_, options_.level), {}};
}

bool bearer_token_matches(std::string_view authorization, std::string_view token) {
  constexpr std::string_view kScheme = "bearer";
  if (token.empty() || authorization.size() <= kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    char c = authorization[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kScheme[i]) return false;
  }
  std::string_view given = authorization.substr(kScheme.size());
  if (given.front() != ' ') return false;
  while (!given.empty() && given.front() == ' ') given.remove_prefix(1);
  while (!given.empty() && (given.back() == ' ' || given.back() == '\t')) given.remove_suffix(1);
  // Constant time in the token's content: every byte of the expected token is compared whatever
  // the given one holds; only the length (not secret in any useful way) decides early.
  unsigned diff = given.size() == token.size() ? 0u : 1u;
  for (size_t i = 0; i < token.size(); ++i) {
    unsigned char g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    diff |= g ^ static_cast<unsigned char>(token[i]);
  }
  // Keep the compiler from turning the loop into an early-exit comparison.
  volatile unsigned sink = diff;
  return sink == 0;
}

}  // namespace torvyn::observability
