#include "torvyn/host/runtime.h"

#include "graph_splice.h"
#include "limit_help.h"
#include "background_compiles.h"
#include "flow_snapshot.h"
#include "load_tracker.h"
#include "running_flow.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <thread>

#include "torvyn/streaming/component_node.h"
#include "torvyn/reactor/executor.h"
#include "torvyn/reactor/host_stages.h"
#include "torvyn/streaming/streaming_host.h"
#include "torvyn/security/guest_log_writer.h"
#include "torvyn/security/wasi_host.h"
#include "torvyn/base/private_dir.h"
#include "torvyn/base/file_read.h"
#include "torvyn/base/sha256.h"
#include "torvyn/wasm/stop_interrupts.h"
#include "torvyn/connectors/connectors.h"

namespace torvyn::host {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
// How long an invocation without a timeout of its own may go on after a stop request before it is
// interrupted: long enough for any element that is merely slow, short enough that SIGTERM is
// honoured promptly (well inside an orchestrator's 30 s before SIGKILL).
constexpr std::chrono::milliseconds kStopGrace{5000};
constexpr uint64_t kMaxInvocationTimeoutMs = INT64_MAX / 2 / 1'000'000;  // half of int64 nanoseconds


namespace {

Error build_error(const std::string& flow, const std::string& msg) { return Error(ErrorCode::FlowBuildFailed, "flow `" + flow + "`: " + msg); }

reactor::BackpressurePolicy to_reactor(config::BackpressurePolicy p) {
  switch (p) {
    case config::BackpressurePolicy::BlockProducer: return reactor::BackpressurePolicy::BlockProducer;
    case config::BackpressurePolicy::DropOldest: return reactor::BackpressurePolicy::DropOldest;
    case config::BackpressurePolicy::DropNewest: return reactor::BackpressurePolicy::DropNewest;
    case config::BackpressurePolicy::Error: return reactor::BackpressurePolicy::Error;
  }
  return reactor::BackpressurePolicy::BlockProducer;
}

reactor::ErrorPolicy to_reactor(config::ErrorPolicy p) {
  switch (p) {
    case config::ErrorPolicy::FailFast: return reactor::ErrorPolicy::FailFast;
    case config::ErrorPolicy::Skip: return reactor::ErrorPolicy::Skip;
    case config::ErrorPolicy::Retry: return reactor::ErrorPolicy::Retry;
  }
  return reactor::ErrorPolicy::FailFast;
}

// Guest output on the host's stderr: one non-blocking, bounded writer for the process, shared by
// every node of every flow (worker threads included).
security::GuestLogWriter& guest_log() {
  static security::GuestLogWriter writer(STDERR_FILENO);
  return writer;
}

std::string default_cache_dir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/torvyn/aot";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/torvyn/aot";
  return "/tmp/torvyn-cache/aot";
}

}  // namespace

fs::path built_component_path(const config::Config& cfg, const config::ComponentDecl& c) {
  return cfg.project_dir / "target" / "components" / (c.name + ".wasm");
}

Runtime::Runtime(config::Config config) : config_(std::move(config)) {
  const auto& p = config_.runtime.pools;
  pool_ = std::make_unique<resources::BufferPool>(resources::PoolSizes{p.small, p.medium, p.large, p.huge_bytes, true});
}

Runtime::~Runtime() {
  if (compiles_) compiles_->stop();  // their threads use the engines
  flows_.clear();  // instances before engines and the pool
  guest_log().flush(std::chrono::milliseconds(250));  // their last lines, if stderr is being read
  if (tracer_) tracer_->shutdown();
}

void Runtime::trace_into(std::unique_ptr<observability::SpanExporter> exporter) { trace_override_ = std::move(exporter); }

