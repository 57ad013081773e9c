// The manifest validator (validator.h): the sections other than flows: [torvyn], [[component]],
// [runtime], [observability], [security] (grants), [[registry]] and [inspection].
#include "validator.h"

namespace torvyn::config::detail {

bool Validator::is_version(std::string_view v) {
  // MAJOR.MINOR[.PATCH][-pre][+build]
  size_t i = 0, parts = 0;
  while (true) {
    size_t start = i;
    while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) ++i;
    if (i == start) return false;
    ++parts;
    if (i < v.size() && v[i] == '.' && parts < 3) {
      ++i;
      continue;
    }
    break;
  }
  if (parts < 2) return false;
  if (i == v.size()) return true;
  if (v[i] != '-' && v[i] != '+') return false;
  for (size_t j = i + 1; j < v.size(); ++j)
    if (!(std::isalnum(static_cast<unsigned char>(v[j])) || v[j] == '.' || v[j] == '-' || v[j] == '+')) return false;
  return i + 1 < v.size();
}

void Validator::read_project(const Section& s, const toml::table& root, ProjectInfo& p) {
  if (!s.t) {
    if (!root.get("torvyn"))  // absent (when it is not a table, sub() has said so)
      error(ErrorCode::ConfigMissingKey, nullptr, "torvyn.name", "missing required section [torvyn]",
              "a [torvyn] section with at least `name`", "nothing",
              "add a [torvyn] section at the top of the file with name = \"my-pipeline\"");
    return;
  }
  if (auto v = get_string(s, "name")) {
    if (v->empty())
      error(ErrorCode::ConfigInvalidValue, s.get("name"), "torvyn.name", "`torvyn.name` is empty",
            "a non-empty project name", "\"\" (string)", "name the project, e.g. name = \"my-pipeline\"");
    p.name = *v;
  } else if (!s.get("name")) {
    missing(s, s.t, "name", " (the project name)", "add `name = \"my-pipeline\"` to [torvyn]");
  }
  for (std::string_view key : {"version", "contract_version"}) {
    if (auto v = get_string(s, key)) {
      if (!is_version(*v))
        error(ErrorCode::ConfigInvalidValue, s.get(key), join_key("torvyn", key),
              "`torvyn." + std::string(key) + "` is not a version", "a version such as \"0.1.0\"",
              describe_found(*s.get(key)), "write MAJOR.MINOR.PATCH, e.g. \"0.1.0\"");
      (key == "version" ? p.version : p.contract_version) = *v;
    }
  }
  if (auto v = get_string(s, "description")) p.description = *v;
}

