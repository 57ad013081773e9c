// The manifest validator's class, shared by the files that implement it: validate.cc (the run,
// reporting, the key structure and the checks between sections), validate_getters.cc (typed
// getters: strings, numbers, sizes, durations, choices, paths), validate_flows.cc ([flow.*]:
// nodes, connectors, ports, edges) and validate_sections.cc (the other sections: [torvyn],
// [[component]], [runtime], [observability], [security], [[registry]], [inspection]).
#pragma once

#include <algorithm>
#include <cctype>
#include <limits>
#include <map>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "enum_names.h"
#include "schema.h"
#include "suggest.h"
#include "validate.h"

namespace torvyn::config::detail {

inline constexpr uint32_t kMaxQueueDepth = 1'000'000;
inline constexpr uint64_t kWasmPage = 64ull << 10;
inline constexpr uint64_t kMaxWasm32Memory = 4ull << 30;
inline constexpr uint64_t kSmallBuffer = 4ull << 10;       // max_buffer_bytes: at least one small buffer,
inline constexpr uint64_t kMaxBufferBudget = 1ull << 40;   // at most 1 TiB (0 = unlimited)
inline constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();

// A table being read, with the schema section that describes it. `t` is null when the section is
// absent (every getter then returns nullopt and the defaults stand).
struct Section {
  const toml::table* t = nullptr;
  std::string key;  // "runtime.backpressure", "flow.main.nodes.src", "component[2]"
  const SectionDef* def = nullptr;

  const toml::node* get(std::string_view name) const { return t ? t->get(name) : nullptr; }
};

inline std::string size_text(uint64_t bytes) {
  if (bytes && bytes % (1ull << 30) == 0) return std::to_string(bytes >> 30) + "GiB";
  if (bytes && bytes % (1ull << 20) == 0) return std::to_string(bytes >> 20) + "MiB";
  if (bytes && bytes % (1ull << 10) == 0) return std::to_string(bytes >> 10) + "KiB";
  return std::to_string(bytes) + " bytes";
}

inline bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Sort key for "file order": values from overrides (no region) go last.
inline std::pair<uint32_t, uint32_t> position(const toml::node& n) {
  const auto& b = n.source().begin;
  if (!b.line) return {UINT32_MAX, UINT32_MAX};
  return {b.line, b.column};
}

class Validator {
 public:
  Validator(const PathBases& bases, Context& cx) : bases_(bases), cx_(cx) {}

  void run(const toml::table& root, Config& out);

 private:
  // ---- reporting --------------------------------------------------------------------------------

  Diagnostic& error(ErrorCode code, const toml::node* at, const std::string& key, std::string message,
                    std::string expected, std::string found, std::string help, Severity sev = Severity::Error);

  const KeyDef& def_of(const Section& s, std::string_view name);

  void wrong_type(const Section& s, std::string_view name, const toml::node& n);

  void missing(const Section& s, const toml::node* where, std::string_view name, std::string what,
               std::string help);

  // ---- structure --------------------------------------------------------------------------------

  // Keys the schema does not know. A misspelt *section* silently drops a whole group of settings
  // (a misspelt [security] drops the audit log and grants), so an unknown key holding a table is an
  // error; an unknown single key is a warning, so that a manifest written for a newer Torvyn still
  // loads here.
  void check_keys(const Section& s);

  // The fixed section that has a key named `name` (for keys written above every header).
  static std::optional<std::string> home_of(std::string_view name);

  Section sub(const Section& parent, std::string_view name);

  // ---- typed getters ----------------------------------------------------------------------------

  // The value of key `name` if it has TOML type T; a value of another type is reported (wrong_type).
  template <typename T>
  const toml::value<T>* scalar(const Section& s, std::string_view name);

  // A size or a duration: a non-negative integer, or a string with a unit read by `parse`; a string
  // `parse` refuses ("is not a <noun>", with `how` to write one) or another type is reported here.
  // `value` is empty for a negative integer, which the caller reports as out of range.
  struct Quantity {
    const toml::node* node;
    std::optional<uint64_t> value;
  };
  std::optional<Quantity> quantity(const Section& s, std::string_view name, std::optional<uint64_t> (*parse)(std::string_view),
                                   std::string_view noun, std::string_view how);


  std::optional<std::string> get_string(const Section& s, std::string_view name);

  std::optional<int64_t> get_int(const Section& s, std::string_view name, int64_t min, int64_t max,
                                 std::string_view why = "");

  struct FloatRange {
    double lo, hi;
    bool lo_open, hi_open;
    std::string text;  // "a number greater than 0 and less than 1"
  };

  std::optional<double> get_float(const Section& s, std::string_view name, const FloatRange& r);

