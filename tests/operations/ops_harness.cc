#include "ops_harness.h"

#include <httplib.h>
#include <openssl/evp.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <thread>

namespace torvyn::ops_test {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<Sample> parse_prometheus(const std::string& text) {
  std::vector<Sample> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string_view line(text.data() + pos, eol - pos);
    pos = eol + 1;
    if (line.empty() || line[0] == '#') continue;
    Sample s;
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = std::string(line.substr(0, i));
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        size_t eq = line.find('=', i);
        if (eq == std::string_view::npos || eq + 1 >= line.size() || line[eq + 1] != '"') return out;  // malformed
        std::string key(line.substr(i, eq - i));
        std::string value;
        size_t k = eq + 2;
        for (; k < line.size() && line[k] != '"'; ++k) {
          if (line[k] == '\\' && k + 1 < line.size()) {
            ++k;
            value += line[k] == 'n' ? '\n' : line[k];
          } else {
            value += line[k];
          }
        }
        s.labels[key] = value;
        i = k + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      ++i;  // '}'
    }
    while (i < line.size() && line[i] == ' ') ++i;
    std::string v(line.substr(i));
    if (v == "+Inf") s.value = INFINITY;
    else if (v == "-Inf") s.value = -INFINITY;
    else if (v == "NaN") s.value = NAN;
    else s.value = std::strtod(v.c_str(), nullptr);
    out.push_back(std::move(s));
  }
  return out;
}

std::optional<double> Metrics::get(const std::string& name, const std::map<std::string, std::string>& labels) const {
  std::optional<double> found;
  for (const Sample& s : samples_) {
    if (s.name != name) continue;
    bool match = true;
    for (const auto& [k, v] : labels) {
      auto it = s.labels.find(k);
      if (it == s.labels.end() || it->second != v) match = false;
    }
    if (!match) continue;
    if (found) return std::nullopt;  // ambiguous
    found = s.value;
  }
  return found;
}

double Metrics::mean(const std::string& histogram, const std::map<std::string, std::string>& labels) const {
  auto sum = get(histogram + "_sum", labels), count = get(histogram + "_count", labels);
  if (!sum || !count || *count <= 0) return -1;
  return *sum / *count;
}

Reply api_get(const std::string& socket, const std::string& path) {
  httplib::Client cli(socket);
  cli.set_address_family(AF_UNIX);
  cli.set_connection_timeout(2, 0);
  cli.set_read_timeout(10, 0);
  Reply r;
  if (auto res = cli.Get(path.c_str())) {
    r.status = res->status;
    r.body = res->body;
  }
  return r;
}

fs::path component(const std::string& name) { return fs::path(TORVYN_OPS_COMPONENTS) / (name + ".wasm"); }

RunbookProject::RunbookProject(const std::string& test_name, const std::string& body, const std::string& runtime_extra,
                               const std::string& observability_extra)
    : tmp_("torvyn-ops") {
  socket_ = (tmp_.path() / "state" / "torvyn.sock").string();
  std::string m;
  m += "[torvyn]\nname = \"runbook-" + test_name + "\"\nversion = \"0.1.0\"\ncontract_version = \"0.1.0\"\n\n";
  for (const char* c : {"source", "processor", "sink"})
    m += "[[component]]\nname = \"ops-" + std::string(c) + "\"\npath = \"" + component(std::string("ops_") + c).string() + "\"\n\n";
  // One worker thread: the flows of a test share one core, as they would on a busy host; fuel is
  // generous because the busy-work components burn it on purpose.
  m += "[runtime]\nworker_threads = 1\nfuel_per_invocation = 2000000000\n" + runtime_extra + "\n";
  m += "[observability]\nmetrics_enabled = true\nprometheus_enabled = true\n" + observability_extra + "\n";
  m += body;
  test::write_file(tmp_.path() / "Torvyn.toml", m);
}

RunbookProject::~RunbookProject() {
  // A test that failed half-way must not leave a `torvyn run` behind (Process kills it too; this
  // gives it the graceful path first).
  if (proc_.running()) {
    proc_.signal(SIGTERM);
    proc_.wait(std::chrono::seconds(10));
  }
}

test::ProcOptions RunbookProject::options() const {
  test::ProcOptions o;
  o.cwd = tmp_.path();
  o.env = test::child_environment({{"TORVYN_STATE_DIR", state_dir().string()},
                                   {"XDG_CACHE_HOME", std::string(TORVYN_OPS_CACHE_HOME)},
                                   {"XDG_CONFIG_HOME", (tmp_.path() / ".config").string()}});
  return o;
}