bool Validator::is_component_name(std::string_view n) {
  if (n.empty()) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

void Validator::read_components(const toml::table& root, std::vector<ComponentDecl>& out) {
  const toml::node* n = root.get("component");
  if (!n) return;
  const SectionDef* def = find_section("component[]");
  const toml::array* arr = n->as_array();
  if (!arr) {
    error(ErrorCode::ConfigWrongType, n, "component", "`component` must be an array of tables",
          "an array of tables ([[component]])", describe_found(*n),
          "declare each component under its own [[component]] header (double brackets)");
    return;
  }
  std::map<std::string, const toml::node*> seen;
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::node& e = (*arr)[i];
    const std::string key = "component[" + std::to_string(i) + "]";
    if (!e.is_table()) {
      error(ErrorCode::ConfigWrongType, &e, key, "`" + key + "` must be a table", "a table ([[component]])",
            describe_found(e), "declare each component under its own [[component]] header");
      continue;
    }
    Section s{e.as_table(), key, def};
    check_keys(s);
    ComponentDecl c;
    c.where = cx_.where(&e);
    if (auto v = get_string(s, "name")) {
      if (!is_component_name(*v)) {
        error(ErrorCode::ConfigInvalidValue, s.get("name"), key + ".name", "`" + key + ".name` is not a valid name",
              "letters, digits, `-`, `_` and `.`", describe_found(*s.get("name")),
              "rename it, e.g. \"my-processor\"");
      } else if (auto it = seen.find(*v); it != seen.end()) {
        SourceLocation first = cx_.where(it->second);
        error(ErrorCode::ConfigDuplicate, s.get("name"), key + ".name", "component `" + *v + "` is declared twice",
              "a name not used by another [[component]]", describe_found(*s.get("name")),
              "rename one of them or remove the duplicate")
            .notes.push_back("first declared at " + first.file + ":" + std::to_string(first.line) + ":" +
                             std::to_string(first.column));
      } else {
        seen.emplace(*v, s.get("name"));
      }
      c.name = *v;
    } else if (!s.get("name")) {
      missing(s, &e, "name", "", "add `name = \"...\"` to this [[component]]; flow nodes refer to it by name");
    }
    if (auto v = get_string(s, "path")) {
      c.path_text = *v;
      if (v->empty()) {
        error(ErrorCode::ConfigInvalidValue, s.get("path"), key + ".path", "`" + key + ".path` is empty",
              "the path of the component's .wasm file or source directory", "\"\" (string)",
              "e.g. path = \"components/my-processor\" or \"my-processor.wasm\"");
      } else if (starts_with(*v, "oci://")) {
        c.path = *v;
      } else {
        std::string p = starts_with(*v, "file://") ? v->substr(7) : *v;
        c.path = resolve_path(s.get("path"), p);
      }
    } else if (!s.get("path")) {
      missing(s, &e, "path", "",
              "add `path = \"...\"`: the component's .wasm file or source directory, relative to Torvyn.toml");
    }
    if (auto v = get_string(s, "language")) c.language = *v;
    if (auto v = get_string(s, "world")) c.world = *v;
    if (auto v = get_bool(s, "wasi")) c.wasi = *v;
    if (auto v = get_size(s, "max_buffer_bytes", kSmallBuffer, kMaxBufferBudget, /*zero_ok=*/true)) c.max_buffer_bytes = *v;
    if (auto v = get_json(s, "config")) c.config = *v;
    out.push_back(std::move(c));
  }
}

void Validator::read_runtime(const Section& s, RuntimeConfig& r) {
  if (auto v = get_int(s, "worker_threads", 1, 1024, "use at least 1 thread (the number of CPU cores available is "
                                                     "a good choice), at most 1024"))
    r.worker_threads = static_cast<uint32_t>(*v);
  if (auto v = get_size(s, "max_memory_per_component", kWasmPage, kMaxWasm32Memory)) r.max_memory_per_component = *v;
  if (auto v = get_int(s, "fuel_per_invocation", 1, kI64Max)) r.fuel_per_invocation = static_cast<uint64_t>(*v);
  if (auto v = get_duration(s, "invocation_timeout")) r.invocation_timeout_ms = *v;
  if (auto v = get_path(s, "compilation_cache_dir")) r.compilation_cache_dir = *v;
  if (auto v = get_enum<Engine>(s, "engine", parse_engine)) r.engine = *v;
  // The upper bound is torvyn::streaming::kMaxBatch (the config layer does not depend on it).
  if (auto v = get_int(s, "max_batch", 1, 4096, "use 1 to call components once per element, or up to 4096 elements per batch call "
                                                "(64 is the default)"))
    r.max_batch = static_cast<uint32_t>(*v);
  if (auto v = get_bool(s, "tiering")) r.tiering = *v;

  Section bp = sub(s, "backpressure");
  if (auto v = get_int(bp, "default_queue_depth", 1, kMaxQueueDepth))
    r.backpressure.default_queue_depth = static_cast<uint32_t>(*v);
  if (auto v = get_enum<BackpressurePolicy>(bp, "backpressure_policy", parse_backpressure_policy))
    r.backpressure.policy = *v;
  if (auto v = get_float(bp, "low_watermark_ratio", {0, 1, true, true, "a number greater than 0 and less than 1"}))
    r.backpressure.low_watermark_ratio = *v;

  Section pools = sub(s, "pools");
  for (auto [key, field] : {std::pair{"small", &r.pools.small}, std::pair{"medium", &r.pools.medium},
                            std::pair{"large", &r.pools.large}})
    if (auto v = get_int(pools, key, 0, 1'000'000)) *field = static_cast<uint32_t>(*v);
  if (auto v = get_size(pools, "huge", 1ull << 20, 1ull << 40, /*zero_ok=*/true)) r.pools.huge_bytes = *v;
}

