// oci:// components in Torvyn.toml, for every command that loads the project (check, link, run,
// trace, bench, build): each reference — a node's `component` or a [[component]]'s `path` — is
// resolved to a verified .wasm in the artifact store (packaging/oci_resolve.h), using the digest
// Torvyn.lock pins for it, and rewritten in the loaded configuration as that file, so the rest of
// Torvyn handles it as a prebuilt component. `[security] require_signatures` is enforced here,
// before anything is instantiated.
//
// Registry access uses the credentials of registry_args.h (environment, docker's config.json)
// over https, or what the manifest's [registry."host"] section says (plain_http, ca_file).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "cli.h"
#include "torvyn/packaging/oci_resolve.h"

namespace torvyn::cli {

// Every oci:// reference of `cfg` (as written), with where it is written.
struct OciUse {
  std::string reference;
  SourceLocation where;
  std::string key;  // "flow.main.nodes.upper.component" or "component.upper.path"
};
std::vector<OciUse> oci_uses(const config::Config& cfg);

// The public keys of [security] trusted_keys, loaded; the error names the key and the section.
Result<std::vector<packaging::Key>> load_trusted_keys(const config::Config& cfg);

// `use` resolved by packaging::resolve_oci_component(rq); a failure is printed, prefixed with the
// manifest key that names the reference, and `exit_code` set as registry_exit_code says.
std::optional<packaging::ResolvedComponent> resolve_use(const Globals& g, const OciUse& use, const packaging::ResolveRequest& rq,
                                                         int& exit_code);

// Resolves and rewrites every oci:// reference of `cfg`. Warnings (a tag Torvyn.lock does not
// pin, a registry that is down and the store used instead) are appended to `diagnostics`; with
// `strict` (check/link --strict), a mutable `latest` tag (or none) is an error diagnostic there. On
// failure the error is printed, `exit_code` set (1 security/registry failure, 2 a bad reference or
// lock file, 3 unreachable without a cached copy) and false returned.
bool resolve_oci_components(const Globals& g, config::Config& cfg, std::vector<Diagnostic>& diagnostics, int& exit_code, bool strict = false);

}  // namespace torvyn::cli