  std::optional<bool> get_bool(const Section& s, std::string_view name);

  // A size ("64MiB") or an integer byte count, within [min, max] (0 is allowed when zero_ok).
  std::optional<uint64_t> get_size(const Section& s, std::string_view name, uint64_t min, uint64_t max,
                                   bool zero_ok = false);

  // A duration ("5s") or an integer number of milliseconds.
  std::optional<uint64_t> get_duration(const Section& s, std::string_view name, uint64_t min_ms = 0);

  // A string from the key's `choices`, returned as written (the caller maps it to its enum).
  std::optional<std::string> get_choice(const Section& s, std::string_view name);

  template <typename E, typename Parse>
  std::optional<E> get_enum(const Section& s, std::string_view name, Parse parse) {
    auto v = get_choice(s, name);
    if (!v) return std::nullopt;
    return parse(*v);
  }

  std::optional<std::vector<std::string>> get_string_list(const Section& s, std::string_view name);

  // An array of tables (`edges`, a grant's `dirs`): each element, as a Section of the schema's
  // `def_path`, to `each`. An element that is not a table is reported — what one holds
  // (`expected`) and how to write it (`help`) — and skipped; a value that is not an array is
  // wrong_type. Returns the array; null when absent or not an array.
  const toml::array* table_array(const Section& s, std::string_view name, std::string_view def_path, std::string expected,
                                 std::string help, const std::function<void(const Section&)>& each);

  // A `config` value: a string (taken as the component's config text) or a table (serialised to JSON).
  std::optional<std::string> get_json(const Section& s, std::string_view name);

  // A path as written, made absolute against the directory of the file it was written in (the
  // manifest or the user config), or the working directory for env/--config values.
  std::string resolve_path(const toml::node* n, const std::string& text);

  std::optional<std::string> get_path(const Section& s, std::string_view name);

  // ---- sections ---------------------------------------------------------------------------------

  static bool is_version(std::string_view v);

  void read_project(const Section& s, const toml::table& root, ProjectInfo& p);

  static bool is_component_name(std::string_view n);

  void read_components(const toml::table& root, std::vector<ComponentDecl>& out);

  static bool is_interface_name(std::string_view v);

  void read_flows(const Section& flows, std::vector<FlowDecl>& out);

  FlowDecl read_flow(const Section& s, std::string name);

  NodeDecl read_node(const Section& s, std::string id);

  // The config table of a `connector = "nats-jetstream"` node. What the server decides (the stream
  // exists, the URL answers) is checked when the flow starts; here only what the text can show.
  NatsConnectorConfig read_nats(const Section& node);

  static bool nats_url_ok(std::string_view urls);

  // A connector node's role follows from its edges; what it then needs is checked against it.
  void connector_roles(FlowDecl& f);

  std::optional<PortRef> read_port(const Section& edge, std::string_view name, const FlowDecl& f);

  std::optional<EdgeDecl> read_edge(const Section& s, const FlowDecl& f);

  void read_runtime(const Section& s, RuntimeConfig& r);

  void read_observability(const Section& s, ObservabilityConfig& o);

  void read_security(const Section& s, SecurityConfig& sec);

  // [security.grants.<component>] dirs = [{ host, guest, mode }] and env = ["NAME", ...]: the
  // directories the WASI host preopens for the component and the host environment variables it
  // passes. Each needs its capability granted (unless the policy is allow-all): a grant that the
  // host would silently not apply is a configuration error.
  void read_wasi_grant(const Section& g, const std::string& component, const std::vector<std::string>& caps,
                       SecurityConfig& sec);

  std::optional<SecurityConfig::GrantedDir> read_granted_dir(const Section& d, std::map<std::string, const toml::node*>& guests);

  // "/data//in/" -> "/data/in"; "" when a segment is "." or ".." (or the path has a NUL).
  static std::string normal_guest_path(std::string_view p);

  static bool is_loopback(std::string_view host);

  void read_registries(const Section& s, std::vector<RegistryDecl>& out);

  void read_inspection(const Section& s, InspectionConfig& in);

  // ---- references between sections -------------------------------------------------------------

  void cross_checks(Config& c);

  void check_component_ref(Config& c, NodeDecl& node, const toml::node* at, const std::string& key,
                           const std::vector<std::string>& names);

  struct GrantKey {
    const toml::key* key_node;
    const toml::node* value;
    std::string key;
  };

  const PathBases& bases_;
  Context& cx_;
  std::map<std::string, const toml::node*> component_at_;
  std::map<std::string, const toml::node*> nats_at_;  // "flow.f.nodes.n" -> its connector config table  // "flow.f.nodes.n.component" -> its value
  std::vector<GrantKey> grant_keys_;
};

}  // namespace torvyn::config::detail
