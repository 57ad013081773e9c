// The Torvyn.toml model and its loader.
//
// Loading layers the sources in precedence order (highest first):
//   --config KEY=VALUE overrides  >  TORVYN_<SECTION>_<KEY> env  >  project file  >  user config  >  defaults
// Overrides and env values are written into the parsed TOML tree *before* validation, so a value from
// the command line is checked exactly like one from the file; their diagnostics point at
// "command line" / "environment" instead of a line. String values in files may use ${VAR} and
// ${VAR:-default}; `$${` is a literal `${`.
//
// Every problem becomes a Diagnostic (file, line:column, key, expected, found, help). Loading never
// stops at the first error: it collects everything it can. `LoadResult::config` is set only when no
// error was found (warnings, e.g. unknown keys, do not block it).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "torvyn/base/diagnostic.h"

namespace torvyn::config {

enum class Engine { Aot, Interp };
enum class BackpressurePolicy { BlockProducer, DropOldest, DropNewest, Error };  // "block-producer"|"drop-oldest"|"drop-newest"|"error"
enum class ErrorPolicy { FailFast, Skip, Retry };                               // "fail-fast"|"skip"|"retry"
enum class TracingLevel { Off, Production, Diagnostic };                        // "off"|"production"|"diagnostic"
enum class TracingExporter { OtlpGrpc, OtlpHttp, Stdout, File, None };         // "otlp-grpc"|"otlp-http"|"stdout"|"file"|"none"

struct ProjectInfo {
  std::string name, version, contract_version, description;
};

struct ComponentDecl {
  std::string name;
  std::string path;       // absolute (relative paths are resolved against the manifest's directory)
  std::string language;
  std::string world;      // WIT world `torvyn build` targets ("" = inferred from the flows' interfaces)
  bool wasi = false;      // build against wasi-libc (a WASI reactor) instead of freestanding
  std::string config;     // JSON text ("" when absent); a TOML table is serialised to JSON
  // Byte budget for the pool buffers each instance holds (0 = unlimited; unset = a fair share).
  std::optional<uint64_t> max_buffer_bytes;
  SourceLocation where;
  std::string path_text;  // `path` exactly as written
};

// A built-in connector node: `nodes.<id> = { connector = "nats-jetstream", config = { ... } }`. The
// host implements it (src/connectors/); its role follows from its edges: a node with outgoing
// edges only is a source, one with incoming edges only a sink.
enum class ConnectorRole { None, Source, Sink };

// `connector = "nats-jetstream"`: a JetStream durable pull consumer (source) or publisher (sink).
struct NatsConnectorConfig {
  std::string url = "nats://127.0.0.1:4222";
  std::string stream;          // source: required (the stream the durable consumer reads); sink: optional, checked to exist
  std::string subject;         // source: the consumer's filter subject ("" = the whole stream); sink: required
  std::string durable;         // source: required (the durable consumer's name, shared by every instance)
  uint32_t batch = 64;         // source: most messages per fetch (the free credit of its output bounds it too)
  uint64_t ack_wait_ms = 30000;  // source: redelivery after this long without an ack (the consumer's AckWait)
  uint64_t timeout_ms = 5000;    // connect, JetStream API requests, publish acknowledgements
  std::string content_type = "application/octet-stream";  // source: the elements' content type
};

struct NodeDecl {
  std::string id;
  std::string connector;  // "" = a component node; "nats-jetstream" = a built-in connector
  ConnectorRole connector_role = ConnectorRole::None;
  std::optional<NatsConnectorConfig> nats;
  // "<component name>" | "file:///abs/x.wasm" (a relative file:// path is resolved against the
  // manifest's directory) | "oci://registry/repo:tag"
  std::string component;
  std::string interface;  // e.g. "torvyn:streaming/processor"; "" = inferred from the component
  std::string config;     // JSON text; "" = the component's own config (or none)
  std::optional<uint64_t> fuel_budget;
  std::optional<uint64_t> max_memory;  // bytes
  std::optional<uint64_t> max_buffer_bytes;  // overrides the component's (0 = unlimited)
  int priority = 0;
  SourceLocation where;
};

struct PortRef {
  std::string node;
  std::string port;  // "" = default port
};

struct EdgeDecl {
  PortRef from, to;
  std::optional<uint32_t> queue_depth;
  std::optional<BackpressurePolicy> backpressure_policy;
  SourceLocation where;
};

struct FlowDecl {
  std::string name, description;
  std::optional<uint32_t> default_queue_depth;
  std::vector<NodeDecl> nodes;  // file order
  std::vector<EdgeDecl> edges;
  ErrorPolicy error_policy = ErrorPolicy::FailFast;
  uint32_t max_retries = 3;
  uint64_t retry_backoff_ms = 10;
  std::optional<uint64_t> invocation_timeout_ms;  // 0 = no timeout for this flow
  SourceLocation where;