Status Runtime::start_tracer(const RunOptions& options) {
  if (tracer_) return {};
  const config::TracingConfig& tc = config_.observability.tracing;
  observability::TracerOptions o;
  std::unique_ptr<observability::SpanExporter> exporter;
  if (trace_override_) {
    o.level = observability::TraceLevel::Diagnostic;
    o.sample_rate = 1.0;
    o.ring_capacity = 1 << 16;
    exporter = std::move(trace_override_);
  } else {
    if (tc.level == config::TracingLevel::Off) return {};
    o.level = tc.level == config::TracingLevel::Diagnostic ? observability::TraceLevel::Diagnostic : observability::TraceLevel::Production;
    o.sample_rate = tc.sample_rate;
    o.error_promote = tc.error_promote;
    o.latency_promote_threshold_ms = tc.latency_promote_threshold_ms;
    observability::ExporterOptions eo;
    eo.kind = config::to_string(tc.exporter);
    eo.endpoint = tc.exporter == config::TracingExporter::File ? tc.file : tc.endpoint;
    // With --output - the elements go to stdout: the stdout exporter writes to stderr then.
    eo.stdout_carries_data = options.output == "-";
    auto made = observability::make_span_exporter(eo);
    if (!made) return made.take_error();
    exporter = std::move(*made);
  }
  observability::TraceResource res;
  res.service_version = TORVYN_HOST_VERSION;
  if (!config_.project.name.empty()) res.attributes.push_back({"torvyn.project", config_.project.name});
  tracer_ = observability::Tracer::create(std::move(o), std::move(exporter), std::move(res));
  return {};
}

Result<std::shared_ptr<wasm::Engine>> Runtime::engine_for(uint64_t max_memory) {
  auto& e = engines_[max_memory];
  if (e) return e;
  wasm::EngineConfig cfg;
  cfg.kind = config_.runtime.engine == config::Engine::Interp ? wasm::EngineKind::Interp : wasm::EngineKind::Aot;
  cfg.max_memory_pages = static_cast<uint32_t>(std::max<uint64_t>(1, max_memory / 65536));
  cfg.cache_dir = config_.runtime.compilation_cache_dir.empty() ? default_cache_dir() : config_.runtime.compilation_cache_dir;
  cfg.on_compile = &LoadTracker::on_compile;
  cfg.compile_cancel = compile_cancel_;
  auto r = wasm::Engine::create(cfg);
  if (!r) return r.take_error();
  e = *r;
  return e;
}

Result<std::shared_ptr<wasm::Engine>> Runtime::interp_engine_for(uint64_t max_memory) {
  auto& e = interp_engines_[max_memory];
  if (e) return e;
  auto aot = engine_for(max_memory);
  if (!aot) return aot.take_error();
  wasm::EngineConfig cfg = (*aot)->config();  // the same limits, so a node moves between equals
  cfg.kind = wasm::EngineKind::Interp;
  auto r = wasm::Engine::create(cfg);
  if (!r) return r.take_error();
  e = *r;
  return e;
}

Result<std::shared_ptr<component::LoadedComponent>> Runtime::load_component(const std::string& reference, const std::string& node_id,
                                                                            uint64_t max_memory) {
  fs::path path;
  std::string name = reference;
  if (reference.rfind("file://", 0) == 0) {
    path = reference.substr(7);
    if (path.is_relative()) path = config_.project_dir / path;
  } else if (reference.rfind("oci://", 0) == 0) {
    return Error(ErrorCode::FlowBuildFailed, "node `" + node_id + "`: " + reference +
                                                 ": oci:// components are not supported by this build; use a [[component]] or file:// path");
  } else {
    const config::ComponentDecl* c = config_.find_component(reference);
    if (!c) return Error(ErrorCode::FlowBuildFailed, "node `" + node_id + "` names component `" + reference + "`, which is not declared");
    // A `path` naming a .wasm is used exactly as written: never another file in its place.
    fs::path declared = c->path;
    if (declared.extension() == ".wasm") {
      path = declared;
      if (!fs::is_regular_file(path))
        return Error(ErrorCode::IoError, "component `" + reference + "`: no component file " + path.string() + " (its `path` in " +
                                             config_.manifest_path.filename().string() + ")");
    } else {
      path = built_component_path(config_, *c);
      if (!fs::is_regular_file(path))
        return Error(ErrorCode::FlowBuildFailed, "component `" + reference + "` is not built (no " + path.string() + "); run `torvyn build`");
    }
  }
  if (!fs::is_regular_file(path)) return Error(ErrorCode::IoError, "node `" + node_id + "`: no component file " + path.string());
  std::string key = path.string() + "#" + std::to_string(max_memory);
  auto& slot = components_[key];
  if (slot) return slot;
  auto read = read_file_capped(path.string(), kMaxComponentFileBytes, "component");
  if (!read) return Error(read.error().code, "node `" + node_id + "`: " + read.error().message);
  std::vector<uint8_t> bytes = std::move(*read);
  if (bytes.empty()) return Error(ErrorCode::IoError, "cannot read component " + path.string());
  // Of the bytes read here, i.e. of what runs (not of the file as it may be later): GET /components.
  digests_[reference] = sha256_digest(bytes);
  auto engine = engine_for(max_memory);
  if (!engine) return engine.take_error();
  LoadEvent what;
  what.component = name;
  what.file = path;
  what.bytes = bytes.size();
  what.engine = wasm::to_string((*engine)->kind());
  // Tiering: a component the aot cache does not hold yet starts on the interpreter.
  std::shared_ptr<wasm::Engine> meanwhile;
  if (config_.runtime.tiering && (*engine)->kind() == wasm::EngineKind::Aot) {
    auto interp = interp_engine_for(max_memory);
    if (!interp) return interp.take_error();
    meanwhile = *interp;
  }
  // Every load of this component is told to the progress observer as `what`.
  auto tracked = [&](auto&& load) {
    LoadTracker tracker(on_load_, what);
    Result<std::shared_ptr<component::LoadedComponent>> r = load();
    tracker.finish(r.ok());
    if (!r) return Result<std::shared_ptr<component::LoadedComponent>>(
                    Error(r.error().code, "component `" + name + "` (" + path.string() + "): " + r.error().message));
    return r;
  };
  auto loaded = tracked([&] { return component::LoadedComponent::load_preferring(*engine, meanwhile, std::move(bytes), name); });
  if (!loaded) return loaded.take_error();
  if ((*loaded)->engine_kind() != (*engine)->kind()) {
    if (std::string why = (*loaded)->not_movable(); !why.empty()) {
      // Its nodes could never move: compile now, as without tiering.
      what.why_now = "it cannot move between engines (" + why + ")";
      loaded = tracked([&] { return (*loaded)->load_on(*engine); });
      if (!loaded) return loaded.take_error();
    } else {
      if (!compiles_) {
        compiles_ = std::make_unique<BackgroundCompiles>(compile_cancel_);
        compiles_->hold(kCompileHold);  // released by run() at the run's first element
      }
      what.background = true;
      tier_ups_[loaded->get()] = compiles_->start(*loaded, *engine, on_load_, what);
    }
  }
  slot = *loaded;
  return slot;
}

