// torvyn lock: resolves every oci:// reference of Torvyn.toml to the manifest digest it names
// now, pulls each artifact into the store, and writes Torvyn.lock (packaging/lockfile.h), which
// `run`, `check` and `link` then use instead of asking the registry what a tag means.
//
//   torvyn lock [--manifest Torvyn.toml] [--config K=V]... [--username U --password-stdin]
//               [--ca-file CA.pem] [--plain-http]
//
// The registry options apply to every registry the manifest names. With [security]
// require_signatures, an artifact no trusted key has signed is refused here too.
//
// Exit codes: 0 locked (Torvyn.lock written); 1 a registry or signature failure; 2 usage, a bad
// manifest or reference, a tag the registry does not have; 3 a registry unreachable.

#include <iostream>
#include <nlohmann/json.hpp>

#include "oci_components.h"
#include "registry_args.h"
#include "torvyn/base/json_text.h"
#include "torvyn/packaging/lockfile.h"

namespace torvyn::cli {

namespace {

using nlohmann::json;

struct LockArgs {
  std::string manifest = "Torvyn.toml";
  std::vector<std::string> config;
  RegistryArgs registry;
};

int lock(const Globals& g, const LockArgs& a) {
  int code = kOk;
  auto loaded = load_for_report(g, a.manifest, a.config, code);
  if (!loaded) return code;
  if (!loaded->ok()) {
    for (const Diagnostic& d : loaded->diagnostics)
      if (d.severity == Severity::Error) {
        print_error(g, Error(d.code, d.message + (d.key.empty() ? "" : " (" + d.key + ")")));
        break;
      }
    return kUsage;
  }
  // The manifest's own warnings (a `latest` tag) on stderr: stdout is the command's one document.
  if (!g.quiet)
    for (const Diagnostic& d : loaded->diagnostics) std::cerr << g.err_text(render_human(d, loaded->source_for(d))) << "\n";
  const config::Config& cfg = *loaded->config;
  auto keys = load_trusted_keys(cfg);
  if (!keys) {
    print_error(g, keys.error());
    return kUsage;
  }
  // --password-stdin is read once, for every registry.
  std::optional<packaging::RegistryCredentials> creds;
  packaging::Lockfile out;
  json artifacts = json::array();
  for (const OciUse& use : oci_uses(cfg)) {
    if (out.pins.count(use.reference)) continue;
    packaging::ResolveRequest rq;
    rq.reference = use.reference;
    rq.store = packaging::default_store_dir();
    rq.refresh = true;
    rq.options = [&](const packaging::RegistryRef& ref) -> Result<packaging::RegistryOptions> {
      RegistryArgs args = with_manifest_registry(a.registry, cfg, ref);
      if (creds) args.password_stdin = false;  // already read
      auto o = registry_options(args, ref, false);
      if (!o) return o;
      if (creds) o->credentials = creds;
      else if (o->credentials && a.registry.password_stdin) creds = o->credentials;
      return o;
    };
    rq.require_signature = cfg.security.require_signatures;
    rq.trusted = *keys;
    int code = kOk;
    auto r = resolve_use(g, use, rq, code);
    if (!r) return code;
    out.pins[use.reference] = r->digest;
    artifacts.push_back({{"reference", use.reference}, {"digest", r->digest}, {"signature", r->signature.state_name()}});
  }
  const auto lock_path = cfg.project_dir / "Torvyn.lock";
  if (auto w = packaging::write_lockfile(lock_path, out); !w) {
    print_error(g, w.error());
    return kUsage;
  }
  if (g.json()) {
    std::cout << json_text(json{{"lockfile", lock_path.string()}, {"artifacts", artifacts}}, 2) << "\n";
  } else if (!g.quiet) {
    for (const auto& x : artifacts)
      std::cout << "locked " << x["reference"].get<std::string>() << "\n  -> " << x["digest"].get<std::string>() << " (signature "
                << x["signature"].get<std::string>() << ")\n";
    std::cout << "wrote " << lock_path.string() << " (" << artifacts.size() << (artifacts.size() == 1 ? " artifact" : " artifacts")
              << "); commit it with Torvyn.toml\n";
  }
  return kOk;
}

}  // namespace

void add_lock(CLI::App& app, const Globals& g, int& exit_code) {
  auto a = std::make_shared<LockArgs>();
  CLI::App* c = app.add_subcommand("lock", "Pin every oci:// component of Torvyn.toml to its manifest digest in Torvyn.lock (pulling each into the store)");
  c->add_option("--manifest,-m", a->manifest, "Path to Torvyn.toml")->capture_default_str();
  c->add_option("--config,-c", a->config, "Override a configuration key: KEY=VALUE (repeatable)");
  add_registry_options(c, a->registry);
  c->callback([&g, &exit_code, a] { exit_code = lock(g, *a); });
}

}  // namespace torvyn::cli
