#include "torvyn/host/monitoring.h"

#include <chrono>

#include "flow_snapshot.h"
#include "running_flow.h"

namespace torvyn::host {

namespace obs = observability;

Monitoring::Monitoring(Runtime& runtime) : runtime_(runtime) {
  const config::Config& cfg = runtime.config();
  level_ = obs::parse_metrics_level(cfg.observability.metrics_level).value_or(obs::MetricsLevel::Production);
  if (!cfg.observability.metrics_enabled) level_ = obs::MetricsLevel::Off;

  const resources::CopyLedger& ledger = runtime.ledger();
  resources::BufferPool& pool = runtime.pool();
  for (const auto& rf : runtime.flows()) {
    const Runtime::RunningFlow* f = rf.get();
    handles_.push_back(registry_.add_flow([f, &ledger, &pool] { return snapshot_flow(*f, ledger, pool); }));
  }
  registry_.set_pools([&pool] {
    std::vector<obs::PoolSnapshot> out;
    for (auto tier : {resources::Tier::Small, resources::Tier::Medium, resources::Tier::Large, resources::Tier::Huge}) {
      resources::TierStats t = pool.stats(tier);
      out.push_back({std::string(resources::tier_name(tier)), t.total, t.available, t.in_use, t.exhaustion_events, t.buffer_bytes,
                     t.bytes_in_use, t.reserved});
    }
    return out;
  });
  registry_.set_copies([&ledger] { return ledger.copies(); }, [&ledger] { return ledger.bytes(); });
  Runtime* rt = &runtime;
  registry_.set_components([rt] {
    const config::Config& c = rt->config();
    std::vector<obs::ComponentSnapshot> out;
    for (const auto& decl : c.components) {
      obs::ComponentSnapshot s;
      s.name = decl.name;
      s.source = decl.path;
      s.digest = rt->component_digest(decl.name);
      if (auto g = c.security.grants.find(decl.name); g != c.security.grants.end()) s.capabilities = g->second;
      for (const auto& rf : rt->flows())
        for (const auto& n : rf->flow->nodes()) {
          auto it = rf->component_of.find(n.id);
          if (it == rf->component_of.end() || it->second != decl.name) continue;
          s.instances.push_back(rf->name + "/" + n.id);
          s.interface = std::string(reactor::role_name(n.stage->role()));
          s.invocations += n.stats->invocations.get();
          s.errors += n.stats->errors.get();
          s.memory_bytes += n.stats->memory_bytes.get();
          s.fuel_consumed += n.stats->fuel_consumed.get();
          const resources::BufferPool& pool = rt->pool();
          s.buffer_bytes += pool.owner_bytes(n.stage->owner());
          s.buffer_budget_bytes += pool.owner_budget(n.stage->owner());
          s.budget_exceeded += pool.owner_budget_exceeded(n.stage->owner());
        }
      out.push_back(std::move(s));
    }
    return out;
  });
  if (std::shared_ptr<obs::Tracer> tracer = runtime.tracer()) {
    registry_.set_tracing([tracer] {
      obs::TracerStats s = tracer->stats();
      return obs::TracingSnapshot{std::string(tracer->exporter_name()), s.elements_traced, s.elements_kept, s.elements_promoted,
                                  s.spans_recorded, s.spans_dropped, s.spans_exported, s.spans_failed, s.traces_dropped};
    });
  }
}

Monitoring::~Monitoring() {
  registry_.set_tracing(nullptr);
  stop_server();
  for (auto h : handles_) registry_.remove_flow(h);
}

Status Monitoring::start_server() {
  const config::Config& cfg = runtime_.config();
  if (!cfg.inspection.enabled) return {};
  obs::InspectionServer::Options o;
  if (cfg.inspection.tcp.empty())
    o.socket_path = cfg.inspection.socket.empty() ? cfg.state_dir + "/torvyn.sock" : cfg.inspection.socket;
  o.tcp_address = cfg.inspection.tcp;
  o.token = cfg.inspection.token;
  o.allow_remote = cfg.inspection.allow_remote;
  o.prometheus_enabled = cfg.observability.prometheus_enabled;
  o.level = level_;
  o.drain = drain_;
  o.draining = draining_;
  if (std::shared_ptr<security::AuditLog> audit = runtime_.audit_log()) {
    o.audit = [audit](std::string_view method, std::string_view path, int status, std::string_view peer) {
      audit->record("inspection.access", {{"method", std::string(method)},
                                          {"path", std::string(path)},
                                          {"status", std::to_string(status)},
                                          {"peer", std::string(peer)}});
    };
  }
  server_ = std::make_unique<obs::InspectionServer>(registry_, std::move(o));
  Status s = server_->start();
  if (!s) server_.reset();
  return s;
}

void Monitoring::stop_server() {
  if (server_) server_->stop();
  server_.reset();
}

}  // namespace torvyn::host