void Validator::read_observability(const Section& s, ObservabilityConfig& o) {
  if (auto v = get_bool(s, "metrics_enabled")) o.metrics_enabled = *v;
  if (auto v = get_bool(s, "prometheus_enabled")) o.prometheus_enabled = *v;
  if (auto v = get_choice(s, "metrics_level")) o.metrics_level = *v;
  if (o.prometheus_enabled && !o.metrics_enabled)
    error(ErrorCode::ConfigInvalidValue, s.get("prometheus_enabled"), "observability.prometheus_enabled",
          "Prometheus export is enabled but metrics are disabled, so /metrics will be empty",
          "metrics_enabled = true when prometheus_enabled = true", "metrics_enabled = false",
          "set observability.metrics_enabled = true", Severity::Warning);

  Section t = sub(s, "tracing");
  TracingConfig& tr = o.tracing;
  if (auto v = get_enum<TracingLevel>(t, "level", parse_tracing_level)) tr.level = *v;
  if (auto v = get_enum<TracingExporter>(t, "tracing_exporter", parse_tracing_exporter)) tr.exporter = *v;
  if (auto v = get_string(t, "tracing_endpoint")) tr.endpoint = *v;
  if (auto v = get_float(t, "sample_rate", {0, 1, false, false, "a number from 0 to 1"})) tr.sample_rate = *v;
  if (auto v = get_bool(t, "error_promote")) tr.error_promote = *v;
  if (auto v = get_float(t, "latency_promote_threshold_ms",
                         {0, std::numeric_limits<double>::max(), false, false, "a number of at least 0"}))
    tr.latency_promote_threshold_ms = *v;
  if (auto v = get_path(t, "file")) tr.file = *v;

  if (tr.exporter == TracingExporter::File && tr.file.empty())
    missing(t, t.get("tracing_exporter"), "file", " (the \"file\" exporter writes there)",
            "add `file = \"traces.jsonl\"` to [observability.tracing]");
  if ((tr.exporter == TracingExporter::OtlpGrpc || tr.exporter == TracingExporter::OtlpHttp) && !tr.endpoint.empty() &&
      !starts_with(tr.endpoint, "http://") && !starts_with(tr.endpoint, "https://"))
    error(ErrorCode::ConfigInvalidValue, t.get("tracing_endpoint"), "observability.tracing.tracing_endpoint",
          "`observability.tracing.tracing_endpoint` is not an http(s) URL", "a URL such as \"http://collector:4317\"",
          describe_found(*t.get("tracing_endpoint")), "write the collector's URL with its scheme, e.g. "
          "\"http://your-otel-collector:4317\"");
}

void Validator::read_security(const Section& s, SecurityConfig& sec) {
  if (auto v = get_choice(s, "default_capability_policy")) sec.default_capability_policy = *v;
  if (auto v = get_bool(s, "audit_enabled")) sec.audit_enabled = *v;
  if (auto v = get_path(s, "audit_log")) sec.audit_log = *v;
  if (auto v = get_bool(s, "require_signatures")) sec.require_signatures = *v;
  if (auto v = get_string_list(s, "trusted_keys")) {
    for (size_t i = 0; i < v->size(); ++i) {
      const toml::node* at = s.get("trusted_keys");
      if (const toml::array* a = at ? at->as_array() : nullptr; a && i < a->size()) at = &(*a)[i];
      sec.trusted_keys.push_back(resolve_path(at, (*v)[i]));
    }
  }
  // Requiring signatures with no key to check them against would refuse every oci:// component.
  if (sec.require_signatures && sec.trusted_keys.empty() && s.get("require_signatures"))
    error(ErrorCode::ConfigMissingKey, s.get("require_signatures"), "security.trusted_keys",
          "`security.require_signatures` is true but `security.trusted_keys` names no public key", "trusted_keys = [\"path/to/signer.pub\", ...]",
          "no trusted_keys", "add the public keys of the signers you trust (torvyn key generate writes PREFIX.pub)");
  Section grants = sub(s, "grants");
  if (!grants.t) return;
  for (auto&& [k, v] : *grants.t) {
    const std::string key = join_key(grants.key, k.str());
    if (!v.is_table()) {
      error(ErrorCode::ConfigWrongType, &v, key, "`" + key + "` must be a table",
            "a table ([security.grants.<component>])", describe_found(v),
            "write [security.grants." + std::string(k.str()) + "] with capabilities = [...]");
      continue;
    }
    Section g = sub(grants, k.str());
    std::vector<std::string> caps;
    if (auto v2 = get_string_list(g, "capabilities")) caps = *v2;
    read_wasi_grant(g, std::string(k.str()), caps, sec);
    sec.grants[std::string(k.str())] = std::move(caps);
    grant_keys_.push_back({&k, &v, key});
  }
}