test::ProcResult RunbookProject::run_to_end(std::chrono::milliseconds timeout) {
  test::ProcOptions o = options();
  o.timeout = timeout;
  return test::run(TORVYN_EXE, {"run"}, o);
}

bool RunbookProject::start() {
  test::ProcOptions o = options();
  if (!proc_.start(TORVYN_EXE, {"run"}, o)) {
    why_ = "could not start " TORVYN_EXE;
    return false;
  }
  // The first run compiles the components (aot, cached under the build tree), which can take a
  // while on a loaded machine; later runs start in milliseconds.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!proc_.running()) {
      why_ = "torvyn run exited before its inspection API answered\n" + output();
      return false;
    }
    if (tcp_port_ > 0) {
      httplib::Client cli("127.0.0.1", tcp_port_);
      cli.set_connection_timeout(1, 0);
      if (auto r = cli.Get("/health", {{"Authorization", "Bearer " + token_}}); r && r->status == 200) return true;
    } else if (fs::exists(socket_) && get("/health").status == 200) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  why_ = "the inspection API did not answer on " + socket_ + "\n" + output();
  return false;
}

json RunbookProject::get_json(const std::string& path) const {
  Reply r = get(path);
  if (r.status != 200) return json();
  json j = json::parse(r.body, nullptr, false);
  return j.is_discarded() ? json() : j;
}

Metrics RunbookProject::metrics() const {
  Reply r = get("/metrics");
  if (r.status != 200) return Metrics();
  return Metrics(parse_prometheus(r.body));
}

std::string pipeline(const std::string& name, const std::string& source_config, const std::vector<Stage>& processors,
                     const std::string& sink_config, unsigned queue_depth, const std::string& flow_keys) {
  std::string t = "[flow." + name + "]\n" + flow_keys;
  t += "nodes.src = { component = \"ops-source\", interface = \"torvyn:streaming/source\", config = \"" + source_config + "\" }\n";
  for (const Stage& p : processors)
    t += "nodes." + p.id + " = { component = \"ops-processor\", interface = \"torvyn:streaming/processor\", config = \"" + p.config + "\" }\n";
  t += "nodes.sink = { component = \"ops-sink\", interface = \"torvyn:streaming/sink\", config = \"" + sink_config + "\" }\n";
  t += "edges = [\n";
  std::string prev = "src";
  std::vector<std::string> order;
  for (const Stage& p : processors) order.push_back(p.id);
  order.push_back("sink");
  for (const std::string& next : order) {
    t += "  { from = { node = \"" + prev + "\" }, to = { node = \"" + next + "\" }, queue_depth = " + std::to_string(queue_depth) + " },\n";
    prev = next;
  }
  t += "]\n\n";
  return t;
}

long long delivered(const RunbookProject& p, const std::string& flow) {
  json f = p.flow_summary(flow);
  return f.is_object() ? f.value("delivered", -1LL) : -1;
}

json component_entry(const RunbookProject& p, const std::string& name) {
  json all = p.get_json("/components");
  if (!all.is_array()) return json();
  for (const json& c : all)
    if (c.value("name", "") == name) return c;
  return json();
}

std::string sha256_of(const fs::path& p) {
  std::string bytes = test::read_file(p);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
  std::string hex;
  char b[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(b, sizeof b, "%02x", md[i]);
    hex += b;
  }
  return hex;
}

json RunbookProject::flow_summary(const std::string& flow) const {
  json flows = get_json("/flows");
  if (!flows.is_array()) return json();
  for (const json& f : flows)
    if (f.value("name", "") == flow) return f;
  return json();
}

bool RunbookProject::wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!proc_.running()) return false;
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

test::ProcResult RunbookProject::stop(std::chrono::milliseconds timeout) {
  proc_.signal(SIGTERM);
  return proc_.wait(timeout);
}

std::string RunbookProject::output() const {
  return "--- stdout:\n" + proc_.stdout_so_far() + "--- stderr:\n" + proc_.stderr_so_far();
}

int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

void RunbookProject::serve_tcp(int port, const std::string& token) {
  tcp_port_ = port;
  token_ = token;
  test::write_file(tmp_.path() / "Torvyn.toml", test::read_file(tmp_.path() / "Torvyn.toml") + "[inspection]\ntcp = \"127.0.0.1:" +
                                                     std::to_string(port) + "\"\ntoken = \"" + token + "\"\n");
}

}  // namespace torvyn::ops_test