Status Runtime::build(const RunOptions& options) {
  std::vector<const config::FlowDecl*> wanted;
  if (options.flows.empty()) {
    for (const auto& f : config_.flows) wanted.push_back(&f);
  } else {
    for (const auto& name : options.flows) {
      const config::FlowDecl* f = config_.find_flow(name);
      if (!f) {
        std::string known;
        for (const auto& d : config_.flows) known += (known.empty() ? "" : ", ") + d.name;
        return Error(ErrorCode::ConfigUnknownReference, "no flow named `" + name + "` (flows: " + known + ")");
      }
      wanted.push_back(f);
    }
  }
  if (wanted.empty()) return Error(ErrorCode::FlowBuildFailed, "the manifest declares no [flow.<name>]");
  on_load_ = options.on_load;
  plan_buffer_shares(wanted);
  if (auto s = prepare_state_dir(); !s) return s;
  if (auto s = start_tracer(options); !s) return s;
  for (const config::FlowDecl* f : wanted)
    if (auto s = build_flow(*f, options); !s) return s;
  return {};
}

// Before any component is loaded, so that every grant and denial is recorded. The state directory
// holds the inspection socket and the audit log: one that another user owns or can enter, or a
// planted symbolic link, fails the run with the fix rather than being trusted.
Status Runtime::prepare_state_dir() {
  bool socket_there = config_.inspection.enabled && config_.inspection.tcp.empty() && config_.inspection.socket.empty();
  bool log_there = config_.security.audit_enabled && config_.security.audit_log.empty();
  if (socket_there || log_there)
    if (Status s = ensure_private_dir(config_.state_dir, DirTrust::OwnerOnly, "state directory"); !s) return s;
  if (!config_.security.audit_enabled || audit_) return {};
  std::string path = config_.security.audit_log.empty() ? config_.state_dir + "/audit.log" : config_.security.audit_log;
  Result<std::shared_ptr<security::AuditLog>> log = security::AuditLog::open(path, config_.state_dir);
  if (!log) return log.take_error();
  audit_ = std::move(*log);
  return {};
}

