#include "torvyn/contracts/contracts.h"

#include <algorithm>
#include <map>
#include <system_error>

#include "embedded_wit.h"

namespace torvyn::contracts {

namespace fs = std::filesystem;

namespace {

// One table for every role: the interface a node names and the default world (host::component_world
// and the SDK agree on these).
constexpr RoleInfo kRoles[] = {
    {Role::Source, "source", "torvyn:streaming/source", "data-source", "torvyn:batching/source"},
    {Role::Processor, "processor", "torvyn:streaming/processor", "transform", "torvyn:batching/processor"},
    {Role::Filter, "filter", "torvyn:filtering/filter", "content-filter", ""},
    {Role::Router, "router", "torvyn:filtering/router", "content-router", ""},
    {Role::Aggregator, "aggregator", "torvyn:aggregation/aggregator", "stream-aggregator", ""},
    {Role::Sink, "sink", "torvyn:streaming/sink", "data-sink", "torvyn:batching/sink"},
};

// What streaming::StreamingHost::define gives every component instance.
constexpr std::string_view kHostInterfaces[] = {"torvyn:streaming/types", "torvyn:streaming/buffer-allocator"};

std::string_view unversioned(std::string_view s) { return s.substr(0, s.find('@')); }

bool has_wit_files(const fs::path& dir) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".wit" && it->is_regular_file(ec)) return true;
  return false;
}

void add_names(const wit::Resolve& r, std::vector<std::string>* out) {
  for (const auto& p : r.packages)
    for (const wit::World* w : p->worlds) {
      out->push_back(w->name);
      out->push_back(w->id());
    }
}

}  // namespace

std::span<const RoleInfo> roles() { return kRoles; }

const RoleInfo* role_of_interface(std::string_view interface) {
  std::string_view base = unversioned(interface);
  for (const RoleInfo& r : kRoles)
    if (base == r.interface) return &r;
  return nullptr;
}

const RoleInfo* role_of_batch_interface(std::string_view interface) {
  std::string_view base = unversioned(interface);
  for (const RoleInfo& r : kRoles)
    if (!r.batch_interface.empty() && base == r.batch_interface) return &r;
  return nullptr;
}

const RoleInfo* role_info(Role role) {
  for (const RoleInfo& r : kRoles)
    if (r.role == role) return &r;
  return nullptr;
}

const wit::ResolveResult& torvyn_contracts() {
  static const wit::ResolveResult result = [] {
    // torvyn:streaming is the root; the extension packages depend on it.
    std::vector<wit::SourceText> root;
    std::map<std::string, std::vector<wit::SourceText>> others;
    for (const auto& f : detail::embedded_wit_files()) {
      wit::SourceText s{std::string("<torvyn contracts>/") + f.package_dir + "/" + f.name, f.text};
      if (std::string_view(f.package_dir) == "streaming") root.push_back(std::move(s));
      else others[f.package_dir].push_back(std::move(s));
    }
    std::vector<std::vector<wit::SourceText>> deps;
    for (auto& [dir, files] : others) deps.push_back(std::move(files));
    return wit::parse_sources(std::move(root), std::move(deps));
  }();
  return result;
}

const wit::Interface* contract_interface(std::string_view id) {
  const auto& c = torvyn_contracts();
  if (!c.ok()) return nullptr;
  if (const wit::Interface* i = c.resolve->interface(id)) return i;
  // An unversioned or other-version id: the contract's interface of that name.
  std::string_view base = unversioned(id);
  for (const auto& i : c.resolve->interfaces)
    if (!i->name.empty() && unversioned(i->id()) == base) return i.get();
  return nullptr;
}

bool host_provides(std::string_view unversioned_interface) {
  std::string_view base = unversioned(unversioned_interface);
  return std::find(std::begin(kHostInterfaces), std::end(kHostInterfaces), base) != std::end(kHostInterfaces);
}

ProjectWit parse_project_wit(const fs::path& project_dir) {
  ProjectWit out;
  fs::path dir = project_dir / "wit";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  out.dir = dir;
  if (has_wit_files(dir)) {
    out.results.push_back(wit::parse_directory(dir));
    return out;
  }
  std::vector<fs::path> packages;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_directory(ec) && it->path().filename() != "deps" && has_wit_files(it->path())) packages.push_back(it->path());
  std::sort(packages.begin(), packages.end());
  for (const auto& p : packages) out.results.push_back(wit::parse_directory(p));
  if (packages.empty()) {
    Diagnostic d;
    d.code = ErrorCode::WitPackageName;
    d.severity = Severity::Warning;
    d.message = "the project's wit/ folder holds no .wit files";
    d.location.file = dir.string();
    d.help = "put a package's *.wit files directly in wit/ (dependencies in wit/deps/), or one folder per package; "
             "or remove the empty folder";
    out.diagnostics.push_back(std::move(d));
  }
  return out;
}

WorldLookup find_world(std::string_view spec, const ProjectWit* project) {
  WorldLookup out;
  const auto& torvyn = torvyn_contracts();
  auto in_torvyn = [&]() -> const wit::World* {
    if (!torvyn.ok()) return nullptr;
    if (spec.find(':') != std::string_view::npos) return torvyn.resolve->world(spec);
    for (const auto& p : torvyn.resolve->packages)
      if (const wit::World* w = p->world(spec)) return w;
    return nullptr;
  };
  auto in_project = [&]() -> std::pair<const wit::World*, std::string> {
    if (!project) return {nullptr, ""};
    for (const auto& r : project->results) {
      if (!r.ok()) continue;
      if (spec.find(':') != std::string_view::npos) {
        if (const wit::World* w = r.resolve->world(spec)) return {w, project->dir.string()};
      } else if (r.resolve->root) {
        if (const wit::World* w = r.resolve->root->world(spec)) return {w, project->dir.string()};
      }
    }
    return {nullptr, ""};
  };
  bool qualified = spec.find(':') != std::string_view::npos;
  if (!qualified) {
    if (const wit::World* w = in_torvyn()) {
      out.world = w;
      out.origin = "the Torvyn contracts";
    }
  }
  if (!out.world) {
    auto [w, origin] = in_project();
    if (w) {
      out.world = w;
      out.origin = origin;
    }
  }
  if (!out.world && qualified) {
    if (const wit::World* w = in_torvyn()) {
      out.world = w;
      out.origin = "the Torvyn contracts";
    }
  }
  if (!out.world) {
    if (torvyn.ok()) add_names(*torvyn.resolve, &out.candidates);
    if (project)
      for (const auto& r : project->results)
        if (r.ok()) add_names(*r.resolve, &out.candidates);
  }
  return out;
}

std::vector<const RoleInfo*> exported_roles(const wit::World& world) {
  std::vector<const RoleInfo*> out;
  for (const wit::WorldItem& e : world.exports)
    if (e.kind == wit::WorldItemKind::Interface && e.interface && !e.interface->name.empty())
      if (const RoleInfo* r = role_of_interface(e.interface->id())) out.push_back(r);
  return out;
}

bool versions_compatible(const std::optional<wit::Version>& a, const std::optional<wit::Version>& b) {
  if (!a || !b) return true;
  if (a->major != b->major) return false;
  if (a->major == 0 && a->minor != b->minor) return false;
  return true;
}

std::string version_text(const std::optional<wit::Version>& v) { return v ? v->to_string() : "(no version)"; }

}  // namespace torvyn::contracts
