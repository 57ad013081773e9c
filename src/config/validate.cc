#include "validate.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <map>

#include <nlohmann/json.hpp>

#include "enum_names.h"
#include "schema.h"
#include "suggest.h"

namespace torvyn::config::detail {

namespace {

constexpr uint32_t kMaxQueueDepth = 1'000'000;
constexpr uint64_t kWasmPage = 64ull << 10;
constexpr uint64_t kMaxWasm32Memory = 4ull << 30;
constexpr uint64_t kSmallBuffer = 4ull << 10;       // max_buffer_bytes: at least one small buffer,
constexpr uint64_t kMaxBufferBudget = 1ull << 40;   // at most 1 TiB (0 = unlimited)
constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();

// A table being read, with the schema section that describes it. `t` is null when the section is
// absent (every getter then returns nullopt and the defaults stand).
struct Section {
  const toml::table* t = nullptr;
  std::string key;  // "runtime.backpressure", "flow.main.nodes.src", "component[2]"
  const SectionDef* def = nullptr;

  const toml::node* get(std::string_view name) const { return t ? t->get(name) : nullptr; }
};

std::string size_text(uint64_t bytes) {
  if (bytes && bytes % (1ull << 30) == 0) return std::to_string(bytes >> 30) + "GiB";
  if (bytes && bytes % (1ull << 20) == 0) return std::to_string(bytes >> 20) + "MiB";
  if (bytes && bytes % (1ull << 10) == 0) return std::to_string(bytes >> 10) + "KiB";
  return std::to_string(bytes) + " bytes";
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Sort key for "file order": values from overrides (no region) go last.
std::pair<uint32_t, uint32_t> position(const toml::node& n) {
  const auto& b = n.source().begin;
  if (!b.line) return {UINT32_MAX, UINT32_MAX};
  return {b.line, b.column};
}

class Validator {
 public:
  Validator(const PathBases& bases, Context& cx) : bases_(bases), cx_(cx) {}

  void run(const toml::table& root, Config& out) {
    Section top{&root, "", &root_section()};
    check_keys(top);
    read_project(sub(top, "torvyn"), root, out.project);
    read_components(root, out.components);
    read_flows(sub(top, "flow"), out.flows);
    read_runtime(sub(top, "runtime"), out.runtime);
    read_observability(sub(top, "observability"), out.observability);
    read_security(sub(top, "security"), out.security);
    read_inspection(sub(top, "inspection"), out.inspection);
    read_registries(sub(top, "registry"), out.registries);
    cross_checks(out);
  }

 private:
  // ---- reporting --------------------------------------------------------------------------------

  Diagnostic& error(ErrorCode code, const toml::node* at, const std::string& key, std::string message,
                    std::string expected, std::string found, std::string help, Severity sev = Severity::Error) {
    Diagnostic& d = cx_.report(code, sev, at, key, std::move(message));
    d.expected = std::move(expected);
    d.found = std::move(found);
    d.help = std::move(help);
    return d;
  }

  const KeyDef& def_of(const Section& s, std::string_view name) {
    static const KeyDef unknown{"?", Kind::String};
    const KeyDef* k = s.def ? s.def->key(name) : nullptr;
    if (!k) {
      error(ErrorCode::Internal, s.t, join_key(s.key, name), "the config schema does not describe this key",
            "a key in the schema", std::string(name), "report this bug");
      return unknown;
    }
    return *k;
  }

  void wrong_type(const Section& s, std::string_view name, const toml::node& n) {
    const KeyDef& k = def_of(s, name);
    const std::string key = join_key(s.key, name);
    error(ErrorCode::ConfigWrongType, &n, key, "`" + key + "` has the wrong type", describe(k), describe_found(n),
          "write it as `" + std::string(name) + " = " + example_toml(k) + "`");
  }

  void missing(const Section& s, const toml::node* where, std::string_view name, std::string what,
               std::string help) {
    const KeyDef& k = def_of(s, name);
    const std::string key = join_key(s.key, name);
    error(ErrorCode::ConfigMissingKey, where, key, "missing required key `" + key + "`" + what, describe(k),
          "nothing", std::move(help));
  }

  // ---- structure --------------------------------------------------------------------------------

  // Keys the schema does not know. A misspelt *section* silently drops a whole group of settings
  // (a misspelt [security] drops the audit log and grants), so an unknown key holding a table is an
  // error; an unknown single key is a warning, so that a manifest written for a newer Torvyn still
  // loads here.
  void check_keys(const Section& s) {
    if (!s.t || !s.def || s.def->dynamic) return;
    for (auto&& [k, v] : *s.t) {
      if (s.def->key(k.str())) continue;
      const std::string key = join_key(s.key, k.str());
      const bool section = v.is_table();
      Diagnostic& d = cx_.report(ErrorCode::ConfigUnknownKey, section ? Severity::Error : Severity::Warning,
                                 cx_.where(k), key,
                                 std::string(section ? "unknown section `" : "unknown key `") + key + "`" +
                                     (section ? "" : "; it is ignored"));
      d.expected = s.key.empty() ? "one of the sections [torvyn], [[component]], [flow.<name>], [runtime], "
                                   "[observability], [security], [inspection]"
                                 : "a key of [" + s.def->path + "]";
      d.found = "`" + std::string(k.str()) + "`";
      if (auto sug = suggest(k.str(), s.def->key_names())) {
        d.help = "did you mean `" + join_key(s.key, *sug) + "`?";
      } else if (auto home = home_of(k.str()); s.key.empty() && home) {
        d.help = "`" + std::string(k.str()) + "` belongs in [" + *home + "]; move it under that header";
      } else {
        d.help = section ? "remove it or fix its name; see the configuration reference for valid sections"
                         : "remove it or fix its name; see the configuration reference for valid keys";
      }
    }
  }

  // The fixed section that has a key named `name` (for keys written above every header).
  static std::optional<std::string> home_of(std::string_view name) {
    for (const SectionDef* sec : env_sections())
      if (sec->key(name)) return sec->path;
    return std::nullopt;
  }

  Section sub(const Section& parent, std::string_view name) {
    const SectionDef* def = child_section(*parent.def, parent.def->dynamic ? nullptr : parent.def->key(name));
    Section s{nullptr, join_key(parent.key, name), def};
    const toml::node* n = parent.get(name);
    if (!n) return s;
    if (!n->is_table()) {
      error(ErrorCode::ConfigWrongType, n, s.key, "`" + s.key + "` must be a table", "a table ([" + s.key + "])",
            describe_found(*n), "write it as a section: [" + s.key + "] followed by its keys");
      return s;
    }
    s.t = n->as_table();
    check_keys(s);
    return s;
  }

  // ---- typed getters ----------------------------------------------------------------------------

  std::optional<std::string> get_string(const Section& s, std::string_view name) {
    const toml::node* n = s.get(name);
    if (!n) return std::nullopt;
    if (!n->is_string()) {
      wrong_type(s, name, *n);
      return std::nullopt;
    }
    return n->as_string()->get();
  }

  std::optional<int64_t> get_int(const Section& s, std::string_view name, int64_t min, int64_t max,
                                 std::string_view why = "") {
    const toml::node* n = s.get(name);
    if (!n) return std::nullopt;
    if (!n->is_integer()) {
      wrong_type(s, name, *n);
      return std::nullopt;
    }
    int64_t v = n->as_integer()->get();
    if (v < min || v > max) {
      const std::string key = join_key(s.key, name);
      std::string bounds = max == kI64Max ? "of at least " + std::to_string(min)
                                          : "from " + std::to_string(min) + " to " + std::to_string(max);
      error(ErrorCode::ConfigInvalidValue, n, key, "`" + key + "` is out of range", "an integer " + bounds,
            describe_found(*n), why.empty() ? "use a value " + bounds : std::string(why));
      return std::nullopt;
    }
    return v;
  }

  struct FloatRange {
    double lo, hi;
    bool lo_open, hi_open;
    std::string text;  // "a number greater than 0 and less than 1"
  };

  std::optional<double> get_float(const Section& s, std::string_view name, const FloatRange& r) {
    const toml::node* n = s.get(name);
    if (!n) return std::nullopt;
    double v;
    if (n->is_floating_point()) v = n->as_floating_point()->get();
    else if (n->is_integer()) v = static_cast<double>(n->as_integer()->get());
    else {
      wrong_type(s, name, *n);
      return std::nullopt;
    }
    bool ok = (r.lo_open ? v > r.lo : v >= r.lo) && (r.hi_open ? v < r.hi : v <= r.hi) && v == v;
    if (!ok) {
      const std::string key = join_key(s.key, name);
      error(ErrorCode::ConfigInvalidValue, n, key, "`" + key + "` is out of range", r.text, describe_found(*n),
            "use " + r.text);
      return std::nullopt;
    }
    return v;
  }

  std::optional<bool> get_bool(const Section& s, std::string_view name) {
    const toml::node* n = s.get(name);
    if (!n) return std::nullopt;
    if (!n->is_boolean()) {
      wrong_type(s, name, *n);
      return std::nullopt;
    }
    return n->as_boolean()->get();
  }

  // A size ("64MiB") or an integer byte count, within [min, max] (0 is allowed when zero_ok).
  std::optional<uint64_t> get_size(const Section& s, std::string_view name, uint64_t min, uint64_t max,
                                   bool zero_ok = false) {
    const toml::node* n = s.get(name);
    if (!n) return std::nullopt;
    const std::string key = join_key(s.key, name);
    std::optional<uint64_t> v;
    if (n->is_integer()) {
      if (n->as_integer()->get() >= 0) v = static_cast<uint64_t>(n->as_integer()->get());
    } else if (n->is_string()) {
      v = parse_size(n->as_string()->get());
      if (!v) {
        error(ErrorCode::ConfigInvalidValue, n, key, "`" + key + "` is not a size", describe(def_of(s, name)),
              describe_found(*n), "write a number with a unit: B, KiB, MiB, GiB (binary) or KB, MB, GB (decimal), "
              "e.g. \"64MiB\"");
        return std::nullopt;
      }
    } else {
      wrong_type(s, name, *n);
      return std::nullopt;
    }
    if (!v || ((*v < min || *v > max) && !(zero_ok && *v == 0))) {
      std::string range = "a size from " + size_text(min) + " to " + size_text(max) + (zero_ok ? ", or 0" : "");
      error(ErrorCode::ConfigInvalidValue, n, key, "`" + key + "` is out of range", range, describe_found(*n),
            "use " + range);
      return std::nullopt;
    }
    return v;
  }

  // A duration ("5s") or an integer number of milliseconds.
  std::optional<uint64_t> get_duration(const Section& s, std::string_view name, uint64_t min_ms = 0) {
    const toml::node* n = s.get(name);
    if (!n) return std::nullopt;
    const std::string key = join_key(s.key, name);
    std::optional<uint64_t> v;
    if (n->is_integer()) {
      if (n->as_integer()->get() >= 0) v = static_cast<uint64_t>(n->as_integer()->get());
    } else if (n->is_string()) {
      v = parse_duration_ms(n->as_string()->get());
      if (!v) {
        error(ErrorCode::ConfigInvalidValue, n, key, "`" + key + "` is not a duration", describe(def_of(s, name)),
              describe_found(*n), "write a number with a unit: ms, s, m or h, e.g. \"250ms\" or \"5s\"");
        return std::nullopt;
      }
    } else {
      wrong_type(s, name, *n);
      return std::nullopt;
    }
    if (!v || *v < min_ms) {
      std::string range = "a duration of at least " + std::to_string(min_ms) + "ms";
      error(ErrorCode::ConfigInvalidValue, n, key, "`" + key + "` is out of range", range, describe_found(*n),
            "use " + range);
      return std::nullopt;
    }
    return v;
  }

  // A string from the key's `choices`, returned as written (the caller maps it to its enum).
  std::optional<std::string> get_choice(const Section& s, std::string_view name) {
    auto v = get_string(s, name);
    if (!v) return std::nullopt;
    const KeyDef& k = def_of(s, name);
    if (k.choices && std::find(k.choices->begin(), k.choices->end(), *v) != k.choices->end()) return v;
    const std::string key = join_key(s.key, name);
    const toml::node* n = s.get(name);
    std::string help;
    if (auto sug = k.choices ? suggest(*v, *k.choices) : std::nullopt) help = "did you mean \"" + *sug + "\"?";
    else help = "use " + describe(k);
    error(ErrorCode::ConfigInvalidValue, n, key, "`" + key + "` has an unknown value", describe(k), describe_found(*n),
          help);
    return std::nullopt;
  }

  template <typename E, typename Parse>
  std::optional<E> get_enum(const Section& s, std::string_view name, Parse parse) {
    auto v = get_choice(s, name);
    if (!v) return std::nullopt;
    return parse(*v);
  }

  std::optional<std::vector<std::string>> get_string_list(const Section& s, std::string_view name) {
    const toml::node* n = s.get(name);
    if (!n) return std::nullopt;
    const toml::array* a = n->as_array();
    if (!a) {
      wrong_type(s, name, *n);
      return std::nullopt;
    }
    std::vector<std::string> out;
    bool ok = true;
    for (size_t i = 0; i < a->size(); ++i) {
      const toml::node& e = (*a)[i];
      const std::string key = join_key(s.key, name) + "[" + std::to_string(i) + "]";
      if (!e.is_string()) {
        error(ErrorCode::ConfigWrongType, &e, key, "`" + key + "` must be a string", "a string", describe_found(e),
              "quote it: \"...\"");
        ok = false;
      } else if (e.as_string()->get().empty()) {
        error(ErrorCode::ConfigInvalidValue, &e, key, "`" + key + "` is empty", "a non-empty string", "\"\" (string)",
              "remove the empty entry");
        ok = false;
      } else {
        out.push_back(e.as_string()->get());
      }
    }
    if (!ok) return std::nullopt;
    return out;
  }

  // A `config` value: a string (taken as the component's config text) or a table (serialised to JSON).
  std::optional<std::string> get_json(const Section& s, std::string_view name) {
    const toml::node* n = s.get(name);
    if (!n) return std::nullopt;
    if (n->is_string()) {
      // Config text is the component's business, but text that starts like JSON and is not JSON is
      // almost certainly a mistake worth pointing out before the component's init() rejects it.
      const std::string& text = n->as_string()->get();
      size_t first = text.find_first_not_of(" \t\r\n");
      if (first != std::string::npos && (text[first] == '{' || text[first] == '[') && !nlohmann::json::accept(text)) {
        const std::string key = join_key(s.key, name);
        error(ErrorCode::ConfigInvalidValue, n, key, "`" + key + "` looks like JSON but does not parse",
              "valid JSON, or a TOML table", describe_found(*n),
              "fix the JSON (keys need double quotes), or write the config as a TOML table: " + std::string(name) +
                  " = { key = \"value\" }",
              Severity::Warning);
      }
      return text;
    }
    if (n->is_table()) return to_json_text(*n);
    wrong_type(s, name, *n);
    return std::nullopt;
  }

  // A path as written, made absolute against the directory of the file it was written in (the
  // manifest or the user config), or the working directory for env/--config values.
  std::string resolve_path(const toml::node* n, const std::string& text) {
    if (text.empty()) return text;
    std::filesystem::path p(text);
    if (p.is_absolute()) return p.lexically_normal().string();
    std::filesystem::path base;
    const toml::source_region& r = n ? n->source() : toml::source_region{};
    if (n && cx_.origin(n)) {
      std::error_code ec;
      base = std::filesystem::current_path(ec);
    } else if (r.path && !bases_.user_config_file.empty() && *r.path == bases_.user_config_file) {
      base = bases_.user_dir;
    } else {
      base = bases_.project_dir;
    }
    return (base / p).lexically_normal().string();
  }

  std::optional<std::string> get_path(const Section& s, std::string_view name) {
    auto v = get_string(s, name);
    if (!v) return std::nullopt;
    return resolve_path(s.get(name), *v);
  }

  // ---- sections ---------------------------------------------------------------------------------

  static bool is_version(std::string_view v) {
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

  void read_project(const Section& s, const toml::table& root, ProjectInfo& p) {
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

  static bool is_component_name(std::string_view n) {
    if (n.empty()) return false;
    for (char c : n)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
    return true;
  }

  void read_components(const toml::table& root, std::vector<ComponentDecl>& out) {
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

  static bool is_interface_name(std::string_view v) {
    // namespace:package/interface[@version]
    size_t colon = v.find(':'), slash = v.find('/');
    if (colon == std::string_view::npos || slash == std::string_view::npos || slash < colon) return false;
    std::string_view rest = v.substr(slash + 1);
    size_t at = rest.find('@');
    std::string_view iface = rest.substr(0, at);
    auto ident = [](std::string_view s) {
      if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
      for (char c : s)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-')) return false;
      return true;
    };
    return ident(v.substr(0, colon)) && ident(v.substr(colon + 1, slash - colon - 1)) && ident(iface) &&
           (at == std::string_view::npos || at + 1 < rest.size());
  }

  void read_flows(const Section& flows, std::vector<FlowDecl>& out) {
    if (!flows.t) return;
    std::vector<std::pair<const toml::node*, FlowDecl>> read;
    for (auto&& [k, v] : *flows.t) {
      const std::string key = join_key("flow", k.str());
      if (!v.is_table()) {
        error(ErrorCode::ConfigWrongType, &v, key, "`" + key + "` must be a table", "a table ([flow.<name>])",
              describe_found(v), "declare the flow as [flow." + std::string(k.str()) + "] with nodes and edges");
        continue;
      }
      read.emplace_back(&v, read_flow(sub(flows, k.str()), std::string(k.str())));
    }
    std::stable_sort(read.begin(), read.end(),
                     [](const auto& a, const auto& b) { return position(*a.first) < position(*b.first); });
    for (auto& [n, f] : read) out.push_back(std::move(f));
  }

  FlowDecl read_flow(const Section& s, std::string name) {
    FlowDecl f;
    f.name = std::move(name);
    f.where = cx_.where(s.t);
    if (auto v = get_string(s, "description")) f.description = *v;
    if (auto v = get_int(s, "default_queue_depth", 1, kMaxQueueDepth)) f.default_queue_depth = static_cast<uint32_t>(*v);
    if (auto v = get_enum<ErrorPolicy>(s, "error_policy", parse_error_policy)) f.error_policy = *v;
    if (auto v = get_int(s, "max_retries", 0, 10000)) f.max_retries = static_cast<uint32_t>(*v);
    if (auto v = get_duration(s, "retry_backoff_ms")) f.retry_backoff_ms = *v;
    if (auto v = get_duration(s, "invocation_timeout")) f.invocation_timeout_ms = *v;

    Section nodes = sub(s, "nodes");
    if (nodes.t) {
      std::vector<std::pair<const toml::node*, NodeDecl>> read;
      for (auto&& [k, v] : *nodes.t) {
        const std::string key = join_key(nodes.key, k.str());
        if (!v.is_table()) {
          error(ErrorCode::ConfigWrongType, &v, key, "`" + key + "` must be a table", describe(KeyDef{"", Kind::Table}),
                describe_found(v),
                "write the node as `nodes." + std::string(k.str()) + " = { component = \"...\" }`");
          continue;
        }
        read.emplace_back(&v, read_node(sub(nodes, k.str()), std::string(k.str())));
      }
      std::stable_sort(read.begin(), read.end(),
                       [](const auto& a, const auto& b) { return position(*a.first) < position(*b.first); });
      for (auto& [n, node] : read) f.nodes.push_back(std::move(node));
    }
    if (!s.get("nodes") || (nodes.t && nodes.t->empty())) {
      const toml::node* at = nodes.t ? static_cast<const toml::node*>(nodes.t) : s.t;
      error(ErrorCode::ConfigMissingKey, at, join_key(s.key, "nodes"), "flow `" + f.name + "` has no nodes",
            "at least one node: nodes.<id> = { component = \"...\" }", "no nodes",
            "add nodes, e.g. nodes.src = { component = \"my-source\" }");
    }

    if (const toml::node* e = s.get("edges")) {
      const toml::array* arr = e->as_array();
      if (!arr) {
        wrong_type(s, "edges", *e);
      } else {
        const SectionDef* def = find_section("flow.*.edges[]");
        for (size_t i = 0; i < arr->size(); ++i) {
          const toml::node& en = (*arr)[i];
          const std::string key = join_key(s.key, "edges") + "[" + std::to_string(i) + "]";
          if (!en.is_table()) {
            error(ErrorCode::ConfigWrongType, &en, key, "`" + key + "` must be a table",
                  "{ from = { node = \"...\" }, to = { node = \"...\" } }", describe_found(en),
                  "write each edge as an inline table with `from` and `to`");
            continue;
          }
          if (auto edge = read_edge(Section{en.as_table(), key, def}, f)) f.edges.push_back(std::move(*edge));
        }
      }
    }
    connector_roles(f);
    return f;
  }

  NodeDecl read_node(const Section& s, std::string id) {
    NodeDecl n;
    n.id = std::move(id);
    n.where = cx_.where(s.t);
    if (s.get("connector")) {
      if (auto v = get_choice(s, "connector")) n.connector = *v;
      if (s.get("component"))
        error(ErrorCode::ConnectorNodeInvalid, s.get("component"), join_key(s.key, "component"),
              "node `" + n.id + "` names both a `connector` and a `component`", "one of them", "both",
              "remove `component`: a connector node is run by the host itself");
      if (n.connector == "nats-jetstream") n.nats = read_nats(s);
      return n;
    }
    if (auto v = get_string(s, "component")) {
      if (v->empty())
        error(ErrorCode::ConfigInvalidValue, s.get("component"), join_key(s.key, "component"),
              "`" + join_key(s.key, "component") + "` is empty",
              "a [[component]] name, \"file://path.wasm\" or \"oci://registry/repo:tag\"", "\"\" (string)",
              "name the component this node runs");
      n.component = *v;
      component_at_[join_key(s.key, "component")] = s.get("component");  // checked in cross_checks
    } else if (!s.get("component")) {
      missing(s, s.t, "component", "",
              "add `component = \"<name>\"` naming a [[component]], or a \"file://...\" / \"oci://...\" reference");
    }
    if (auto v = get_string(s, "interface")) {
      if (!v->empty() && !is_interface_name(*v))
        error(ErrorCode::ConfigInvalidValue, s.get("interface"), join_key(s.key, "interface"),
              "`" + join_key(s.key, "interface") + "` is not an interface name",
              "namespace:package/interface, e.g. \"torvyn:streaming/processor\"", describe_found(*s.get("interface")),
              "write the full interface name, e.g. \"torvyn:streaming/processor\"");
      n.interface = *v;
    }
    if (auto v = get_json(s, "config")) n.config = *v;
    if (auto v = get_int(s, "fuel_budget", 1, kI64Max)) n.fuel_budget = static_cast<uint64_t>(*v);
    if (auto v = get_size(s, "max_memory", kWasmPage, kMaxWasm32Memory)) n.max_memory = *v;
    if (auto v = get_size(s, "max_buffer_bytes", kSmallBuffer, kMaxBufferBudget, /*zero_ok=*/true)) n.max_buffer_bytes = *v;
    if (auto v = get_int(s, "priority", -1000, 1000)) n.priority = static_cast<int>(*v);
    return n;
  }

  // The config table of a `connector = "nats-jetstream"` node. What the server decides (the stream
  // exists, the URL answers) is checked when the flow starts; here only what the text can show.
  NatsConnectorConfig read_nats(const Section& node) {
    NatsConnectorConfig c;
    const std::string key = join_key(node.key, "config");
    const toml::node* at = node.get("config");
    if (!at) {
      error(ErrorCode::ConnectorConfigInvalid, node.t, key, "connector node `" + key.substr(0, key.size() - 7) + "` has no `config`",
            "config = { url = \"nats://host:4222\", stream = \"...\", ... }", "nothing",
            "a source needs stream and durable, a sink needs subject: config = { url = \"nats://127.0.0.1:4222\", "
            "stream = \"ORDERS\", durable = \"torvyn\" }");
      return c;
    }
    if (!at->is_table()) {
      error(ErrorCode::ConnectorConfigInvalid, at, key, "`" + key + "` of a connector node must be a table", "a TOML table",
            describe_found(*at), "write it as config = { url = \"nats://127.0.0.1:4222\", stream = \"...\" }");
      return c;
    }
    Section cs{at->as_table(), key, find_section("flow.*.nodes.*.nats-jetstream")};
    check_keys(cs);
    if (auto v = get_string(cs, "url")) {
      c.url = *v;
      if (!nats_url_ok(c.url))
        error(ErrorCode::NatsBadUrl, cs.get("url"), join_key(key, "url"), "`" + join_key(key, "url") + "` is not a NATS URL",
              "nats://host:port (or a comma-separated list of them)", describe_found(*cs.get("url")),
              "write it as \"nats://127.0.0.1:4222\"");
    }
    auto name = [&](std::string_view k, std::string& out, bool subject) {
      auto v = get_string(cs, k);
      if (!v) return;
      out = *v;
      // Stream and consumer names may not hold spaces, dots or wildcards; subjects may not hold spaces.
      const bool bad = v->empty() || v->find_first_of(subject ? " \t\r\n" : " \t\r\n.*>/\\") != std::string::npos;
      if (bad)
        error(ErrorCode::ConnectorConfigInvalid, cs.get(k), join_key(key, k), "`" + join_key(key, k) + "` is not a valid " +
              std::string(subject ? "subject" : "name"),
              subject ? "a subject such as \"orders.new\" (no spaces)" : "a name without spaces, dots, wildcards or slashes",
              describe_found(*cs.get(k)), subject ? "remove the spaces" : "use letters, digits, '-' and '_'");
    };
    name("stream", c.stream, false);
    name("durable", c.durable, false);
    name("subject", c.subject, true);
    if (auto v = get_int(cs, "batch", 1, 4096)) c.batch = static_cast<uint32_t>(*v);
    if (auto v = get_duration(cs, "ack_wait", 1)) c.ack_wait_ms = *v;
    if (auto v = get_duration(cs, "timeout", 1)) c.timeout_ms = *v;
    if (auto v = get_string(cs, "content_type")) c.content_type = *v;
    nats_at_[node.key] = at;
    return c;
  }

  static bool nats_url_ok(std::string_view urls) {
    size_t start = 0;
    while (start <= urls.size()) {
      size_t comma = urls.find(',', start);
      std::string_view u = urls.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      while (!u.empty() && u.front() == ' ') u.remove_prefix(1);
      while (!u.empty() && u.back() == ' ') u.remove_suffix(1);
      size_t scheme = u.find("://");
      if (scheme == std::string_view::npos) return false;
      std::string_view sch = u.substr(0, scheme), rest = u.substr(scheme + 3);
      if (sch != "nats" && sch != "tls") return false;
      if (size_t at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
      if (rest.empty() || rest.find_first_of(" /?#") != std::string_view::npos) return false;
      if (size_t colon = rest.rfind(':'); colon != std::string_view::npos && rest.back() != ']') {
        std::string_view port = rest.substr(colon + 1);
        if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) return false;
        if (std::stoul(std::string(port)) > 65535 || colon == 0) return false;
      }
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    return true;
  }

  // A connector node's role follows from its edges; what it then needs is checked against it.
  void connector_roles(FlowDecl& f) {
    for (NodeDecl& n : f.nodes) {
      if (n.connector.empty()) continue;
      bool in = false, out = false;
      for (const EdgeDecl& e : f.edges) {
        in = in || e.to.node == n.id;
        out = out || e.from.node == n.id;
      }
      const std::string key = "flow." + f.name + ".nodes." + n.id;
      if (in == out) {
        Diagnostic& d = cx_.report(ErrorCode::ConnectorNodeInvalid, Severity::Error, n.where, key,
                                   "connector node `" + n.id + "` has " + (in ? "both incoming and outgoing edges" : "no edges") +
                                       ", so it is neither a source nor a sink");
        d.expected = "outgoing edges only (a source) or incoming edges only (a sink)";
        d.found = in ? "edges into and out of it" : "no edge";
        d.help = "use one connector node to read and another to write, each connected on one side";
        continue;
      }
      n.connector_role = out ? ConnectorRole::Source : ConnectorRole::Sink;
      if (!n.nats) continue;
      auto it = nats_at_.find(key);
      const toml::node* at = it != nats_at_.end() ? it->second : nullptr;
      auto need = [&](const std::string& value, std::string_view k, const std::string& why) {
        if (!value.empty() || !at) return;
        Diagnostic& d = cx_.report(ErrorCode::ConnectorConfigInvalid, Severity::Error, cx_.where(at), key + ".config." + std::string(k),
                                   "missing required key `" + key + ".config." + std::string(k) + "`: " + why);
        d.expected = "a string";
        d.found = "nothing";
        d.help = "add `" + std::string(k) + " = \"...\"` to the node's config";
      };
      if (n.connector_role == ConnectorRole::Source) {
        need(n.nats->stream, "stream", "a nats-jetstream source reads a stream");
        need(n.nats->durable, "durable", "a nats-jetstream source reads through a durable consumer every instance shares");
      } else {
        need(n.nats->subject, "subject", "a nats-jetstream sink publishes to a subject");
      }
    }
  }

  std::optional<PortRef> read_port(const Section& edge, std::string_view name, const FlowDecl& f) {
    const toml::node* n = edge.get(name);
    const std::string key = join_key(edge.key, name);
    if (!n) {
      missing(edge, edge.t, name, "", "add `" + std::string(name) + " = { node = \"<node id>\" }` to the edge");
      return std::nullopt;
    }
    PortRef p;
    const toml::node* node_at = n;
    if (n->is_string()) {  // shorthand: "node" or "node:port"
      const std::string& v = n->as_string()->get();
      size_t colon = v.find(':');
      p.node = v.substr(0, colon);
      if (colon != std::string::npos) p.port = v.substr(colon + 1);
    } else if (n->is_table()) {
      Section s = sub(edge, name);
      if (auto v = get_string(s, "node")) p.node = *v;
      else if (!s.get("node")) {
        missing(s, n, "node", "", "name the node: `" + std::string(name) + " = { node = \"<node id>\" }`");
        return std::nullopt;
      } else {
        return std::nullopt;
      }
      node_at = s.get("node");
      if (auto v = get_string(s, "port")) p.port = *v;
    } else {
      wrong_type(edge, name, *n);
      return std::nullopt;
    }
    if (!f.find_node(p.node)) {
      std::vector<std::string> ids;
      for (const auto& nd : f.nodes) ids.push_back(nd.id);
      std::string help;
      if (auto sug = suggest(p.node, ids)) help = "did you mean `" + *sug + "`?";
      else help = "declare it as nodes." + (p.node.empty() ? std::string("<id>") : p.node) + " in [flow." + f.name + "]";
      error(ErrorCode::ConfigUnknownReference, node_at, n->is_table() ? key + ".node" : key,
            "edge refers to node `" + p.node + "`, which flow `" + f.name + "` does not declare",
            "one of the flow's node ids", "\"" + p.node + "\"", help);
      return std::nullopt;
    }
    return p;
  }

  std::optional<EdgeDecl> read_edge(const Section& s, const FlowDecl& f) {
    check_keys(s);
    EdgeDecl e;
    e.where = cx_.where(s.t);
    auto from = read_port(s, "from", f);
    auto to = read_port(s, "to", f);
    if (auto v = get_int(s, "queue_depth", 1, kMaxQueueDepth)) e.queue_depth = static_cast<uint32_t>(*v);
    if (auto v = get_enum<BackpressurePolicy>(s, "backpressure_policy", parse_backpressure_policy))
      e.backpressure_policy = *v;
    if (!from || !to) return std::nullopt;
    e.from = *from;
    e.to = *to;
    return e;
  }

  void read_runtime(const Section& s, RuntimeConfig& r) {
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

  void read_observability(const Section& s, ObservabilityConfig& o) {
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

  void read_security(const Section& s, SecurityConfig& sec) {
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

  // [security.grants.<component>] dirs = [{ host, guest, mode }] and env = ["NAME", ...]: the
  // directories the WASI host preopens for the component and the host environment variables it
  // passes. Each needs its capability granted (unless the policy is allow-all): a grant that the
  // host would silently not apply is a configuration error.
  void read_wasi_grant(const Section& g, const std::string& component, const std::vector<std::string>& caps,
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
    bool any = false;
    if (const toml::node* n = g.get("dirs")) {
      any = true;
      if (const toml::array* arr = n->as_array()) {
        const SectionDef* def = find_section("security.grants.*.dirs[]");
        std::map<std::string, const toml::node*> guests;
        for (size_t i = 0; i < arr->size(); ++i) {
          const toml::node& e = (*arr)[i];
          const std::string key = join_key(g.key, "dirs") + "[" + std::to_string(i) + "]";
          if (!e.is_table()) {
            error(ErrorCode::ConfigWrongType, &e, key, "`" + key + "` must be a table",
                  "{ host = \"...\", guest = \"/data\", mode = \"ro\" }", describe_found(e),
                  "write each directory as an inline table, e.g. { host = \"data\", guest = \"/data\", mode = \"ro\" }");
            continue;
          }
          Section d{e.as_table(), key, def};
          check_keys(d);
          if (auto dir = read_granted_dir(d, guests)) w.dirs.push_back(std::move(*dir));
        }
        if (!arr->empty() && !granted({"wasi:filesystem"})) need(n, "dirs", "wasi:filesystem", "preopens directories");
      } else {
        wrong_type(g, "dirs", *n);
      }
    }
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

  std::optional<SecurityConfig::GrantedDir> read_granted_dir(const Section& d, std::map<std::string, const toml::node*>& guests) {
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

  // "/data//in/" -> "/data/in"; "" when a segment is "." or ".." (or the path has a NUL).
  static std::string normal_guest_path(std::string_view p) {
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

  static bool is_loopback(std::string_view host) {
    return host == "localhost" || host == "::1" || host == "[::1]" || starts_with(host, "127.");
  }

  void read_registries(const Section& s, std::vector<RegistryDecl>& out) {
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

  void read_inspection(const Section& s, InspectionConfig& in) {
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

  // ---- references between sections -------------------------------------------------------------

  void cross_checks(Config& c) {
    std::vector<std::string> names;
    for (const auto& comp : c.components) names.push_back(comp.name);
    for (auto& flow : c.flows) {
      for (auto& node : flow.nodes) {
        const std::string key = join_key(join_key(join_key(join_key("flow", flow.name), "nodes"), node.id), "component");
        auto it = component_at_.find(key);
        if (it != component_at_.end()) check_component_ref(c, node, it->second, key, names);
      }
    }
    std::vector<std::string> known = names;
    for (const auto& flow : c.flows)
      for (const auto& node : flow.nodes) known.push_back(node.id);
    for (const auto& g : grant_keys_) {
      std::string name(g.key_node->str());
      if (std::find(known.begin(), known.end(), name) != known.end()) continue;
      Diagnostic& d = cx_.report(ErrorCode::ConfigUnknownReference, Severity::Warning, cx_.where(*g.key_node), g.key,
                                 "grants for `" + name + "`, which is neither a [[component]] nor a flow node");
      d.expected = "the name of a declared component or node";
      d.found = "`" + name + "`";
      if (auto sug = suggest(name, known)) d.help = "did you mean `" + *sug + "`?";
      else d.help = "fix the name, or remove the grant";
    }
  }

  void check_component_ref(Config& c, NodeDecl& node, const toml::node* at, const std::string& key,
                           const std::vector<std::string>& names) {
    std::string& ref = node.component;
    if (ref.empty()) return;
    if (starts_with(ref, "file://")) {
      std::string path = ref.substr(7);
      if (path.empty()) {
        error(ErrorCode::ConfigInvalidValue, at, key, "`" + key + "` has an empty file:// path",
              "\"file://path/to/component.wasm\"", describe_found(*at), "write the path after file://");
        return;
      }
      ref = "file://" + resolve_path(at, path);
      return;
    }
    if (starts_with(ref, "oci://")) {
      std::string rest = ref.substr(6);
      size_t slash = rest.find('/');
      std::string last = slash == std::string::npos ? rest : rest.substr(rest.rfind('/') + 1);
      if (slash == std::string::npos || slash == 0 || last.empty()) {
        error(ErrorCode::ConfigInvalidValue, at, key, "`" + key + "` is not an OCI reference",
              "\"oci://registry/repository:tag\" or \"oci://registry/repository@sha256:...\"", describe_found(*at),
              "write the registry, repository and a pinned tag or digest");
        return;
      }
      bool digest = rest.find('@') != std::string::npos;
      size_t colon = last.find(':');
      std::string tag = colon == std::string::npos ? "" : last.substr(colon + 1);
      if (!digest && (tag.empty() || tag == "latest"))
        error(ErrorCode::ConfigInvalidValue, at, key,
              "`" + key + "` uses a mutable tag (" + (tag.empty() ? std::string("none, i.e. latest") : tag) + ")",
              "a pinned version tag or a digest", describe_found(*at),
              "pin the component, e.g. oci://registry/repo:1.2.0 or oci://registry/repo@sha256:<digest>",
              Severity::Warning);
      return;
    }
    if (ref.find("://") != std::string::npos) {
      error(ErrorCode::ConfigInvalidValue, at, key, "`" + key + "` uses an unsupported scheme",
            "a [[component]] name, \"file://...\" or \"oci://...\"", describe_found(*at),
            "use file:// for a local .wasm or oci:// for a registry artifact");
      return;
    }
    if (c.find_component(ref)) return;
    std::string help;
    if (auto sug = suggest(ref, names)) help = "did you mean `" + *sug + "`?";
    else help = "declare it in a [[component]] table (name = \"" + ref + "\", path = \"...\"), or use "
                "\"file://path.wasm\" or \"oci://registry/repo:tag\"";
    error(ErrorCode::ConfigUnknownReference, at, key,
          "node `" + node.id + "` uses component `" + ref + "`, which is not declared",
          "the name of a [[component]], \"file://...\" or \"oci://...\"", describe_found(*at), help);
  }

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

}  // namespace

void build_config(const toml::table& root, const PathBases& bases, Context& cx, Config& out) {
  Validator(bases, cx).run(root, out);
}

}  // namespace torvyn::config::detail