void Validator::read_wasi_grant(const Section& g, const std::string& component, const std::vector<std::string>& caps,
                                SecurityConfig& sec) {
  auto granted = [&](std::initializer_list<std::string_view> names) {
    if (sec.default_capability_policy == "allow-all") return true;
    for (const std::string& c : caps)
      for (std::string_view n : names)
        if (c == n) return true;
    return false;
  };
  auto need = [&](const toml::node* at, std::string_view key_name, std::string_view capability, std::string what) {
    const std::string key = join_key(g.key, key_name);
    const toml::node* c = g.get("capabilities");
    error(ErrorCode::ConfigInvalidValue, at, key,
          "`" + key + "` " + what + ", but `" + join_key(g.key, "capabilities") + "` does not grant \"" +
              std::string(capability) + "\"",
          "\"" + std::string(capability) + "\" in capabilities", c ? describe_found(*c) : "no capabilities",
          "add \"" + std::string(capability) + "\" to capabilities in [security.grants." + component +
              "] (without it the component sees none of this)");
  };
  SecurityConfig::WasiGrant w;
  bool any = g.get("dirs") != nullptr;
  std::map<std::string, const toml::node*> guests;  // each directory's guest path, once
  const toml::array* dirs = table_array(g, "dirs", "security.grants.*.dirs[]", "{ host = \"...\", guest = \"/data\", mode = \"ro\" }",
                                        "write each directory as an inline table, e.g. { host = \"data\", guest = \"/data\", mode = \"ro\" }",
                                        [&](const Section& d) {
                                          check_keys(d);
                                          if (auto dir = read_granted_dir(d, guests)) w.dirs.push_back(std::move(*dir));
                                        });
  if (dirs && !dirs->empty() && !granted({"wasi:filesystem"})) need(dirs, "dirs", "wasi:filesystem", "preopens directories");
  if (auto env = get_string_list(g, "env")) {
    any = true;
    const toml::array* arr = g.get("env")->as_array();
    for (size_t i = 0; i < env->size(); ++i) {
      const std::string& name = (*env)[i];
      if (name.find('=') == std::string::npos && name.find('\0') == std::string::npos) continue;
      const std::string key = join_key(g.key, "env") + "[" + std::to_string(i) + "]";
      error(ErrorCode::ConfigInvalidValue, arr->get(i), key, "`" + key + "` is not an environment variable name",
            "a variable name without `=`", describe_found(*arr->get(i)),
            "list names only; the values are taken from the host's environment when the flow starts");
    }
    if (!env->empty() && !granted({"wasi:cli/environment", "wasi:cli"}))
      need(g.get("env"), "env", "wasi:cli/environment", "passes environment variables");
    w.env = std::move(*env);
  } else if (g.get("env")) {
    any = true;
  }
  if (any) sec.wasi[component] = std::move(w);
}

