// A MetricsSource with fixed contents for the observability tests, plus a raw HTTP/1.1 client for
// Unix sockets (independent of httplib, so the tests see exactly what goes over the wire).
#pragma once

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "torvyn/observability/metrics.h"

namespace torvyn::observability::testing {

class FakeSource : public MetricsSource {
 public:
  std::vector<FlowSnapshot> flows() const override {
    std::lock_guard lock(mu_);
    return flows_;
  }
  std::vector<PoolSnapshot> pools() const override {
    std::lock_guard lock(mu_);
    return pools_;
  }
  uint64_t copies_total() const override { return copies_; }
  uint64_t copies_bytes() const override { return copy_bytes_; }
  std::vector<ComponentSnapshot> components() const override {
    std::lock_guard lock(mu_);
    return components_;
  }
  std::optional<TracingSnapshot> tracing() const override {
    std::lock_guard lock(mu_);
    return tracing_;
  }

  Histogram& histogram() { return *histograms_.emplace_back(std::make_unique<Histogram>()); }

  void set_flows(std::vector<FlowSnapshot> f) {
    std::lock_guard lock(mu_);
    flows_ = std::move(f);
  }
  void set_tracing(std::optional<TracingSnapshot> t) {
    std::lock_guard lock(mu_);
    tracing_ = std::move(t);
  }

  // A source -> processor -> sink flow named "ingest" with known numbers.
  static std::unique_ptr<FakeSource> pipeline() {
    auto s = std::make_unique<FakeSource>();
    Histogram& latency = s->histogram();
    for (uint64_t v : {900u, 1000u, 1100u, 5000u, 250000u}) latency.record(v);
    FlowSnapshot f;
    f.id = "flow-1";
    f.name = "ingest";
    f.state = "Running";
    f.elements_total = 1000;
    f.elements_delivered = 990;
    f.dropped = 10;
    f.errors = 2;
    f.throughput = 12345.5;
    f.latency_ns = &latency;
    const char* nodes[] = {"src", "proc", "sink"};
    const char* roles[] = {"source", "processor", "sink"};
    for (int i = 0; i < 3; ++i) {
      Histogram& h = s->histogram();
      for (uint64_t v = 1; v <= 100; ++v) h.record(v * 10 * static_cast<uint64_t>(i + 1));
      StageSnapshot st;
      st.node = nodes[i];
      st.component = std::string(nodes[i]) + "-component";
      st.role = roles[i];
      st.invocations = 100;
      st.errors = static_cast<uint64_t>(i);
      st.processing_ns = &h;
      st.memory_bytes = 65536u * static_cast<uint64_t>(i + 1);
      st.fuel_consumed = 1000u * static_cast<uint64_t>(i + 1);
      st.copies = i == 1 ? 2000 : 1000;
      st.copy_bytes = st.copies * 64;
      f.stages.push_back(st);
    }
    f.streams.push_back(StreamSnapshot{"src", "proc", 64, 7, 64, 3, 1500000});
    f.streams.push_back(StreamSnapshot{"proc", "sink", 64, 0, 12, 0, 0});
    s->flows_.push_back(std::move(f));
    s->pools_.push_back(PoolSnapshot{"small", 256, 250, 6, 0, 4096, 6 * 4096});
    s->pools_.push_back(PoolSnapshot{"medium", 64, 64, 0, 0, 65536, 0});
    s->pools_.push_back(PoolSnapshot{"large", 16, 0, 16, 42, 1 << 20, 16 << 20});
    s->copies_ = 4000;
    s->copy_bytes_ = 256000;
    ComponentSnapshot c;
    c.name = "proc-component";
    c.source = "file://proc.wasm";
    c.interface = "torvyn:streaming/processor";
    c.digest = "sha256:00";
    c.instances = {"ingest/proc"};
    c.capabilities = {"wasi:clocks/monotonic-clock"};
    c.invocations = 100;
    c.errors = 1;
    c.memory_bytes = 131072;
    c.fuel_consumed = 2000;
    s->components_.push_back(c);
    return s;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Histogram>> histograms_;
  std::vector<FlowSnapshot> flows_;
  std::vector<PoolSnapshot> pools_;
  std::vector<ComponentSnapshot> components_;
  std::optional<TracingSnapshot> tracing_;
  uint64_t copies_ = 0, copy_bytes_ = 0;
};

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// One request on a fresh connection to a Unix socket ("Connection: close"; reads to EOF).
inline RawResponse unix_request(const std::string& socket_path, const std::string& method, const std::string& target,
                                const std::string& extra_headers = "") {
  RawResponse r;
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return r;
  }
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: torvyn\r\nConnection: close\r\n" + extra_headers + "\r\n";
  for (size_t off = 0; off < req.size();) {
    ssize_t n = ::write(fd, req.data() + off, req.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  std::string raw;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) raw.append(buf, static_cast<size_t>(n));
  ::close(fd);
  size_t head_end = raw.find("\r\n\r\n");
  if (raw.compare(0, 9, "HTTP/1.1 ") != 0 || head_end == std::string::npos) return r;
  r.status = std::stoi(raw.substr(9, 3));
  size_t line = raw.find("\r\n") + 2;
  while (line < head_end) {
    size_t eol = raw.find("\r\n", line);
    std::string h = raw.substr(line, eol - line);
    size_t colon = h.find(':');
    std::string name = h.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t v = h.find_first_not_of(' ', colon + 1);
    r.headers[name] = v == std::string::npos ? "" : h.substr(v);
    line = eol + 2;
  }
  r.body = raw.substr(head_end + 4);
  return r;
}

}  // namespace torvyn::observability::testing
