// torvyn check: the project's WIT, every [[component]] against its world, capabilities and grants.
#include <algorithm>
#include <set>

#include "project_util.h"
#include "suggest.h"
#include "torvyn/contracts/capabilities.h"
#include "torvyn/contracts/contracts.h"

namespace torvyn::contracts {

namespace fs = std::filesystem;
using detail::from_finding;
using detail::make_diag;

namespace {

std::string tick(std::string_view s) { return "`" + std::string(s) + "`"; }

std::string torvyn_world_list() {
  std::string s;
  for (const RoleInfo& r : roles()) s += (s.empty() ? "" : ", ") + std::string(r.world);
  return s + ", managed-transform";
}

bool is_contract_world(const wit::World* w) {
  const auto& c = torvyn_contracts();
  if (!c.ok()) return false;
  for (const auto& x : c.resolve->worlds)
    if (x.get() == w) return true;
  return false;
}

std::string role_interface_list() {
  std::string s;
  for (const RoleInfo& r : roles()) s += (s.empty() ? "" : ", ") + std::string(r.interface);
  return s;
}

class Checker {
 public:
  Checker(const config::Config& cfg, const std::string& text, const CheckOptions& o)
      : cfg_(cfg), opts_(o), text_(detail::manifest_file_name(cfg), text) {}

  Report run() {
    report_.sources[text_.file()] = text_.text();
    project_wit();
    for (const config::ComponentDecl& c : cfg_.components) component(c);
    grants();
    detail::sort_by_location(report_.diagnostics);
    return std::move(report_);
  }

 private:
  const config::Config& cfg_;
  const CheckOptions& opts_;
  detail::ManifestText text_;
  Report report_;
  ProjectWit wit_;
  detail::ComponentCache cache_;
  std::map<std::string, std::vector<std::string>> imports_of_;  // component -> imported interfaces, when known

  void add(Diagnostic d) { report_.diagnostics.push_back(std::move(d)); }

  // WIT files are shown relative to the working directory when inside it ("wit/app.wit"), like the
  // manifest, rather than by the absolute path they were read from.
  static std::string display_path(const std::string& file) {
    std::error_code ec;
    fs::path cwd = fs::current_path(ec);
    if (ec || file.empty()) return file;
    fs::path rel = fs::path(file).lexically_relative(cwd);
    return rel.empty() || *rel.begin() == ".." ? file : rel.string();
  }

  void project_wit() {
    wit_ = parse_project_wit(cfg_.project_dir);
    for (auto d : wit_.diagnostics) {
      d.location.file = display_path(d.location.file);
      add(std::move(d));
    }
    for (const auto& r : wit_.results) {
      for (auto d : r.diagnostics) {
        d.location.file = display_path(d.location.file);
        add(std::move(d));
      }
      for (const auto& [file, src] : r.sources) report_.sources[display_path(file)] = src;
    }
  }

  bool project_wit_has_errors() const {
    for (const auto& r : wit_.results)
      if (!r.ok()) return true;
    return false;
  }

  // The grants of a component: [security.grants.<name>] (DESIGN.md §6), which is what the host
  // gives every node running it.
  std::vector<std::string> grants_for(const config::ComponentDecl& c) const {
    auto it = cfg_.security.grants.find(c.name);
    return it == cfg_.security.grants.end() ? std::vector<std::string>{} : it->second;
  }

  const wit::World* world_for(const config::ComponentDecl& c, bool prebuilt) {
    std::string spec;
    if (!c.world.empty()) {
      spec = c.world;
    } else {
      auto w = opts_.hooks.world_of ? opts_.hooks.world_of(cfg_, c) : default_hooks().world_of(cfg_, c);
      if (!w) {
        // A prebuilt .wasm needs no world: its own type says what it is.
        if (!prebuilt)
          add(make_diag(ErrorCode::ContractWorldNotFound, Severity::Warning,
                        "cannot tell which world component " + tick(c.name) + " is built for", c.where,
                        "add `world = \"transform\"` (or " + torvyn_world_list() + ") to its [[component]], or give its flow "
                        "nodes an `interface`",
                        "component." + c.name + ".world"));
        return nullptr;
      }
      spec = *w;
    }
    WorldLookup found = find_world(spec, &wit_);
    if (!found.world) {
      SourceLocation at = c.world.empty() ? c.where : text_.key_value(c.where, "world");
      Diagnostic d = make_diag(ErrorCode::ContractWorldNotFound, Severity::Error,
                               "component " + tick(c.name) + " is built for world " + tick(spec) +
                                   ", which neither the Torvyn contracts nor the project's WIT define",
                               at, "", "component." + c.name + ".world");
      d.expected = "a world: " + torvyn_world_list() + (wit_.present() ? ", or one defined in wit/" : "");
      d.found = "\"" + spec + "\"";
      if (auto s = detail::suggest(spec, found.candidates)) d.help = "did you mean " + tick(*s) + "?";
      else d.help = "use one of the Torvyn worlds, or define the world in the project's wit/ folder";
      if (project_wit_has_errors()) d.notes.push_back("the project's WIT has errors, so the worlds it defines could not be read");
      add(std::move(d));
      return nullptr;
    }
    if (exported_roles(*found.world).empty()) {
      SourceLocation at = c.world.empty() ? c.where : text_.key_value(c.where, "world");
      Diagnostic d = make_diag(ErrorCode::ContractNoRoleExport, Severity::Error,
                               "world " + tick(found.world->id()) + " of component " + tick(c.name) +
                                   " exports no Torvyn role interface, so no flow node can run it",
                               at, "export one of " + role_interface_list() + " from the world", "component." + c.name + ".world");
      d.notes.push_back("defined in " + found.origin);
      add(std::move(d));
    }
    return found.world;
  }