// The default buffer budget of a component instance is a fair share of the pools: all their bytes
// (pre-allocated tiers + on-demand cap) divided by the number of component instances in the flows
// being built, but at least kMinFairBufferBytes so that tiny pools or many components still let
// each component hold a few buffers. Each flow is then reserved a part of each tier (build_flow).
void Runtime::plan_buffer_shares(const std::vector<const config::FlowDecl*>& flows) {
  size_t instances = 0;
  for (const config::FlowDecl* f : flows) instances += f->nodes.size();
  uint64_t total = pool_->reserved_bytes() + config_.runtime.pools.huge_bytes;
  fair_buffer_bytes_ = std::max(kMinFairBufferBytes, total / std::max<size_t>(1, instances));
  flows_sharing_pool_ = std::max<size_t>(1, flows.size());
}

// A flow's reservation: per tier, as many buffers as its queues can hold plus one per stage (what
// the flow has in flight at most when nothing leaks), but at most its equal part of half the tier.
// The other half stays shared, first come first served, for bursts and for owners without a flow.
resources::ReservationId Runtime::reserve_buffers(const config::FlowDecl& decl, const RunOptions& options) {
  uint32_t depth = decl.default_queue_depth.value_or(config_.runtime.backpressure.default_queue_depth);
  uint64_t need = decl.nodes.size();
  for (const config::EdgeDecl& e : decl.edges) need += e.queue_depth.value_or(depth);
  if (!options.input.empty()) need += uint64_t{depth} + 1;
  if (!options.output.empty()) need += uint64_t{depth} + 1;
  resources::TierCounts want{};
  for (resources::Tier t : {resources::Tier::Small, resources::Tier::Medium, resources::Tier::Large}) {
    uint64_t half_share = pool_->stats(t).total / (2 * flows_sharing_pool_);
    want[static_cast<size_t>(t)] = static_cast<uint32_t>(std::min(need, half_share));
  }
  return pool_->add_reservation(decl.name, want);
}

uint64_t Runtime::buffer_budget(const config::NodeDecl& node) const {
  if (node.max_buffer_bytes) return *node.max_buffer_bytes;
  if (const config::ComponentDecl* c = config_.find_component(node.component); c && c->max_buffer_bytes) return *c->max_buffer_bytes;
  return fair_buffer_bytes_;
}

std::shared_ptr<security::WasiOptions> Runtime::wasi_options(const config::NodeDecl& node) {
  auto o = std::make_shared<security::WasiOptions>();
  std::string component = node.component;
  o->component_name = node.id;
  o->grants_name = component;
  // Guest output goes to the host log (stderr), one line at a time, tagged with the node, and
  // never blocks the worker when nobody reads stderr (dropped and counted instead).
  o->log = [](std::string_view who, int fd, std::string_view text) {
    std::string line = "[" + std::string(who) + (fd == 2 ? " stderr] " : "] ");
    line += text;
    guest_log().write_line(line);
  };
  if (config_.security.default_capability_policy == "allow-all") {
    o->granted = {"wasi:cli", "wasi:clocks", "wasi:random", "wasi:filesystem"};
  } else if (auto g = config_.security.grants.find(component); g != config_.security.grants.end()) {
    o->granted.insert(g->second.begin(), g->second.end());
  }
  // [security.grants.<component>] dirs and env (the loader checked them and their capabilities).
  if (auto w = config_.security.wasi.find(component); w != config_.security.wasi.end()) {
    for (const auto& d : w->second.dirs) {
      o->preopens.push_back({d.host, d.guest, d.writable});
      if (audit_)
        audit_->record("wasi.preopen", {{"component", component}, {"node", node.id}, {"host", d.host}, {"guest", d.guest},
                                        {"mode", d.writable ? "rw" : "ro"}});
    }
    std::string passed, unset;
    for (const std::string& name : w->second.env) {
      if (const char* value = std::getenv(name.c_str())) {
        o->env[name] = value;
        passed += (passed.empty() ? "" : ",") + name;
      } else {
        unset += (unset.empty() ? "" : ",") + name;
        std::fprintf(stderr, "warning: node `%s`: %s is not set, so component `%s` does not see it ([security.grants.%s] env)\n",
                     node.id.c_str(), name.c_str(), component.c_str(), component.c_str());
      }
    }
    if (audit_ && !w->second.env.empty())
      audit_->record("wasi.env", {{"component", component}, {"node", node.id}, {"names", passed}, {"unset", unset}});
  }
  if (audit_) {
    std::shared_ptr<security::AuditLog> audit = audit_;
    o->audit = [audit, component](std::string_view node_id, std::string_view capability, bool granted) {
      audit->record(granted ? "capability.granted" : "capability.denied",
                    {{"component", component}, {"node", std::string(node_id)}, {"capability", std::string(capability)}});
    };
  }
  return o;
}

