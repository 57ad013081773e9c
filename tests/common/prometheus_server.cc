#include "torvyn_test/prometheus_server.h"

#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

namespace torvyn::test {

int free_tcp_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

std::string prometheus_config(const std::string& job, const std::string& target, const std::string& token,
                              const std::string& interval, const std::vector<std::string>& rule_files) {
  std::string c = "global:\n  scrape_interval: " + interval + "\n  evaluation_interval: " + interval + "\n";
  if (!rule_files.empty()) {
    c += "rule_files:\n";
    for (const std::string& f : rule_files) c += "  - '" + f + "'\n";
  }
  c += "scrape_configs:\n  - job_name: " + job + "\n    scrape_interval: " + interval + "\n    scrape_timeout: " + interval +
       "\n    metrics_path: /metrics\n";
  if (!token.empty()) c += "    authorization:\n      type: Bearer\n      credentials: " + token + "\n";
  c += "    static_configs:\n      - targets: ['" + target + "']\n";
  return c;
}

bool PrometheusServer::installed() { return ::access(kPrometheus, X_OK) == 0; }

PrometheusServer::PrometheusServer(const std::filesystem::path& dir, const std::string& config) : dir_(dir) {
  write_file(dir / "prometheus.yml", config);
  port_ = free_tcp_port();
  if (port_ == 0) return;
  ProcOptions o;
  o.cwd = dir;
  o.env = child_environment({});
  started_ = proc_.start(kPrometheus,
                         {"--config.file=" + (dir / "prometheus.yml").string(), "--storage.tsdb.path=" + (dir / "data").string(),
                          "--web.listen-address=127.0.0.1:" + std::to_string(port_), "--log.level=warn"},
                         o);
}

PrometheusServer::~PrometheusServer() {
  if (!started_ || !proc_.running()) return;
  proc_.signal(SIGTERM);
  proc_.wait(std::chrono::seconds(5));  // kills it after that
}

PromReply PrometheusServer::get(const std::string& path, const std::vector<std::pair<std::string, std::string>>& params) const {
  PromReply reply;
  httplib::Client api("127.0.0.1", port_);
  api.set_connection_timeout(1);
  api.set_read_timeout(5);
  httplib::Params p;
  for (const auto& [k, v] : params) p.emplace(k, v);
  auto r = api.Get("/api/v1/" + path, p, httplib::Headers{});
  if (!r) {
    reply.error = "no answer from prometheus on port " + std::to_string(port_);
    return reply;
  }
  nlohmann::json j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded()) {
    reply.error = "HTTP " + std::to_string(r->status) + ", not JSON: " + r->body;
    return reply;
  }
  reply.ok = r->status == 200 && j.value("status", "") == "success";
  if (j.contains("data")) reply.data = j["data"];
  if (!reply.ok) reply.error = "HTTP " + std::to_string(r->status) + ": " + j.value("errorType", "") + ": " + j.value("error", "");
  return reply;
}

nlohmann::json PrometheusServer::query(const std::string& promql) const {
  PromReply r = get("query", {{"query", promql}});
  return r.ok ? r.data["result"] : nlohmann::json();
}

std::string PrometheusServer::log_text() const { return proc_.stdout_so_far() + proc_.stderr_so_far(); }

}  // namespace torvyn::test
