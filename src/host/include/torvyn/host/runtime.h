// The host: turns a validated Torvyn.toml into running flows (DESIGN.md §1 `host`, §7). It owns
// the engines, the shared buffer pool and copy ledger, loads and instantiates each node's
// component, wires edges with their queue depths and policies, runs the flows on
// `worker_threads` threads, stops them gracefully on request, and reports what happened.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "torvyn/base/result.h"
#include "torvyn/component/runtime.h"
#include "torvyn/config/config.h"
#include "torvyn/security/audit_log.h"
#include "torvyn/host/load_events.h"
#include "torvyn/host/report.h"
#include "torvyn/observability/tracer.h"
#include "torvyn/reactor/flow.h"
#include "torvyn/resources/buffer_pool.h"
#include "torvyn/resources/copy_ledger.h"

namespace torvyn::security {
struct WasiOptions;
}

namespace torvyn::streaming {
struct TierUp;
}

namespace torvyn::host {

class BackgroundCompiles;

struct RunOptions {
  std::vector<std::string> flows;          // empty = every flow in the manifest
  uint64_t limit = 0;                      // elements per flow from its sources (0 = all)
  std::chrono::milliseconds timeout{0};    // then stop gracefully (0 = none)
  std::string input;                       // --input: the built-in file source ("-" = stdin)
  std::string output;                      // --output: the built-in file sink ("-" = stdout)
  uint64_t input_chunk = 0;                // raw chunks of this size instead of lines
  std::string input_content_type = "text/plain";
  // Report only what happens after the first `warmup` of the run (torvyn bench); `timeout` then
  // counts from the end of the warm-up. A flow that ends during its warm-up reports its whole run.
  std::chrono::milliseconds warmup{0};
  // Told as each component is compiled or found in the aot cache (progress on a terminal).
  LoadObserver on_load;
};

class Runtime {
 public:
  explicit Runtime(config::Config config);
  ~Runtime();

  const config::Config& config() const { return config_; }
  resources::BufferPool& pool() { return *pool_; }
  resources::CopyLedger& ledger() { return ledger_; }

  // Builds every requested flow (loading, compiling and instantiating components). Errors name
  // the flow, node and component.
  Status build(const RunOptions& options);

  // Runs the built flows to completion on worker threads. `stop` (e.g. set by a signal handler)
  // makes every flow stop its sources and drain. Returns one report per flow.
  std::vector<FlowReport> run(const std::atomic<bool>& stop, const RunOptions& options);

  // The flows being run (for the inspection API); stable after build().
  struct RunningFlow;
  const std::vector<std::unique_ptr<RunningFlow>>& flows() const { return flows_; }
  std::shared_ptr<security::AuditLog> audit_log() const { return audit_; }
  // "sha256:<hex>" of the .wasm bytes loaded for `component` (a [[component]] name or file://
  // reference as nodes name it); "" when no flow loaded it. Stable after build().
  std::string component_digest(const std::string& component) const {
    auto it = digests_.find(component);
    return it == digests_.end() ? "" : it->second;
  }

  // Tracing ([observability.tracing]): started by build() when the level is not "off". trace_into()
  // (before build(); `torvyn trace`) traces every element at diagnostic level into `exporter`
  // instead of the configured exporter.
  void trace_into(std::unique_ptr<observability::SpanExporter> exporter);
  std::shared_ptr<observability::Tracer> tracer() const { return tracer_; }

 private:
  Result<std::shared_ptr<wasm::Engine>> engine_for(uint64_t max_memory);
  Result<std::shared_ptr<wasm::Engine>> interp_engine_for(uint64_t max_memory);  // tiering's first engine
  Result<std::shared_ptr<component::LoadedComponent>> load_component(const std::string& reference, const std::string& node_id,
                                                                     uint64_t max_memory);
  Status build_flow(const config::FlowDecl& decl, const RunOptions& options);
  Status start_tracer(const RunOptions& options);
  Status prepare_state_dir();
  void plan_buffer_shares(const std::vector<const config::FlowDecl*>& flows);
  resources::ReservationId reserve_buffers(const config::FlowDecl& decl, const RunOptions& options);
  uint64_t buffer_budget(const config::NodeDecl& node) const;
  std::shared_ptr<security::WasiOptions> wasi_options(const config::NodeDecl& node);
  bool first_element_out(bool a_worker_done) const;  // releases tiering's held compiles (run())

  config::Config config_;
  std::unique_ptr<resources::BufferPool> pool_;
  resources::CopyLedger ledger_;
  std::map<uint64_t, std::shared_ptr<wasm::Engine>> engines_;  // by memory limit
  // Tiering (runtime.tiering): interpreters to start on, the compiles in the background (stopped
  // when the run ends) and, per component loaded on an interpreter, what its nodes wait for.
  std::map<uint64_t, std::shared_ptr<wasm::Engine>> interp_engines_;
  std::shared_ptr<std::atomic<bool>> compile_cancel_ = std::make_shared<std::atomic<bool>>(false);
  std::unique_ptr<BackgroundCompiles> compiles_;
  // How long tiering's compiles wait for the run's first element before they start all the same.
  static constexpr std::chrono::milliseconds kCompileHold{3000};
  std::map<const component::LoadedComponent*, std::shared_ptr<streaming::TierUp>> tier_ups_;
  std::map<std::string, std::shared_ptr<component::LoadedComponent>> components_;
  std::map<std::string, std::string> digests_;  // component reference -> sha256:<hex> of its bytes
  std::vector<std::unique_ptr<RunningFlow>> flows_;
  std::shared_ptr<security::AuditLog> audit_;  // when [security] audit_enabled
  std::unique_ptr<observability::SpanExporter> trace_override_;
  std::shared_ptr<observability::Tracer> tracer_;
  LoadObserver on_load_;  // RunOptions::on_load of the build() under way
  // Buffer budgets and reservations (build()): the default max_buffer_bytes of a component
  // instance, and how many flows share the pool tiers' reservable half.
  static constexpr uint64_t kMinFairBufferBytes = 1ull << 20;
  uint64_t fair_buffer_bytes_ = 0;
  size_t flows_sharing_pool_ = 1;
};

// Where `torvyn build` puts a [[component]] built from sources, and where `run` looks for it.
std::filesystem::path built_component_path(const config::Config& cfg, const config::ComponentDecl& c);

}  // namespace torvyn::host