Status Runtime::build_flow(const config::FlowDecl& decl, const RunOptions& options) {
  auto rf = std::make_unique<RunningFlow>();
  rf->name = decl.name;
  rf->streaming = std::make_unique<streaming::StreamingHost>(*pool_, ledger_);
  rf->streaming->define(rf->linker);
  rf->streaming->context().flow_id = decl.name;

  const config::RuntimeConfig& rt = config_.runtime;
  reactor::FlowOptions fo;
  fo.name = decl.name;
  fo.error_policy = to_reactor(decl.error_policy);
  fo.max_retries = decl.max_retries;
  fo.retry_backoff = std::chrono::milliseconds(decl.retry_backoff_ms);
  fo.low_watermark_ratio = rt.backpressure.low_watermark_ratio;
  fo.limit = options.limit;
  // Any duration parses; past ~146 years it is no timeout in practice, and the nanosecond
  // arithmetic below (flow-context's deadline = now + timeout) would overflow.
  const uint64_t timeout_ms = std::min<uint64_t>(decl.invocation_timeout_ms.value_or(rt.invocation_timeout_ms), kMaxInvocationTimeoutMs);
  fo.context = &rf->streaming->context();
  fo.invocation_timeout = std::chrono::milliseconds(timeout_ms);
  // runtime.max_batch bounds every batch call (with free queue credit); interp runs per element
  // (batching moves work into interpreted guest code: measured slower there, docs/batching.md).
  fo.max_batch = rt.engine == config::Engine::Interp ? 1 : rt.max_batch;
  rf->flow = std::make_unique<reactor::Flow>(fo, *pool_, ledger_);
  const resources::ReservationId reservation = reserve_buffers(decl, options);

  // Instantiate every node first: roles decide how --input/--output attach.
  struct Built {
    const config::NodeDecl* decl;
    std::unique_ptr<reactor::Stage> stage;
    reactor::Role role;
  };
  std::vector<Built> built;
  for (const config::NodeDecl& n : decl.nodes) {
    if (!n.connector.empty()) {
      // A built-in connector: connected and bound now, so that a flow that cannot reach its
      // server or stream fails before anything runs (its error code kept: E0932-E0935).
      auto c = connectors::make_connector(n, decl.name, *pool_, reservation);
      if (!c) return Error(c.error().code, "flow `" + decl.name + "`: " + c.error().message);
      reactor::Role role = c->stage->role();
      rf->connectors[n.id] = c->stats;
      built.push_back({&n, std::move(c->stage), role});
      continue;
    }
    // A node with its own memory cap gets an engine with that cap (the aot cache is shared on disk).
    auto lc = load_component(n.component, n.id, n.max_memory.value_or(rt.max_memory_per_component));
    if (!lc) {
      // A missing C compiler or an untrusted cache directory is the machine's doing: keep its
      // code so the command exits 3, not 1.
      Error e = build_error(decl.name, lc.error().message);
      if (lc.error().code == ErrorCode::EnvironmentError || lc.error().code == ErrorCode::UnsafeDirectory) e.code = lc.error().code;
      return e;
    }
    // Each node gets its own WASI host (capability-gated by its component's grants); a component
    // that imports no WASI simply never calls it.
    auto linker = std::make_unique<component::Linker>(rf->linker);
    rf->wasi.push_back(security::define_wasi(*linker, wasi_options(n)));
    auto inst = component::Instance::instantiate(**lc, *linker);
    rf->node_linkers.push_back(std::move(linker));
    if (!inst) return build_error(decl.name, "node `" + n.id + "` (" + n.component + "): " + inst.error().to_string());
    wasm::Store& store = (*inst)->store();
    store.set_fuel_per_invocation(n.fuel_budget.value_or(rt.fuel_per_invocation));
    if (timeout_ms) store.set_timeout(std::chrono::milliseconds(timeout_ms));
    std::optional<reactor::Role> want;
    if (!n.interface.empty()) {
      want = streaming::role_from_interface(n.interface);
      if (!want) return build_error(decl.name, "node `" + n.id + "`: interface `" + n.interface + "` is not a Torvyn role interface");
    }
    streaming::InstanceAccount account{pool_->register_owner(decl.name + "/" + n.id, buffer_budget(n), reservation), n.id};
    auto node = streaming::ComponentNode::bind(std::move(*inst), *rf->streaming, account, want);
    if (!node) return build_error(decl.name, "node `" + n.id + "`: " + node.error().message);
    if (auto up = tier_ups_.find(lc->get()); up != tier_ups_.end()) (*node)->move_when_ready(up->second);
    // On interp the batch forms are slower (the SDK's per-element loop runs interpreted instead of
    // in native host functions; docs/batching.md): per element there.
    const uint32_t max_batch = rt.engine == config::Engine::Interp ? 1 : rt.max_batch;
    (*node)->set_batch_limits({max_batch, n.fuel_budget.value_or(rt.fuel_per_invocation), std::chrono::milliseconds(timeout_ms)});
    reactor::Role role = (*node)->role();
    rf->component_of[n.id] = n.component;
    built.push_back({&n, std::move(*node), role});
  }

  // --input / --output: the built-in file stages, spliced into the graph (graph_splice.h).
  if (!options.input.empty()) {
    reactor::FileStageOptions io{options.input, options.input_chunk, options.input_content_type, reservation};
    auto src = reactor::FileSource::open(io, *pool_, decl.name + "/input");
    if (!src) return src.take_error();
    // First, so that the summary lists the stages in the order elements flow through them.
    built.insert(built.begin(), {nullptr, std::move(*src), reactor::Role::Source});
  }
  if (!options.output.empty()) {
    // Chunked input is raw bytes: the output then writes them as they are (no newline per
    // element), so `--input-chunk N --output F` round-trips a file exactly.
    reactor::FileStageOptions io{options.output, options.input_chunk, "", reservation};
    auto sink = reactor::FileSink::open(io, *pool_, decl.name + "/output");
    if (!sink) return sink.take_error();
    (*sink)->on_reader_gone([flow = rf->flow.get()] { flow->request_stop(); });
    rf->output = sink->get();
    built.push_back({nullptr, std::move(*sink), reactor::Role::Sink});
  }
  auto id_of = [](const auto& b) -> std::string { return b.decl ? b.decl->id : b.role == reactor::Role::Source ? kInputNode : kOutputNode; };
  std::vector<GraphNode> graph;
  for (auto& b : built) graph.push_back({id_of(b), b.role});
  auto spliced = splice_io(graph, decl.edges, !options.input.empty(), !options.output.empty());
  if (!spliced) return build_error(decl.name, spliced.error().message);

  std::map<std::string, size_t> index;
  for (auto& b : built) {
    std::string id = id_of(b);
    if (spliced->replaced.count(id)) continue;  // its stage is dropped; its edges re-point to input/output
    std::string config;
    if (b.decl) {
      config = b.decl->config;
      if (config.empty() && b.decl->connector.empty())
        if (const config::ComponentDecl* c = config_.find_component(b.decl->component)) config = c->config;
    }
    index[id] = rf->flow->add_node(id, std::move(b.stage), config);
  }
  uint32_t default_depth = decl.default_queue_depth.value_or(rt.backpressure.default_queue_depth);
  for (const SplicedEdge& e : spliced->edges) {
    reactor::EdgeOptions eo{default_depth, to_reactor(rt.backpressure.policy)};
    if (e.decl != SplicedEdge::kAdded) {
      const config::EdgeDecl& d = decl.edges[e.decl];
      eo = {d.queue_depth.value_or(default_depth), to_reactor(d.backpressure_policy.value_or(rt.backpressure.policy))};
    }
    rf->flow->add_edge(index[e.from], e.from_port, index[e.to], e.to_port, eo);
  }

  if (auto s = rf->flow->validate(); !s) return s;
  if (tracer_) {
    // Spans name components as a person would: a file:// reference by its file's stem.
    std::map<std::string, std::string> names = rf->component_of;
    for (auto& [node, ref] : names)
      if (ref.rfind("file://", 0) == 0) ref = fs::path(ref.substr(7)).stem().string();
    rf->flow->enable_tracing(tracer_, names);
  }
  flows_.push_back(std::move(rf));
  return {};
}

