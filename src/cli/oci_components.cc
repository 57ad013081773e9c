#include "oci_components.h"

#include <set>

#include "registry_args.h"
#include "torvyn/packaging/lockfile.h"
#include "torvyn/packaging/registry_ref.h"

namespace torvyn::cli {

namespace {

namespace fs = std::filesystem;

bool is_oci(const std::string& s) { return s.rfind("oci://", 0) == 0; }

Diagnostic warning(ErrorCode code, const OciUse& use, std::string message, std::string help) {
  Diagnostic d;
  d.code = code;
  d.severity = Severity::Warning;
  d.message = std::move(message);
  d.location = use.where;
  d.key = use.key;
  d.help = std::move(help);
  return d;
}

}  // namespace

std::vector<OciUse> oci_uses(const config::Config& cfg) {
  std::vector<OciUse> out;
  for (const config::ComponentDecl& c : cfg.components)
    if (is_oci(c.path)) out.push_back({c.path, c.where, "component." + c.name + ".path"});
  for (const config::FlowDecl& f : cfg.flows)
    for (const config::NodeDecl& n : f.nodes)
      if (is_oci(n.component)) out.push_back({n.component, n.where, "flow." + f.name + ".nodes." + n.id + ".component"});
  return out;
}

Result<std::vector<packaging::Key>> load_trusted_keys(const config::Config& cfg) {
  std::vector<packaging::Key> keys;
  for (const std::string& f : cfg.security.trusted_keys) {
    auto k = packaging::load_public_key(f);
    if (!k) return Error(k.error().code, "[security] trusted_keys: " + k.error().message);
    keys.push_back(std::move(*k));
  }
  return keys;
}

std::optional<packaging::ResolvedComponent> resolve_use(const Globals& g, const OciUse& use, const packaging::ResolveRequest& rq,
                                                         int& exit_code) {
  auto r = packaging::resolve_oci_component(rq);
  if (r) return std::move(*r);
  Error e = r.take_error();
  e.message = use.key + ": " + e.message;
  print_error(g, e);
  exit_code = registry_exit_code(e);
  return std::nullopt;
}

bool resolve_oci_components(const Globals& g, config::Config& cfg, std::vector<Diagnostic>& diagnostics, int& exit_code, bool strict) {
  const std::vector<OciUse> uses = oci_uses(cfg);
  if (uses.empty()) return true;
  const fs::path lock_path = cfg.project_dir / "Torvyn.lock";
  auto lock = packaging::read_lockfile(lock_path);
  if (!lock) {
    print_error(g, lock.error());
    exit_code = kUsage;
    return false;
  }
  auto keys = load_trusted_keys(cfg);
  if (!keys) {
    print_error(g, keys.error());
    exit_code = kUsage;
    return false;
  }
  std::map<std::string, fs::path> resolved;
  std::set<std::string> used;
  for (const OciUse& use : uses) {
    used.insert(use.reference);
    if (resolved.count(use.reference)) continue;
    packaging::ResolveRequest rq;
    rq.reference = use.reference;
    if (auto pin = lock->pins.find(use.reference); pin != lock->pins.end()) rq.locked_digest = pin->second;
    rq.store = packaging::default_store_dir();
    rq.options = [&cfg](const packaging::RegistryRef& ref) { return registry_options(with_manifest_registry({}, cfg, ref), ref, false); };
    rq.require_signature = cfg.security.require_signatures;
    rq.trusted = *keys;
    auto r = resolve_use(g, use, rq, exit_code);
    if (!r) return false;
    if (!r->note.empty())
      diagnostics.push_back(warning(ErrorCode::RegistryUnreachable, use, r->note, "run `torvyn lock` while the registry is reachable to pin the digest"));
    auto ref = packaging::parse_registry_ref(use.reference);
    if (strict && ref && ref->digest.empty() && (ref->tag.empty() || ref->tag == "latest")) {
      Diagnostic d = warning(ErrorCode::ConfigInvalidValue, use, use.reference + " uses the mutable tag `latest`, refused under --strict",
                             "pin a version tag (and run `torvyn lock`) or a digest: oci://" + ref->host + "/" + ref->repository + "@" + r->digest);
      d.severity = Severity::Error;
      diagnostics.push_back(std::move(d));
    }
    // A version tag nothing pins: what runs is whatever the tag names today. (`latest` and a bare
    // repository are warned about by the manifest's own validation.)
    if (ref && ref->digest.empty() && rq.locked_digest.empty() && !ref->tag.empty() && ref->tag != "latest")
      diagnostics.push_back(warning(ErrorCode::ConfigInvalidValue, use,
                                    use.reference + " is a tag without a digest or a Torvyn.lock pin (it resolved to " + r->digest + " now)",
                                    "run `torvyn lock` to pin it, or write oci://" + ref->host + "/" + ref->repository + "@" + r->digest));
    resolved[use.reference] = r->wasm;
  }
  for (const auto& [ref, digest] : lock->pins)
    if (!used.count(ref)) {
      Diagnostic d;
      d.code = ErrorCode::LockfileInvalid;
      d.severity = Severity::Warning;
      d.message = lock_path.string() + " pins " + ref + ", which Torvyn.toml no longer uses";
      d.help = "run `torvyn lock` to rewrite the lock file";
      diagnostics.push_back(std::move(d));
    }
  for (config::ComponentDecl& c : cfg.components)
    if (is_oci(c.path)) c.path = resolved[c.path].string();
  for (config::FlowDecl& f : cfg.flows)
    for (config::NodeDecl& n : f.nodes)
      if (is_oci(n.component)) n.component = "file://" + resolved[n.component].string();
  return true;
}

}  // namespace torvyn::cli
