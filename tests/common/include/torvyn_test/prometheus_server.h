// A real Prometheus (the Debian package's /usr/bin/prometheus) for tests: started on a free
// loopback port with a configuration the test writes (scrape jobs, rule files), queried through
// its HTTP API, stopped when it goes out of scope. Shared by the exposition's scrape test
// (src/observability/tests) and the dashboard/alert tests on a live `torvyn run` (tests/deploy).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "torvyn_test/process.h"

namespace torvyn::test {

inline constexpr const char* kPrometheus = "/usr/bin/prometheus";

// A TCP port on 127.0.0.1 that was free a moment ago (0 when none could be had).
int free_tcp_port();

// prometheus.yml text: one scrape job `job` on `target` ("127.0.0.1:7878") with a bearer token,
// scraped and evaluated every `interval`; `rule_files` (may be empty) are loaded.
std::string prometheus_config(const std::string& job, const std::string& target, const std::string& token,
                              const std::string& interval = "1s", const std::vector<std::string>& rule_files = {});

// The answer of an API call: `ok` when HTTP 200 and "status": "success"; `data` is the "data"
// member, `error` what went wrong otherwise (Prometheus's own "error" text when it gave one).
struct PromReply {
  bool ok = false;
  nlohmann::json data;
  std::string error;
};

class PrometheusServer {
 public:
  // Writes `config` to dir/prometheus.yml and starts Prometheus on a free port, its data in dir/data.
  PrometheusServer(const std::filesystem::path& dir, const std::string& config);
  ~PrometheusServer();  // SIGTERM, then SIGKILL after 5 s
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  static bool installed();
  bool started() const { return started_; }
  bool alive() { return started_ && proc_.running(); }
  int port() const { return port_; }

  // GET /api/v1/<path> with `params` (name, value pairs; a name may repeat, as match[] does).
  PromReply get(const std::string& path, const std::vector<std::pair<std::string, std::string>>& params = {}) const;
  // An instant query: the result vector (null when the query failed).
  nlohmann::json query(const std::string& promql) const;
  // What Prometheus logged so far (for failure messages).
  std::string log_text() const;

 private:
  std::filesystem::path dir_;
  int port_ = 0;
  bool started_ = false;
  Process proc_;
};

}  // namespace torvyn::test
