// Comparing a component's type (component_wit.h) with what it must be: the world it declares, the
// interfaces the host provides, the role interface a flow node names, and the component at the other
// end of an edge. Built on the WIT compatibility diff (torvyn/wit/compat.h); a Finding is a
// diagnostic without a location (check/link attach one in Torvyn.toml).
//
// Which differences count, and why:
//  - exports: the contract (world or role interface) is the old version, the component the new one:
//    a function or type the contract has and the component lacks or changed is an error; extra
//    functions are harmless. A `use`d type the component does not re-export is fine
//    (wit-component only re-exports the types its functions mention).
//  - imports: the component is the old version, the host's interface the new one: anything the
//    component imports that the host lacks or defines differently is an error; the host offering
//    more is fine (imported instance types list only what the component uses).
//  - edges: both ends import torvyn:streaming/types; every type both use must be identical, and the
//    package versions compatible (same major; for 0.x the same minor).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "torvyn/base/diagnostic.h"
#include "torvyn/contracts/component_wit.h"
#include "torvyn/contracts/contracts.h"
#include "torvyn/wit/compat.h"

namespace torvyn::contracts {

struct Finding {
  ErrorCode code = ErrorCode::Internal;
  Severity severity = Severity::Error;
  std::string message;
  std::vector<std::string> notes;
  std::string help;
};

// A built component against the world it declares (`component` names it in messages).
std::vector<Finding> conform_to_world(const ComponentWit& c, const wit::World& world, std::string_view component);
// The component's torvyn:* imports against the interfaces the host defines (versions and types).
// Other imports are the capability check's (capabilities.h).
std::vector<Finding> conform_to_host(const ComponentWit& c, std::string_view component);
// The component exports `role`'s interface, compatible with `wanted` (the version the node names,
// if any) and with the host's contract.
std::vector<Finding> check_role_export(const ComponentWit& c, const RoleInfo& role, const std::optional<wit::Version>& wanted,
                                       std::string_view component);
// The role interfaces a component exports.
std::vector<const RoleInfo*> component_roles(const ComponentWit& c);
// The version of torvyn:streaming a component was built against (its types import, else any
// torvyn:streaming export); nullopt when it uses none.
std::optional<wit::Version> streaming_version(const ComponentWit& c);
// The two ends of an edge (named in messages as given, e.g. the node ids): compatible
// torvyn:streaming versions and identical shared types.
// Breaking differences are errors (LinkIncompatible / ContractVersionMismatch), additions warnings.
std::vector<Finding> compare_edge(const ComponentWit& from, std::string_view from_name, const ComponentWit& to, std::string_view to_name);

// The changes of a diff between an interface a component uses and the one it is compared with,
// without those that only reflect that imported instance types list just what is used: `used`
// items missing from `offered` are kept, items only in `offered` dropped. (Exposed for tests.)
wit::CompatReport diff_used(const wit::Interface& used, const wit::Interface& offered);
// The changes of a diff between a contract interface and a component's export of it, without the
// `use`d types the component does not re-export. (Exposed for tests.)
wit::CompatReport diff_provided(const wit::Interface& contract, const wit::Interface& provided);

}  // namespace torvyn::contracts