std::optional<SecurityConfig::GrantedDir> Validator::read_granted_dir(const Section& d, std::map<std::string, const toml::node*>& guests) {
  SecurityConfig::GrantedDir out;
  out.where = cx_.where(d.t);
  bool ok = true;
  if (auto v = get_string(d, "host")) {
    const toml::node* at = d.get("host");
    const std::string key = join_key(d.key, "host");
    if (v->empty() || v->find('\0') != std::string::npos) {
      error(ErrorCode::ConfigInvalidValue, at, key, "`" + key + "` is not a path", "the path of an existing directory",
            describe_found(*at), "write the directory to show the component, absolute or relative to Torvyn.toml");
      ok = false;
    } else {
      out.host = resolve_path(at, *v);
      std::error_code ec;
      std::filesystem::file_status st = std::filesystem::status(out.host, ec);
      if (!std::filesystem::exists(st)) {
        error(ErrorCode::ConfigInvalidValue, at, key, "`" + key + "`: directory " + out.host + " does not exist",
              "an existing directory", describe_found(*at),
              "create it (mkdir -p " + out.host + ") or fix the path (a relative path is resolved against the "
              "directory of Torvyn.toml)");
        ok = false;
      } else if (!std::filesystem::is_directory(st)) {
        error(ErrorCode::ConfigInvalidValue, at, key, "`" + key + "`: " + out.host + " is not a directory",
              "a directory", describe_found(*at) + ", which is not a directory",
              "name a directory (the component sees the files below it)");
        ok = false;
      }
    }
  } else {
    if (!d.get("host")) missing(d, d.t, "host", " (the host directory)", "add host = \"data\" (relative to Torvyn.toml, or absolute)");
    ok = false;
  }
  if (auto v = get_string(d, "guest")) {
    const toml::node* at = d.get("guest");
    const std::string key = join_key(d.key, "guest");
    std::string norm = normal_guest_path(*v);
    if (v->empty() || (*v)[0] != '/') {
      std::string fixed = "/" + (v->empty() ? std::string("data") : *v);
      error(ErrorCode::ConfigInvalidValue, at, key, "`" + key + "` is not an absolute path",
            "an absolute guest path such as \"/data\"", describe_found(*at), "write guest = \"" + fixed + "\"");
      ok = false;
    } else if (norm.empty()) {
      error(ErrorCode::ConfigInvalidValue, at, key, "`" + key + "` has `.` or `..` segments",
            "an absolute guest path without `.` or `..`, such as \"/data\"", describe_found(*at),
            "write the path the component opens, e.g. guest = \"/data\"");
      ok = false;
    } else if (auto it = guests.find(norm); it != guests.end()) {
      SourceLocation first = cx_.where(it->second);
      error(ErrorCode::ConfigDuplicate, at, key, "guest path " + norm + " is preopened twice",
            "a guest path not used by another entry of dirs", describe_found(*at),
            "give each directory its own guest path, or remove the duplicate")
          .notes.push_back("first used at " + first.file + ":" + std::to_string(first.line) + ":" +
                           std::to_string(first.column));
      ok = false;
    } else {
      guests.emplace(norm, at);
      out.guest = norm;
    }
  } else {
    if (!d.get("guest")) missing(d, d.t, "guest", " (the path the component sees)", "add guest = \"/data\"");
    ok = false;
  }
  if (auto v = get_choice(d, "mode")) out.writable = *v == "rw";
  else if (d.get("mode")) ok = false;  // reported by get_choice; absent = "ro"
  if (!ok) return std::nullopt;
  return out;
}

std::string Validator::normal_guest_path(std::string_view p) {
  if (p.find('\0') != std::string_view::npos) return "";
  std::string out;
  size_t i = 0;
  while (i < p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    std::string_view seg = p.substr(i, j - i);
    if (seg == "." || seg == "..") return "";
    if (!seg.empty()) out += "/" + std::string(seg);
    i = j + 1;
  }
  return out.empty() ? "/" : out;
}

bool Validator::is_loopback(std::string_view host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || starts_with(host, "127.");
}

