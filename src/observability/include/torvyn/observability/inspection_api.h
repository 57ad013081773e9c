// The inspection API's routes as a plain function of (method, path), independent of transport;
// InspectionServer (inspection_server.h) puts it on a Unix socket or loopback TCP.
//
//   GET /health      {"status":"ok","version","pid","uptime_seconds","flows","metrics_level","prometheus"}
//   GET /flows       [{"id","name","state","elements","delivered","dropped","errors","throughput"}]
//   GET /flows/{id}  the flow above plus "latency_ns" (count/mean/p50/p90/p99/max), "stages"
//                    (per-stage invocations, errors, processing_ns summary, memory, fuel, copies)
//                    and "streams" (capacity, depth, peak_depth, backpressure_events, backpressure_ns);
//                    {id} is the flow id, or its name when no id matches
//   GET /components  [{"name","source","interface","digest","instances","capabilities",...}]; digest is
//                    "sha256:<hex>" of the .wasm bytes the run loaded ("" for a component no flow uses)
//   GET /pools       [{"tier","total","available","in_use","exhaustion_events","buffer_bytes","bytes_in_use"}]
//   GET /metrics     Prometheus text (prometheus.h); 404 with a JSON error when prometheus_enabled
//                    is false (the endpoint does not exist in that configuration)
//   GET /            the web dashboard (HTML; /dashboard.js and /dashboard.css beside it): static
//                    files compiled into the binary, served with Content-Security-Policy
//                    default-src 'self', X-Frame-Options DENY, nosniff and no-referrer. They hold
//                    no data and are served without the bearer token (is_public); the page reads
//                    the JSON endpoints above with the token the user gives it.
//   POST /drain      asks the instance to drain as SIGTERM does (stop fetching/pulling, finish what is
//                    in flight, acknowledge, complete sinks, exit 0): 202 {"status":"draining"};
//                    404 when the host offers no drain (ApiOptions::drain unset). GET /health then
//                    says "status":"draining", so a load balancer stops sending work.
// HEAD is answered like GET (without a body). Any other method: 405 with `Allow: GET, HEAD`
// (`Allow: POST` on /drain).
// Unknown paths: 404. Errors are JSON: {"error": "...", "status": <code>}. A trailing slash is
// ignored ("/flows/" is "/flows").
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "torvyn/observability/metrics.h"

namespace torvyn::observability {

struct ApiResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Allow, ...)
};

struct ApiOptions {
  bool prometheus_enabled = true;
  MetricsLevel level = MetricsLevel::Production;
  // POST /drain: asks the host to drain (any thread; must not block). Unset: no /drain.
  std::function<void()> drain{};
  // Whether the host is draining (GET /health "status": "draining"); unset: never.
  std::function<bool()> draining{};
};

class InspectionApi {
 public:
  InspectionApi(const MetricsSource& source, ApiOptions options);

  // `path` without the query string, already percent-decoded.
  ApiResponse handle(std::string_view method, std::string_view path) const;

  static ApiResponse error(int status, std::string_view message);

  // True for the requests answered without the bearer token: GET/HEAD of the dashboard's static
  // files (constant bytes, no data). Everything else needs the token when the listener has one.
  static bool is_public(std::string_view method, std::string_view path);

 private:
  ApiResponse health() const;
  ApiResponse drain() const;
  ApiResponse flows() const;
  ApiResponse flow(std::string_view id) const;
  ApiResponse components() const;
  ApiResponse pools() const;
  ApiResponse metrics() const;

  const MetricsSource& source_;
  ApiOptions options_;
  long long started_ns_;  // steady clock, for uptime
};

// True when `authorization` is "Bearer <token>" (scheme case-insensitive) with exactly `token`.
// The comparison takes the same time wherever the first difference is.
bool bearer_token_matches(std::string_view authorization, std::string_view token);

}  // namespace torvyn::observability
