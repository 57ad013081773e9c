// Capability grants against what a component imports (DESIGN.md §6 `[security]`, the security
// layer's deny-all policy): which imported interfaces need a grant, which the host does not
// provide at all, and which grants are unknown or unused.
//
// The table mirrors the WASI host (torvyn/security/wasi_host.h):
//   always available   wasi:io/{error,poll,streams}, wasi:clocks/{wall-clock,monotonic-clock},
//                      wasi:cli/{stdin,stdout,stderr,exit,terminal-*}
//   "wasi:cli/environment"  wasi:cli/environment — without it the guest sees an empty environment
//                      (a warning: it keeps working)
//   "wasi:random"      wasi:random/{random,insecure,insecure-seed} — without it calls trap (error)
//   "wasi:filesystem"  wasi:filesystem/{types,preopens} — without it the guest sees no files
//                      (an error under deny-all: the component asked for the file system)
//   not provided       any other wasi:* (sockets, http, ...), any other package (error: the
//                      component would not link); torvyn:* is conformance's business
// A grant covers a capability when it names it or an ancestor at a '/' boundary ("wasi:cli"
// covers "wasi:cli/environment"), as security::grant_covers does.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "torvyn/contracts/conformance.h"

namespace torvyn::contracts {

struct ImportClass {
  enum class Kind { Torvyn, Always, Gated, Unavailable } kind = Kind::Unavailable;
  std::string capability;       // Gated: the capability to grant
  bool fails_without = false;   // Gated: a missing grant breaks the component (else it degrades)
  std::string without;          // Gated: what the component sees without the grant
};

// How the host treats an imported interface ("wasi:random/random@0.2.12").
ImportClass classify_import(std::string_view interface_id);

// The capability names the host knows.
const std::vector<std::string>& known_capabilities();

// True when `grants` holds `capability` or one of its ancestors at a '/' boundary.
bool grant_covers(const std::vector<std::string>& grants, std::string_view capability);

struct CapabilityPolicy {
  bool deny_all = true;             // [security] default_capability_policy
  std::vector<std::string> grants;  // the component's (and node's) grants
  std::string grant_key;            // "security.grants.<name>" for help texts
};

// Findings for a component's imported interfaces (names as imported) under `policy`.
std::vector<Finding> check_imports(const std::vector<std::string>& imports, const CapabilityPolicy& policy, std::string_view component);

// Findings for the grants themselves: unknown capability names (always), and grants the component
// does not need (when `imports` is known: a grant nobody uses only widens what a compromised
// component could do).
std::vector<Finding> check_grants(const std::vector<std::string>& grants, const std::vector<std::string>* imports,
                                  std::string_view grant_key);

// Interface names a world or a component imports (for check_imports).
std::vector<std::string> imported_interfaces(const wit::World& world);

}  // namespace torvyn::contracts