  void component(const config::ComponentDecl& c) {
    detail::ComponentRef ref = detail::resolve_component(cfg_, c, opts_.hooks);
    const wit::World* world = world_for(c, ref.prebuilt);
    const auto& entry = cache_.get(ref.file);
    std::vector<std::string> imports;
    bool imports_known = false;
    if (entry.exists)
      if (auto stale = detail::stale_build(ref, c.where, "component." + c.name)) add(std::move(*stale));
    if (entry.exists && entry.wit) {
      const ComponentWit& w = *entry.wit;
      std::vector<Finding> fs;
      // The Torvyn worlds import exactly the host's interfaces: conform_to_world already compared
      // the imports with them; only what the host lacks altogether is left to add.
      bool torvyn_world = world && is_contract_world(world);
      if (world) fs = conform_to_world(w, *world, c.name);
      for (Finding& f : conform_to_host(w, c.name))
        if (!torvyn_world || f.code == ErrorCode::CapabilityUnavailable) fs.push_back(std::move(f));
      if (!world && component_roles(w).empty())
        fs.push_back(Finding{ErrorCode::ContractNoRoleExport, Severity::Error,
                             "component " + tick(c.name) + " exports no Torvyn role interface, so no flow node can run it",
                             {"its file: " + ref.file.string()},
                             "build it for a Torvyn world (" + torvyn_world_list() + ")"});
      for (const Finding& f : fs) {
        Diagnostic d = from_finding(f, c.where, "component." + c.name);
        d.notes.push_back("component file: " + ref.file.string());
        add(std::move(d));
      }
      imports = imported_interfaces(*w.world);
      imports_known = true;
    } else if (entry.exists) {
      Diagnostic d = make_diag(entry.error->code, Severity::Error,
                               "component " + tick(c.name) + " cannot be read: " + entry.error->message, c.where,
                               ref.prebuilt ? "check that `path` names a WebAssembly component" : "rebuild it with `torvyn build`",
                               "component." + c.name + ".path");
      d.notes.push_back("component file: " + ref.file.string());
      add(std::move(d));
    } else if (ref.prebuilt) {
      Diagnostic d = make_diag(ErrorCode::IoError, Severity::Error, "component " + tick(c.name) + ": no such file " + ref.file.string(),
                               text_.key_value(c.where, "path"), "fix `path`, or point it at the component's source folder",
                               "component." + c.name + ".path");
      add(std::move(d));
    } else {
      Diagnostic d = make_diag(ErrorCode::ContractComponentNotBuilt, Severity::Note,
                               "component " + tick(c.name) + " is not built yet, so its type was not checked against its world",
                               c.where, "run `torvyn build`, then `torvyn check` again", "component." + c.name);
      d.notes.push_back("expected at " + ref.file.string());
      add(std::move(d));
    }
    if (!imports_known && world) imports = imported_interfaces(*world);
    if (imports_known) imports_of_[c.name] = imports;

    CapabilityPolicy policy;
    policy.deny_all = cfg_.security.default_capability_policy != "allow-all";
    policy.grants = grants_for(c);
    policy.grant_key = "security.grants." + c.name;
    for (const Finding& f : check_imports(imports, policy, c.name)) add(from_finding(f, c.where, "component." + c.name));
  }

  void grants() {
    std::map<std::string, std::string> node_component;  // node id -> the component it runs
    for (const auto& f : cfg_.flows)
      for (const auto& n : f.nodes) node_component.emplace(n.id, n.component);
    for (const auto& [name, caps] : cfg_.security.grants) {
      std::string key = "security.grants." + name;
      SourceLocation at;
      if (auto h = text_.header(key)) at = *h;
      else at.file = text_.file();
      auto it = imports_of_.find(name);
      const std::vector<std::string>* imports = it != imports_of_.end() ? &it->second : nullptr;
      for (const Finding& f : check_grants(caps, imports, key)) add(from_finding(f, at, key + ".capabilities"));
      // Grants are per component: one keyed by a node id (that is not also a component) is not
      // what the host applies to that node.
      auto nc = node_component.find(name);
      if (!cfg_.find_component(name) && nc != node_component.end() && !caps.empty()) {
        Diagnostic d = make_diag(ErrorCode::CapabilityGrantUnused, Severity::Warning,
                                 "[" + key + "] names flow node " + tick(name) +
                                     ", but grants apply per component: the host gives the node what " + tick(nc->second) + " is granted",
                                 at, "move the capabilities to [security.grants." + detail::toml_key(nc->second) + "]", key);
        add(std::move(d));
      }
    }
  }
};

}  // namespace

Report check_project(const config::Config& cfg, const std::string& manifest_text, const CheckOptions& options) {
  return Checker(cfg, manifest_text, options).run();
}

}  // namespace torvyn::contracts
