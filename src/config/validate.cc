// The manifest validator (validator.h): the run over every section, reporting, the key structure
// (unknown keys, sub-sections) and the checks between sections.
#include "validator.h"

namespace torvyn::config::detail {

void Validator::run(const toml::table& root, Config& out) {
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

Diagnostic& Validator::error(ErrorCode code, const toml::node* at, const std::string& key, std::string message,
                             std::string expected, std::string found, std::string help, Severity sev) {
  Diagnostic& d = cx_.report(code, sev, at, key, std::move(message));
  d.expected = std::move(expected);
  d.found = std::move(found);
  d.help = std::move(help);
  return d;
}

const KeyDef& Validator::def_of(const Section& s, std::string_view name) {
  static const KeyDef unknown{"?", Kind::String};
  const KeyDef* k = s.def ? s.def->key(name) : nullptr;
  if (!k) {
    error(ErrorCode::Internal, s.t, join_key(s.key, name), "the config schema does not describe this key",
          "a key in the schema", std::string(name), "report this bug");
    return unknown;
  }
  return *k;
}

void Validator::wrong_type(const Section& s, std::string_view name, const toml::node& n) {
  const KeyDef& k = def_of(s, name);
  const std::string key = join_key(s.key, name);
  error(ErrorCode::ConfigWrongType, &n, key, "`" + key + "` has the wrong type", describe(k), describe_found(n),
        "write it as `" + std::string(name) + " = " + example_toml(k) + "`");
}

void Validator::missing(const Section& s, const toml::node* where, std::string_view name, std::string what,
                        std::string help) {
  const KeyDef& k = def_of(s, name);
  const std::string key = join_key(s.key, name);
  error(ErrorCode::ConfigMissingKey, where, key, "missing required key `" + key + "`" + what, describe(k),
        "nothing", std::move(help));
}

void Validator::check_keys(const Section& s) {
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

std::optional<std::string> Validator::home_of(std::string_view name) {
  for (const SectionDef* sec : env_sections())
    if (sec->key(name)) return sec->path;
  return std::nullopt;
}

Section Validator::sub(const Section& parent, std::string_view name) {
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

void Validator::cross_checks(Config& c) {
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

void Validator::check_component_ref(Config& c, NodeDecl& node, const toml::node* at, const std::string& key,
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

void build_config(const toml::table& root, const PathBases& bases, Context& cx, Config& out) {
  Validator(bases, cx).run(root, out);
}

}  // namespace torvyn::config::detail
