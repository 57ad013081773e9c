#include "schema.h"

#include <algorithm>
#include <cctype>

#include "enum_names.h"

namespace torvyn::config::detail {

namespace {

// [security.grants.<component>] dirs[].mode
const std::vector<std::string_view>& dir_mode_names() {
  static const std::vector<std::string_view> v{"ro", "rw"};
  return v;
}

std::vector<SectionDef> build() {
  using K = Kind;
  return {
      {"", false, {{"torvyn", K::Table}, {"component", K::TableArray}, {"flow", K::Table},
                   {"runtime", K::Table}, {"observability", K::Table}, {"security", K::Table},
                   {"inspection", K::Table}, {"registry", K::Table}}},
      {"torvyn", false, {{"name", K::String}, {"version", K::String}, {"contract_version", K::String},
                         {"description", K::String}}},
      {"component[]", false, {{"name", K::String}, {"path", K::String}, {"language", K::String},
                              {"config", K::Json}, {"world", K::String}, {"wasi", K::Bool},
                              {"max_buffer_bytes", K::Size}}},
      {"flow", true, {}},
      {"flow.*", false, {{"description", K::String}, {"default_queue_depth", K::Integer},
                         {"nodes", K::Table}, {"edges", K::TableArray},
                         {"error_policy", K::Enum, &error_policy_names()}, {"max_retries", K::Integer},
                         {"retry_backoff_ms", K::Duration}, {"invocation_timeout", K::Duration}}},
      {"flow.*.nodes", true, {}},
      {"flow.*.nodes.*", false, {{"component", K::String}, {"connector", K::Enum, &connector_names()},
                                 {"interface", K::String}, {"config", K::Json},
                                 {"fuel_budget", K::Integer}, {"max_memory", K::Size}, {"max_buffer_bytes", K::Size},
                                 {"priority", K::Integer}}},
      // The config table of a `connector = "nats-jetstream"` node (read by read_connector).
      {"flow.*.nodes.*.nats-jetstream", false, {{"url", K::String}, {"stream", K::String}, {"subject", K::String},
                                                {"durable", K::String}, {"batch", K::Integer}, {"ack_wait", K::Duration},
                                                {"timeout", K::Duration}, {"content_type", K::String}}},
      {"flow.*.edges[]", false, {{"from", K::PortRef}, {"to", K::PortRef}, {"queue_depth", K::Integer},
                                 {"backpressure_policy", K::Enum, &backpressure_policy_names()}}},
      {"flow.*.edges[].port", false, {{"node", K::String}, {"port", K::String}}},
      {"runtime", false, {{"worker_threads", K::Integer}, {"max_memory_per_component", K::Size},
                          {"fuel_per_invocation", K::Integer}, {"invocation_timeout", K::Duration},
                          {"compilation_cache_dir", K::String}, {"engine", K::Enum, &engine_names()},
                          {"max_batch", K::Integer}, {"tiering", K::Bool},
                          {"backpressure", K::Table}, {"pools", K::Table}}},
      {"runtime.backpressure", false, {{"default_queue_depth", K::Integer},
                                       {"backpressure_policy", K::Enum, &backpressure_policy_names()},
                                       {"low_watermark_ratio", K::Float}}},
      {"runtime.pools", false, {{"small", K::Integer}, {"medium", K::Integer}, {"large", K::Integer},
                                {"huge", K::Size}}},
      {"observability", false, {{"metrics_enabled", K::Bool}, {"prometheus_enabled", K::Bool},
                                {"metrics_level", K::Enum, &tracing_level_names()}, {"tracing", K::Table}}},
      {"observability.tracing", false, {{"level", K::Enum, &tracing_level_names()},
                                        {"tracing_exporter", K::Enum, &tracing_exporter_names()},
                                        {"tracing_endpoint", K::String}, {"sample_rate", K::Float},
                                        {"error_promote", K::Bool}, {"latency_promote_threshold_ms", K::Float},
                                        {"file", K::String}}},
      {"security", false, {{"default_capability_policy", K::Enum, &capability_policy_names()},
                           {"audit_enabled", K::Bool}, {"audit_log", K::String}, {"grants", K::Table},
                           {"require_signatures", K::Bool}, {"trusted_keys", K::StringList}}},
      {"security.grants", true, {}},
      {"security.grants.*", false, {{"capabilities", K::StringList}, {"dirs", K::TableArray},
                                     {"env", K::StringList}}},
      {"security.grants.*.dirs[]", false, {{"host", K::String}, {"guest", K::String},
                                           {"mode", K::Enum, &dir_mode_names()}}},
      {"registry", true, {}},
      {"registry.*", false, {{"plain_http", K::Bool}, {"ca_file", K::String}}},
      {"inspection", false, {{"enabled", K::Bool}, {"socket", K::String}, {"tcp", K::String},
                             {"token", K::String}, {"allow_remote", K::Bool}}},
  };
}

const std::vector<SectionDef>& all() {
  static const std::vector<SectionDef> sections = build();
  return sections;
}

}  // namespace

const KeyDef* SectionDef::key(std::string_view name) const {
  for (const auto& k : keys)
    if (k.name == name) return &k;
  return nullptr;
}

std::vector<std::string_view> SectionDef::key_names() const {
  std::vector<std::string_view> out;
  for (const auto& k : keys) out.push_back(k.name);
  return out;
}

const SectionDef& root_section() { return all().front(); }

const SectionDef* find_section(std::string_view path) {
  for (const auto& s : all())
    if (s.path == path) return &s;
  return nullptr;
}

const SectionDef* child_section(const SectionDef& parent, const KeyDef* key) {
  const std::string prefix = parent.path.empty() ? "" : parent.path + ".";
  if (parent.dynamic) return find_section(prefix + "*");
  if (!key) return nullptr;
  switch (key->kind) {
    case Kind::Table: return find_section(prefix + std::string(key->name));
    case Kind::TableArray: return find_section(prefix + std::string(key->name) + "[]");
    case Kind::PortRef: return find_section(prefix + "port");
    default: return nullptr;
  }
}

std::vector<const SectionDef*> env_sections() {
  std::vector<const SectionDef*> out;
  for (const auto& s : all())
    if (!s.path.empty() && !s.dynamic && s.path.find_first_of("*[") == std::string::npos) out.push_back(&s);
  std::stable_sort(out.begin(), out.end(),
                   [](const SectionDef* a, const SectionDef* b) { return a->path.size() > b->path.size(); });
  return out;
}

std::string env_prefix(const SectionDef& s) {
  std::string out = "TORVYN_";
  for (char c : s.path) out += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out + "_";
}

std::string describe(const KeyDef& key) {
  switch (key.kind) {
    case Kind::String: return "a string";
    case Kind::Integer: return "an integer";
    case Kind::Float: return "a number";
    case Kind::Bool: return "a boolean (true or false)";
    case Kind::Size: return "a size such as \"64MiB\" or an integer number of bytes";
    case Kind::Duration: return "a duration such as \"5s\" or \"250ms\", or an integer number of milliseconds";
    case Kind::Enum: {
      std::string out = "one of ";
      for (size_t i = 0; key.choices && i < key.choices->size(); ++i) {
        if (i) out += ", ";
        out += "\"" + std::string((*key.choices)[i]) + "\"";
      }
      return out;
    }
    case Kind::StringList: return "an array of strings";
    case Kind::Json: return "a JSON string or a table";
    case Kind::Table: return "a table";
    case Kind::TableArray: return "an array of tables";
    case Kind::PortRef: return "{ node = \"<node id>\", port = \"<port>\" }";
  }
  return "a value";
}

std::string example_toml(const KeyDef& key) {
  switch (key.kind) {
    case Kind::String: return "\"...\"";
    case Kind::Integer: return "4";
    case Kind::Float: return "0.5";
    case Kind::Bool: return "true";
    case Kind::Size: return "\"64MiB\"";
    case Kind::Duration: return "\"5s\"";
    case Kind::Enum:
      return key.choices && !key.choices->empty() ? "\"" + std::string(key.choices->front()) + "\"" : "\"...\"";
    case Kind::StringList: return "[\"...\"]";
    case Kind::Json: return "'{\"key\": \"value\"}'";
    case Kind::Table: return "{ ... }";
    case Kind::TableArray: return "[{ ... }]";
    case Kind::PortRef: return "{ node = \"src\" }";
  }
  return "...";
}

}  // namespace torvyn::config::detail