  const NodeDecl* find_node(std::string_view id) const;
};

struct BackpressureConfig {
  uint32_t default_queue_depth = 64;
  BackpressurePolicy policy = BackpressurePolicy::BlockProducer;  // key: backpressure_policy
  double low_watermark_ratio = 0.5;
};

// Counts of pre-allocated 4 KiB / 64 KiB / 1 MiB buffers (≈1/4/16 MiB), and the byte cap for
// on-demand huge (>1 MiB) buffers (key `huge`, a size; 0 = no huge buffers).
struct PoolConfig {
  uint32_t small = 256;
  uint32_t medium = 64;
  uint32_t large = 16;
  uint64_t huge_bytes = 32ull << 20;
};

struct RuntimeConfig {
  uint32_t worker_threads = 1;
  uint64_t max_memory_per_component = 64ull << 20;
  uint64_t fuel_per_invocation = 1000000;
  uint64_t invocation_timeout_ms = 5000;  // key `invocation_timeout`; 0 = no wall-clock timeout
  std::string compilation_cache_dir;      // "" = default $XDG_CACHE_HOME/torvyn or ~/.cache/torvyn
  Engine engine = Engine::Aot;
  // Elements per call of a component's batch form (torvyn:batching, docs/batching.md): 1..4096;
  // 1 = per element (the batch forms are not used).
  uint32_t max_batch = 64;
  // With engine = "aot": a component the compile cache does not hold yet starts on the interpreter
  // while it compiles in the background, and each of its nodes moves to the compiled code at an
  // element boundary (docs/tiering.md). Off: the run waits for the compile.
  bool tiering = false;
  BackpressureConfig backpressure;
  PoolConfig pools;
};

struct TracingConfig {
  TracingLevel level = TracingLevel::Off;
  TracingExporter exporter = TracingExporter::None;  // key: tracing_exporter
  std::string endpoint;                              // key: tracing_endpoint
  double sample_rate = 1.0;
  bool error_promote = true;
  double latency_promote_threshold_ms = 0;  // 0 = no latency promotion
  std::string file;                         // the "file" exporter's output path
};

struct ObservabilityConfig {
  bool metrics_enabled = true;
  bool prometheus_enabled = false;
  std::string metrics_level = "production";  // "off"|"production"|"diagnostic"
  TracingConfig tracing;
};

struct SecurityConfig {
  std::string default_capability_policy = "deny-all";  // "deny-all"|"allow-all"
  bool audit_enabled = false;
  std::string audit_log;  // "" = the host's default
  // oci:// components must carry a cosign signature that one of `trusted_keys` (public key files,
  // absolute after loading) verifies for their manifest digest, or they are refused before they
  // are instantiated.
  bool require_signatures = false;
  std::vector<std::string> trusted_keys;
  std::map<std::string, std::vector<std::string>> grants;  // component -> capabilities
  // [security.grants.<component>] dirs / env: what the WASI host shows the component. Only
  // components that set either key have an entry.
  struct GrantedDir {
    std::string host;        // absolute path of an existing directory
    std::string guest;       // absolute path the guest sees, e.g. "/data" (normalised)
    bool writable = false;   // mode = "rw" (else "ro")
    SourceLocation where;
  };
  struct WasiGrant {
    std::vector<GrantedDir> dirs;  // preopened directories (need "wasi:filesystem")
    std::vector<std::string> env;  // names of host environment variables (need "wasi:cli/environment")
  };
  std::map<std::string, WasiGrant> wasi;  // component -> dirs and env
};

struct InspectionConfig {
  bool enabled = true;
  std::string socket;  // "" = $TORVYN_STATE_DIR/torvyn.sock
  std::string tcp;     // "127.0.0.1:7878" or ""; when set, `token` is required
  std::string token;
  // A non-loopback `tcp` address is refused unless this says remote access is intended.
  bool allow_remote = false;
};

// [registry."HOST[:PORT]"]: how oci:// components on that registry are fetched by run, check,
// link, build and lock (the registry commands' --plain-http / --ca-file take precedence there).
struct RegistryDecl {
  std::string host;         // the key as written: "registry.example.com", "127.0.0.1:5000"
  bool plain_http = false;  // http:// instead of https:// (loopback hosts only)
  std::string ca_file;      // PEM CA certificates to verify it with ("" = the system's), absolute
  SourceLocation where;
};

struct Config {
  ProjectInfo project;
  std::vector<ComponentDecl> components;
  std::vector<FlowDecl> flows;  // file order
  RuntimeConfig runtime;
  ObservabilityConfig observability;
  SecurityConfig security;
  InspectionConfig inspection;
  std::vector<RegistryDecl> registries;
  std::filesystem::path manifest_path;
  std::filesystem::path project_dir;
  std::string state_dir;  // TORVYN_STATE_DIR or $XDG_RUNTIME_DIR/torvyn or /tmp/torvyn-<uid>

