// The operations tests' harness: a project in a temporary directory whose components are the
// test components of tests/operations/components, a real `torvyn run` on it with the inspection
// API on its Unix socket ($TORVYN_STATE_DIR/torvyn.sock), and small clients for that API (JSON
// endpoints and the Prometheus exposition).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "torvyn_test/process.h"

namespace torvyn::ops_test {

// One sample line of the Prometheus text format.
struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Every sample of an exposition (comments skipped; label values unescaped).
std::vector<Sample> parse_prometheus(const std::string& text);

class Metrics {
 public:
  Metrics() = default;
  explicit Metrics(std::vector<Sample> samples) : samples_(std::move(samples)) {}
  // The value of the one sample named `name` whose labels include `labels`; nullopt when there is
  // none (or more than one: the query must identify a series).
  std::optional<double> get(const std::string& name, const std::map<std::string, std::string>& labels = {}) const;
  // Like get(), 0 when absent is impossible: returns -1 so an EXPECT_GT(.., 0) fails loudly.
  double value(const std::string& name, const std::map<std::string, std::string>& labels = {}) const {
    return get(name, labels).value_or(-1);
  }
  // _sum / _count of a histogram series (-1 when absent or empty).
  double mean(const std::string& histogram, const std::map<std::string, std::string>& labels) const;
  bool empty() const { return samples_.empty(); }
  const std::vector<Sample>& samples() const { return samples_; }

 private:
  std::vector<Sample> samples_;
};

// A GET on the inspection API's Unix socket: status and body (status -1 when the socket does not
// answer).
struct Reply {
  int status = -1;
  std::string body;
};
Reply api_get(const std::string& socket, const std::string& path);

// A project + the `torvyn run` serving it. The manifest is the common part (components, the
// runtime and observability settings every test uses) followed by the test's own text (flows,
// pool sizes, ...).
class RunbookProject {
 public:
  // `body` is appended to the manifest: [flow.*] tables and any other section not in the common part.
  // `runtime_extra` and `observability_extra` are lines added to the common [runtime] and
  // [observability] tables (a TOML table cannot be opened twice).
  RunbookProject(const std::string& test_name, const std::string& body, const std::string& runtime_extra = "",
                 const std::string& observability_extra = "");
  ~RunbookProject();

  // Serve the inspection API on loopback TCP at `port` with `token` instead of the Unix socket
  // (appends an [inspection] table to the manifest; start() then waits for /health over TCP).
  void serve_tcp(int port, const std::string& token);
  // Starts `torvyn run` and waits until its inspection API answers (false: it did not; `why()`).
  bool start();
  // Runs `torvyn run` to its end (for runs that stop by themselves or are refused).
  test::ProcResult run_to_end(std::chrono::milliseconds timeout = std::chrono::seconds(120));
  // The state directory the run uses ($TORVYN_STATE_DIR: the socket and the audit log).
  std::filesystem::path state_dir() const { return tmp_.path() / "state"; }
  // GET requests on the running API.
  Reply get(const std::string& path) const { return api_get(socket_, path); }
  nlohmann::json get_json(const std::string& path) const;
  Metrics metrics() const;
  // The entry of GET /flows for `flow` (null when absent).
  nlohmann::json flow_summary(const std::string& flow) const;
  // Polls every 50 ms until `pred` is true or `timeout` passes; false on timeout or if the
  // process exits meanwhile.
  bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // SIGTERM (graceful: drain, complete, teardown) and wait for the exit.
  test::ProcResult stop(std::chrono::milliseconds timeout = std::chrono::seconds(30));

  const std::filesystem::path& dir() const { return tmp_.path(); }
  const std::string& socket() const { return socket_; }
  std::string why() const { return why_; }
  // What the process printed so far (for failure messages).
  std::string output() const;

 private:
  test::ProcOptions options() const;
  test::TempDir tmp_;
  std::string socket_;
  int tcp_port_ = 0;
  std::string token_;
  test::Process proc_;
  std::string why_;
};

// Absolute path of a test component ("ops_source" -> .../ops_source.wasm).
std::filesystem::path component(const std::string& name);

// A processor node of pipeline(): its id and the ops_processor `config` it runs with.
struct Stage {
  std::string id, config;
};

// The [flow.<name>] table of src -> processors... -> sink (the ops test components, each with its
// `config`), every edge with `queue_depth`; `flow_keys` are lines added to the table.
std::string pipeline(const std::string& name, const std::string& source_config, const std::vector<Stage>& processors,
                     const std::string& sink_config, unsigned queue_depth, const std::string& flow_keys = "");

// Elements delivered so far by `flow` (GET /flows), -1 when the API does not say.
long long delivered(const RunbookProject& p, const std::string& flow);

// The entry of GET /components for the [[component]] `name` (null when absent).
nlohmann::json component_entry(const RunbookProject& p, const std::string& name);

// Lowercase hex SHA-256 of a file's bytes, computed here with OpenSSL (independently of the code
// under test) to check the digests Torvyn reports.
std::string sha256_of(const std::filesystem::path& p);

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then closed), for
// serve_tcp().
int free_loopback_port();


#define START_OR_FAIL(project) ASSERT_TRUE((project).start()) << (project).why()

}  // namespace torvyn::ops_test
