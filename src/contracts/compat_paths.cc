#include "torvyn/contracts/compat_paths.h"

#include <nlohmann/json.hpp>

#include "project_util.h"
#include "torvyn/contracts/component_wit.h"
#include "torvyn/base/json_text.h"

namespace torvyn::contracts {

namespace fs = std::filesystem;

namespace {

bool is_wasm(const fs::path& p) { return p.extension() == ".wasm"; }

void add_error(CompatResult& r, ErrorCode code, const std::string& file, std::string message, std::string help = "") {
  SourceLocation at;
  at.file = file;
  r.problems.diagnostics.push_back(detail::make_diag(code, Severity::Error, std::move(message), at, std::move(help)));
}

std::string unversioned_id(const wit::Interface* i) {
  if (!i || i->name.empty() || !i->package) return "";
  return i->package->name.unversioned() + "/" + i->name;
}

void merge(wit::CompatReport& into, const wit::CompatReport& from) {
  for (const auto& c : from.changes) into.changes.push_back(c);
  if (from.overall > into.overall) into.overall = from.overall;
}

// Two components: their worlds (imports and exports added, removed, re-versioned), then the
// contents of every interface both import or both export.
void compare_components(CompatResult& r, const ComponentWit& a, const ComponentWit& b) {
  r.report = wit::diff(*a.world, *b.world);
  auto contents = [&](const std::vector<wit::WorldItem>& xs, const std::vector<wit::WorldItem>& ys, bool imports) {
    for (const auto& x : xs) {
      if (x.kind != wit::WorldItemKind::Interface || !x.interface) continue;
      std::string id = unversioned_id(x.interface);
      for (const auto& y : ys)
        if (y.kind == wit::WorldItemKind::Interface && y.interface && !id.empty() && unversioned_id(y.interface) == id) {
          // An import is used by the component (old -> new as for any contract); so is an export.
          wit::CompatReport d = wit::diff(*x.interface, *y.interface);
          for (auto& c : d.changes) c.path = std::string(imports ? "import " : "export ") + c.path;
          merge(r.report, d);
        }
    }
  };
  contents(a.world->imports, b.world->imports, true);
  contents(a.world->exports, b.world->exports, false);
}

}  // namespace

CompatResult compare_versions(const fs::path& old_path, const fs::path& new_path) {
  CompatResult r;
  if (is_wasm(old_path) != is_wasm(new_path)) {
    add_error(r, ErrorCode::IoError, "", "cannot compare a component binary with WIT: give two .wasm files or two WIT folders",
              "compare `torvyn link --compat old.wasm new.wasm`, or `torvyn link --compat old-wit/ new-wit/`");
    return r;
  }
  if (is_wasm(old_path)) {
    auto a = read_component_wit(old_path);
    auto b = read_component_wit(new_path);
    if (!a) add_error(r, a.error().code, old_path.string(), a.error().message);
    if (!b) add_error(r, b.error().code, new_path.string(), b.error().message);
    if (!a || !b) return r;
    r.old_name = old_path.string();
    r.new_name = new_path.string();
    compare_components(r, *a, *b);
    return r;
  }
  wit::ResolveResult a = wit::parse_directory(old_path);
  wit::ResolveResult b = wit::parse_directory(new_path);
  for (const auto* x : {&a, &b}) {
    for (const auto& d : x->diagnostics) r.problems.diagnostics.push_back(d);
    for (const auto& [f, s] : x->sources) r.problems.sources[f] = s;
  }
  if (!a.ok() || !b.ok()) return r;
  r.old_name = a.resolve->root->name.to_string();
  r.new_name = b.resolve->root->name.to_string();
  r.report = wit::diff(*a.resolve->root, *b.resolve->root);
  return r;
}

std::string render_compat_human(const CompatResult& r) {
  std::string out = r.old_name + " -> " + r.new_name + ": " + std::string(wit::to_string(r.report.overall)) + "\n";
  size_t width = 0;
  for (const auto& c : r.report.changes) width = std::max(width, wit::to_string(c.severity).size());
  for (const auto& c : r.report.changes) {
    std::string sev(wit::to_string(c.severity));
    out += "  " + sev + std::string(width - sev.size() + 2, ' ') + c.path + ": " + c.description + "\n";
  }
  if (r.report.changes.empty()) out += "  no changes\n";
  return out;
}

std::string render_compat_json(const CompatResult& r) {
  nlohmann::json changes = nlohmann::json::array();
  for (const auto& c : r.report.changes)
    changes.push_back({{"severity", std::string(wit::to_string(c.severity))}, {"path", c.path}, {"description", c.description}});
  nlohmann::json j{{"old", r.old_name},
                   {"new", r.new_name},
                   {"classification", std::string(wit::to_string(r.report.overall))},
                   {"changes", changes}};
  return json_text(j);
}

}  // namespace torvyn::contracts