  const ComponentDecl* find_component(std::string_view name) const;
  const FlowDecl* find_flow(std::string_view name) const;
  const RegistryDecl* find_registry(std::string_view host) const;
};

struct LoadOptions {
  // --config KEY=VALUE, dotted keys (e.g. "runtime.worker_threads", "flow.main.nodes.src.fuel_budget",
  // "component.<name>.path"), highest precedence.
  std::vector<std::pair<std::string, std::string>> overrides;
  // The environment (TORVYN_* overrides, ${VAR} interpolation, XDG paths). When empty and
  // use_process_env is true, the process environment is used.
  std::map<std::string, std::string> env;
  bool use_process_env = true;
  // "" = $XDG_CONFIG_HOME/torvyn/config.toml (or ~/.config/torvyn/config.toml) if it exists.
  // A user config may set [runtime], [observability], [security], [inspection] and [registry].
  std::filesystem::path user_config;
};

struct LoadResult {
  std::optional<Config> config;         // set when there is no error
  std::vector<Diagnostic> diagnostics;  // errors and warnings
  std::string source;                   // manifest text, for render_human carets
  // The text of every file a diagnostic may point into (manifest and user config), by the name
  // used in Diagnostic::location.file.
  std::map<std::string, std::string> sources;

  bool ok() const { return config.has_value(); }
  // The text to pass to render_human for `d` ("" when it points at no file we read).
  const std::string& source_for(const Diagnostic& d) const;
};

LoadResult load(const std::filesystem::path& manifest, const LoadOptions& opts = {});
LoadResult parse(std::string_view text, const std::string& file_name, const LoadOptions& opts = {});

// "64MiB", "4KiB", "1GiB", "512" (bytes), "16MB" (decimal), "1.5GiB", "64M" (binary), "64 MiB".
std::optional<uint64_t> parse_size(std::string_view text);
// "5s", "250ms", "2m", "1h", "1m30s", "1.5s", "500" (milliseconds).
std::optional<uint64_t> parse_duration_ms(std::string_view text);

std::string to_string(Engine);
std::string to_string(BackpressurePolicy);
std::string to_string(ErrorPolicy);
std::string to_string(TracingLevel);
std::string to_string(TracingExporter);
std::optional<Engine> parse_engine(std::string_view);
std::optional<BackpressurePolicy> parse_backpressure_policy(std::string_view);
std::optional<ErrorPolicy> parse_error_policy(std::string_view);
std::optional<TracingLevel> parse_tracing_level(std::string_view);
std::optional<TracingExporter> parse_tracing_exporter(std::string_view);

}  // namespace torvyn::config