void Validator::read_registries(const Section& s, std::vector<RegistryDecl>& out) {
  if (!s.t) return;
  for (auto&& [k, v] : *s.t) {
    const std::string host(k.str());
    const std::string key = join_key(s.key, host);
    if (!v.is_table()) {
      error(ErrorCode::ConfigWrongType, &v, key, "`" + key + "` must be a table", "a table ([registry.\"host:port\"])",
            describe_found(v), "write [registry.\"" + host + "\"] with plain_http = true or ca_file = \"ca.pem\"");
      continue;
    }
    Section r = sub(s, host);
    RegistryDecl d;
    d.host = host;
    d.where = cx_.where(&v);
    if (auto b = get_bool(r, "plain_http")) d.plain_http = *b;
    if (auto p = get_path(r, "ca_file")) d.ca_file = *p;
    // The host part of "host", "host:port" or "[v6]:port".
    std::string name = host;
    if (!name.empty() && name[0] == '[') name = name.substr(0, name.find(']') + 1);
    else if (size_t colon = name.find(':'); colon != std::string::npos) name = name.substr(0, colon);
    if (d.plain_http && !is_loopback(name))
      error(ErrorCode::RegistryInsecure, r.get("plain_http"), join_key(key, "plain_http"),
            "plain HTTP to registry " + host + " would send artifacts and credentials in the clear",
            "plain_http only for a loopback registry (127.0.0.1, ::1, localhost)", "plain_http = true",
            "use https (give a private CA with ca_file = \"ca.pem\"), or reach the registry through a loopback tunnel");
    out.push_back(std::move(d));
  }
}

void Validator::read_inspection(const Section& s, InspectionConfig& in) {
  if (auto v = get_bool(s, "enabled")) in.enabled = *v;
  if (auto v = get_path(s, "socket")) {
    in.socket = *v;
    if (in.socket.size() > 107)  // sockaddr_un::sun_path holds 108 bytes with the terminator
      error(ErrorCode::ConfigInvalidValue, s.get("socket"), "inspection.socket",
            "`inspection.socket` is too long for a Unix socket path", "a path of at most 107 bytes",
            std::to_string(in.socket.size()) + " bytes", "choose a shorter path, e.g. under /run or /tmp");
  }
  if (auto v = get_string(s, "token")) in.token = *v;
  if (auto v = get_bool(s, "allow_remote")) in.allow_remote = *v;
  if (auto v = get_string(s, "tcp")) {
    in.tcp = *v;
    if (!v->empty()) {
      const toml::node* n = s.get("tcp");
      size_t colon = v->rfind(':');
      std::string host = colon == std::string::npos ? "" : v->substr(0, colon);
      std::string port = colon == std::string::npos ? "" : v->substr(colon + 1);
      int port_num = 0;
      bool port_ok = !port.empty() && port.size() <= 5 &&
                     std::all_of(port.begin(), port.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
      if (port_ok) port_num = std::stoi(port);
      if (host.empty() || !port_ok || port_num < 1 || port_num > 65535) {
        error(ErrorCode::ConfigInvalidValue, n, "inspection.tcp", "`inspection.tcp` is not a host:port address",
              "\"host:port\" with a port from 1 to 65535, e.g. \"127.0.0.1:7878\"", describe_found(*n),
              "write e.g. tcp = \"127.0.0.1:7878\"");
      } else {
        if (in.token.empty())
          error(ErrorCode::ConfigMissingKey, n, "inspection.token",
                "the inspection API over TCP needs a bearer token", "inspection.token set when inspection.tcp is",
                "no token", "set inspection.token (e.g. token = \"${TORVYN_INSPECTION_TOKEN}\"), or use the Unix "
                "socket instead of tcp");
        // Exposing the API (flows, metrics, component digests) to the network is allowed only
        // when asked for in so many words; a copied 0.0.0.0 otherwise fails here, not silently
        // at run time.
        if (!is_loopback(host) && !in.allow_remote)
          error(ErrorCode::InspectionNotLoopback, n, "inspection.tcp",
                "the inspection API would be reachable from the network on " + host,
                "a loopback address (127.0.0.1, ::1, localhost), or allow_remote = true", describe_found(*n),
                "bind to 127.0.0.1; if remote access is intended, set [inspection] allow_remote = true (the token "
                "is then the only protection: keep it secret, and put TLS in front)");
      }
    }
  }
}

}  // namespace torvyn::config::detail
