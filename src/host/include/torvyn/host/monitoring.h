// Operations for a running host: the metrics every flow, pool and component exposes
// (observability::MetricsSource over the runtime), and the inspection API server
// (`[inspection]`, `[observability] metrics_enabled / prometheus_enabled`).
#pragma once

#include <functional>
#include <memory>

#include "torvyn/base/result.h"
#include "torvyn/host/runtime.h"
#include "torvyn/observability/inspection_server.h"
#include "torvyn/observability/registry.h"

namespace torvyn::host {

class Monitoring {
 public:
  // Registers the runtime's flows (call after Runtime::build). The runtime must outlive this.
  explicit Monitoring(Runtime& runtime);
  ~Monitoring();

  observability::MetricsRegistry& registry() { return registry_; }
  observability::MetricsLevel level() const { return level_; }

  // Starts the inspection API as configured (Unix socket by default; loopback TCP with a token
  // when `[inspection] tcp` is set). Not started when `[inspection] enabled = false`.
  Status start_server();
  // POST /drain on the inspection API calls `request` (it must not block: e.g. set the flag SIGTERM
  // sets); GET /health reports "draining" while `draining` says so. Before start_server().
  void set_drain(std::function<void()> request, std::function<bool()> draining) {
    drain_ = std::move(request);
    draining_ = std::move(draining);
  }
  void stop_server();
  const observability::InspectionServer* server() const { return server_.get(); }

 private:
  Runtime& runtime_;
  observability::MetricsLevel level_;
  observability::MetricsRegistry registry_;
  std::vector<observability::MetricsRegistry::Handle> handles_;
  std::unique_ptr<observability::InspectionServer> server_;
  std::function<void()> drain_;
  std::function<bool()> draining_;
};

}  // namespace torvyn::host
