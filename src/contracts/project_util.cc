#include "project_util.h"

#include "torvyn/base/newest_file.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <system_error>
#include <tuple>

#include "torvyn/base/file_read.h"
#include "torvyn/contracts/contracts.h"

namespace torvyn::contracts {

namespace fs = std::filesystem;

size_t Report::count(Severity s) const {
  return static_cast<size_t>(std::count_if(diagnostics.begin(), diagnostics.end(), [&](const Diagnostic& d) { return d.severity == s; }));
}

void Report::append(Report other) {
  for (auto& d : other.diagnostics) diagnostics.push_back(std::move(d));
  for (auto& [k, v] : other.sources) sources.emplace(k, std::move(v));
}

std::string Report::render_human(bool errors_only) const {
  std::string out;
  for (const Diagnostic& d : diagnostics) {
    if (errors_only && d.severity != Severity::Error) continue;
    if (!out.empty()) out += "\n";
    auto it = sources.find(d.location.file);
    out += torvyn::render_human(d, it == sources.end() ? std::string() : it->second);
  }
  return out;
}

std::string Report::render_json() const { return torvyn::render_json(diagnostics); }

ProjectHooks default_hooks() {
  ProjectHooks h;
  h.built_path = [](const config::Config& cfg, const config::ComponentDecl& c) {
    return cfg.project_dir / "target" / "components" / (c.name + ".wasm");
  };
  h.world_of = [](const config::Config& cfg, const config::ComponentDecl& c) -> Result<std::string> {
    if (!c.world.empty()) return c.world;
    std::string found;
    for (const auto& f : cfg.flows)
      for (const auto& n : f.nodes) {
        if (n.component != c.name || n.interface.empty()) continue;
        const RoleInfo* r = role_of_interface(n.interface);
        if (!r) continue;
        if (!found.empty() && found != r->world)
          return Error(ErrorCode::FlowBuildFailed, "component `" + c.name + "` is used as both " + found + " and " +
                                                       std::string(r->world) + "; set its `world`");
        found = std::string(r->world);
      }
    if (found.empty())
      return Error(ErrorCode::FlowBuildFailed, "component `" + c.name + "`: cannot tell which world it is built for; add `world = \"transform\"` "
                                               "(or data-source, data-sink, managed-transform, content-filter, content-router, "
                                               "stream-aggregator) to its [[component]]");
    return found;
  };
  return h;
}

namespace detail {

namespace {

fs::path strip_file_scheme(const std::string& p) { return p.rfind("file://", 0) == 0 ? fs::path(p.substr(7)) : fs::path(p); }

}  // namespace

ComponentRef resolve_component(const config::Config& cfg, const config::ComponentDecl& c, const ProjectHooks& hooks) {
  ComponentRef r;
  r.display = c.name;
  r.decl = &c;
  fs::path declared = strip_file_scheme(c.path);
  if (declared.is_relative()) declared = cfg.project_dir / declared;
  if (declared.extension() == ".wasm") {
    r.file = declared;
    r.prebuilt = true;
  } else {
    r.file = hooks.built_path ? hooks.built_path(cfg, c) : default_hooks().built_path(cfg, c);
  }
  return r;
}

std::optional<Diagnostic> stale_build(const ComponentRef& ref, SourceLocation where, std::string key) {
  if (!ref.decl || ref.prebuilt) return std::nullopt;
  std::error_code ec;
  fs::file_time_type built = fs::last_write_time(ref.file, ec);
  if (ec) return std::nullopt;
  NewestFile source = newest_file_under(ref.decl->path);
  if (source.path.empty() || source.time <= built) return std::nullopt;
  Diagnostic d = make_diag(ErrorCode::ContractComponentStale, Severity::Warning,
                           "component " + std::string("`") + ref.decl->name + "` was built before its sources last changed", where,
                           "run `torvyn build` (what runs now is the older build)", std::move(key));
  d.notes.push_back("newer source: " + source.path.string());
  d.notes.push_back("built file: " + ref.file.string());
  return d;
}

ComponentRef resolve_reference(const config::Config& cfg, const std::string& reference, const ProjectHooks& hooks) {
  if (reference.rfind("oci://", 0) == 0) {
    ComponentRef r;
    r.display = reference;
    r.oci = true;
    return r;
  }
  if (reference.rfind("file://", 0) == 0) {
    ComponentRef r;
    r.display = reference;
    r.file = strip_file_scheme(reference);
    if (r.file.is_relative()) r.file = cfg.project_dir / r.file;
    // As written when relative; shortened to the project when inside it.
    fs::path rel = r.file.lexically_relative(cfg.project_dir);
    if (!rel.empty() && *rel.begin() != "..") r.display = "file://" + rel.string();
    r.prebuilt = true;
    return r;
  }
  if (const config::ComponentDecl* c = cfg.find_component(reference)) return resolve_component(cfg, *c, hooks);
  ComponentRef r;
  r.display = reference;
  return r;
}

const ComponentCache::Entry& ComponentCache::get(const fs::path& file) {
  auto it = entries_.find(file);
  if (it != entries_.end()) return it->second;
  Entry e;
  std::error_code ec;
  e.exists = !file.empty() && fs::is_regular_file(file, ec);
  if (e.exists) {
    auto read = read_file_capped(file.string(), kMaxComponentFileBytes, "component");
    if (read) {
      e.bytes.assign(read->begin(), read->end());
      auto w = component_wit_from_bytes(std::move(*read), check_core_modules_);
      if (w) e.wit = std::move(*w);
      else e.error = Error(w.error().code, w.error().message);
    } else {
      e.error = read.take_error();
    }
  }
  return entries_.emplace(file, std::move(e)).first->second;
}

std::string manifest_file_name(const config::Config& cfg) {
  for (const auto& c : cfg.components)
    if (!c.where.file.empty()) return c.where.file;
  for (const auto& f : cfg.flows) {
    if (!f.where.file.empty()) return f.where.file;
    for (const auto& n : f.nodes)
      if (!n.where.file.empty()) return n.where.file;
  }
  return cfg.manifest_path.string();
}

Diagnostic make_diag(ErrorCode code, Severity sev, std::string message, SourceLocation where, std::string help, std::string key) {
  Diagnostic d;
  d.code = code;
  d.severity = sev;
  d.message = std::move(message);
  d.location = std::move(where);
  d.help = std::move(help);
  d.key = std::move(key);
  return d;
}

Diagnostic from_finding(const Finding& f, SourceLocation where, std::string key) {
  Diagnostic d = make_diag(f.code, f.severity, f.message, std::move(where), f.help, std::move(key));
  d.notes = f.notes;
  return d;
}

std::string toml_key(const std::string& k) {
  bool bare = !k.empty() && std::all_of(k.begin(), k.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; });
  return bare ? k : "\"" + k + "\"";
}

void sort_by_location(std::vector<Diagnostic>& ds) {
  // Files in order of first appearance; within a file by line and column; unlocated ones last.
  std::map<std::string, size_t> rank;
  for (const Diagnostic& d : ds) rank.emplace(d.location.file, rank.size());
  auto key = [&](const Diagnostic& d) {
    bool located = d.location.line > 0;
    return std::make_tuple(located ? 0 : 1, located ? rank[d.location.file] : 0, located ? d.location.line : 0u,
                           located ? d.location.column : 0u);
  };
  std::stable_sort(ds.begin(), ds.end(), [&](const Diagnostic& a, const Diagnostic& b) { return key(a) < key(b); });
}

}  // namespace detail
}  // namespace torvyn::contracts