namespace {

FlowReport make_report(const Runtime::RunningFlow& rf, const resources::CopyLedger& ledger, const resources::BufferPool& pool);

}  // namespace

// Tiering's compiles wait for this (BackgroundCompiles::hold): a flow has delivered an element, or
// has ended (`a_worker_done`; a flow whose sinks get nothing must not hold them to the limit).
bool Runtime::first_element_out(bool a_worker_done) const {
  if (a_worker_done) return true;
  for (const auto& f : flows_)
    if (f->flow->stats().elements_delivered.get() > 0) return true;
  return false;
}

std::vector<FlowReport> Runtime::run(const std::atomic<bool>& stop, const RunOptions& options) {
  size_t threads = std::max<size_t>(1, std::min<size_t>(config_.runtime.worker_threads, flows_.size()));
  Clock::time_point begin = Clock::now();
  Clock::time_point warm_end = options.warmup.count() ? begin + options.warmup : Clock::time_point{};
  Clock::time_point deadline = options.timeout.count() ? begin + options.warmup + options.timeout : Clock::time_point::max();
  // Set by this thread, which supervises while the workers run, when a signal or the deadline asks
  // the flows to stop. The watchdog reads it too: a guest that never returns cannot let its worker
  // see the stop, so the watchdog interrupts it after kStopGrace (the element fails per the flow's
  // error policy and the rest drains).
  std::atomic<bool> stopping_all{false};
  wasm::StopInterrupts interrupts(stopping_all, kStopGrace);
  std::atomic<size_t> workers_left{threads};
  // Each worker runs its share of the flows with the reactor's one executor loop (the loop
  // Flow::run and pipeline_bench run too); the warm-up snapshot is taken at the start of a turn.
  std::vector<std::unique_ptr<reactor::Executor>> executors;
  for (size_t w = 0; w < threads; ++w) executors.push_back(std::make_unique<reactor::Executor>());
  auto worker = [&](size_t w) {
    reactor::Executor& executor = *executors[w];
    std::map<const reactor::Flow*, RunningFlow*> running;
    for (size_t i = w; i < flows_.size(); i += threads) {
      RunningFlow* f = flows_[i].get();
      f->started = true;
      running[f->flow.get()] = f;
      executor.add(*f->flow);
    }
    if (warm_end != Clock::time_point{}) {
      bool warmed = false;
      executor.on_turn([&](const std::vector<reactor::Flow*>& active) {
        if (warmed || Clock::now() < warm_end) return;
        warmed = true;  // the measured window starts: each running flow's counters now
        for (reactor::Flow* f : active)
          running[f]->warm = std::make_shared<const FlowCounters>(freeze(snapshot_flow(*running[f], ledger_, *pool_), Clock::now()));
      });
    }
    executor.run(&stopping_all);
  };
  std::vector<std::thread> pool;
  for (size_t w = 0; w < threads; ++w)
    pool.emplace_back([&, w] {
      worker(w);
      workers_left.fetch_sub(1, std::memory_order_release);
    });
  while (workers_left.load(std::memory_order_acquire) > 0) {
    if (compiles_ && compiles_->held() && first_element_out(workers_left.load(std::memory_order_relaxed) < threads)) compiles_->release();
    if (!stopping_all.load(std::memory_order_relaxed) && (stop.load(std::memory_order_relaxed) || Clock::now() >= deadline)) {
      stopping_all.store(true, std::memory_order_relaxed);
      for (auto& e : executors) e->wake();  // a worker napping sees the stop at once
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  for (auto& t : pool) t.join();
  // Compiles for nodes that no longer run: stopped (and their progress lines ended) before the summary.
  if (compiles_) compiles_->stop();
  // Every span of the run reaches the exporter before the run is reported.
  if (tracer_) tracer_->shutdown();
  std::vector<FlowReport> reports;
  for (const auto& f : flows_) {
    reports.push_back(make_report(*f, ledger_, *pool_));
    if (const Error* failure = f->flow->failure(); failure && !f->flow->failed_node().empty())
      if (const config::FlowDecl* decl = config_.find_flow(f->name))
        reports.back().help = limit_help(config_, *decl, f->flow->failed_node(), failure->code);
    if (reports.back().tracing) reports.back().tracing->exporter = std::string(tracer_->exporter_name());
  }
  return reports;
}

namespace {

// The report of the measured window: the flow's counters at its end minus those at the end of
// its warm-up (or at its start).
FlowReport make_report(const Runtime::RunningFlow& rf, const resources::CopyLedger& ledger, const resources::BufferPool& pool) {
  const reactor::Flow& flow = *rf.flow;
  const reactor::FlowStats& s = flow.stats();
  const observability::FlowSnapshot now = snapshot_flow(rf, ledger, pool);
  const FlowCounters end = freeze(now, Clock::now());
  const FlowCounters start = rf.warm ? *rf.warm : FlowCounters{};
  auto minus = [](uint64_t a, uint64_t b) { return a >= b ? a - b : 0; };
  FlowReport r;
  r.name = rf.name;
  r.state = std::string(reactor::flow_state_name(flow.state()));
  if (flow.failure()) r.error = flow.failure()->to_string();
  Clock::time_point from = rf.warm ? rf.warm->at : s.started;
  r.seconds = s.finished > from ? std::chrono::duration<double>(s.finished - from).count() : 0;
  if (rf.warm && rf.warm->at > s.started) r.warmup_seconds = std::chrono::duration<double>(rf.warm->at - s.started).count();
  r.produced = minus(end.produced, start.produced);
  r.delivered = minus(end.delivered, start.delivered);
  r.dropped = minus(end.dropped, start.dropped);
  r.errors = minus(end.errors, start.errors);
  r.retries = minus(end.retries, start.retries);
  r.reclaimed_buffers = s.reclaimed_buffers.get();
  r.throughput = r.seconds > 0 ? static_cast<double>(r.delivered) / r.seconds : 0;
  HistogramCounts latency = end.latency.since(start.latency);
  r.latency_p50_ns = latency.quantile(0.5);
  r.latency_p90_ns = latency.quantile(0.9);
  r.latency_p99_ns = latency.quantile(0.99);
  r.latency_p999_ns = latency.quantile(0.999);
  r.latency_max_ns = latency.max;
  if (std::optional<observability::TracerStats> t = flow.trace_stats())
    r.tracing = TracingReport{"", t->elements_kept, t->elements_promoted, t->spans_exported, t->spans_failed, t->spans_dropped, t->traces_dropped};
  size_t i = 0;
  for (const auto& n : flow.nodes()) {
    const FlowCounters::Stage& e = end.stages[i];
    const FlowCounters::Stage b = i < start.stages.size() ? start.stages[i] : FlowCounters::Stage{};
    const observability::StageSnapshot& seen = now.stages[i];
    ++i;
    StageReport st;
    st.node = seen.node;
    st.component = seen.component;
    st.role = seen.role;
    st.invocations = minus(e.invocations, b.invocations);
    st.errors = minus(e.errors, b.errors);
    st.elements_in = minus(e.elements_in, b.elements_in);
    st.elements_out = minus(e.elements_out, b.elements_out);
    st.dropped = minus(e.dropped, b.dropped);
    HistogramCounts processing = e.processing.since(b.processing);
    st.p50_ns = processing.quantile(0.5);
    st.p99_ns = processing.quantile(0.99);
    st.copies = minus(e.copies, b.copies);
    st.copy_bytes = minus(e.copy_bytes, b.copy_bytes);
    st.engine = seen.engine;
    const auto* cn = dynamic_cast<const streaming::ComponentNode*>(n.stage);
    if (const streaming::TierMove* m = cn ? &cn->tier_move() : nullptr; m && m->tiered)
      st.tiering = TieringReport{m->moved, m->calls_before, m->move_ns, m->done ? m->error : "the aot compile had not finished"};
    r.copies += st.copies;
    r.copy_bytes += st.copy_bytes;
    r.stages.push_back(std::move(st));
  }
  // Elements the --output sink took after its reader closed the pipe were not delivered.
  if (rf.output && rf.output->discarded()) {
    const uint64_t d = std::min(rf.output->discarded(), r.delivered);
    r.delivered -= d;
    r.dropped += d;
    r.output_discarded = d;
    for (StageReport& st : r.stages)
      if (st.node == "output") st.dropped += d;
  }
  for (i = 0; i < now.streams.size(); ++i) {
    const FlowCounters::Queue& e = end.queues[i];
    const FlowCounters::Queue b = i < start.queues.size() ? start.queues[i] : FlowCounters::Queue{};
    const observability::StreamSnapshot& seen = now.streams[i];
    QueueReport q;
    q.from = seen.from;
    q.to = seen.to;
    q.capacity = seen.capacity;
    q.peak_depth = seen.peak_depth;
    q.backpressure_events = minus(e.backpressure_events, b.backpressure_events);
    q.backpressure_ns = minus(e.backpressure_ns, b.backpressure_ns);
    q.dropped = minus(e.dropped, b.dropped);
    r.peak_queue_depth = std::max(r.peak_queue_depth, q.peak_depth);
    r.backpressure_events += q.backpressure_events;
    r.backpressure_ns += q.backpressure_ns;
    r.queues.push_back(std::move(q));
  }
  return r;
}

}  // namespace

}  // namespace torvyn::host
