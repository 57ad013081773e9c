// The Torvyn contracts (DESIGN.md §4) as this host implements them, the role interfaces of flow
// nodes, the project's own WIT, and finding the world a [[component]] names.
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "torvyn/base/diagnostic.h"
#include "torvyn/wit/resolve.h"

namespace torvyn::contracts {

enum class Role { Source, Processor, Filter, Router, Aggregator, Sink };

struct RoleInfo {
  Role role;
  std::string_view name;       // "processor"
  std::string_view interface;  // "torvyn:streaming/processor" (unversioned)
  std::string_view world;      // the world a component of this role is built for by default
  // The role's batch form (torvyn:batching, docs/batching.md), which the host calls instead when a
  // component exports it beside `interface`; "" for roles without one.
  std::string_view batch_interface;
};

std::span<const RoleInfo> roles();
// The role of an interface name, with or without version ("torvyn:streaming/processor@0.1.0").
const RoleInfo* role_of_interface(std::string_view interface);
const RoleInfo* role_info(Role role);
// The role whose batch form this interface is ("torvyn:batching/processor[@v]" -> processor).
const RoleInfo* role_of_batch_interface(std::string_view interface);

// The shipped packages (torvyn:streaming, torvyn:filtering, torvyn:aggregation, torvyn:batching,
// torvyn:capabilities), embedded from wit/ at build time and resolved together once.
const wit::ResolveResult& torvyn_contracts();
// The contract interface with this id (versioned or not); nullptr if the host has none.
const wit::Interface* contract_interface(std::string_view id);

// The Torvyn interfaces the host defines for every component (streaming::StreamingHost::define):
// a component may import these and nothing else of torvyn:*.
bool host_provides(std::string_view unversioned_interface);

// The project's WIT: <project>/wit holding a package's *.wit files (and deps/), or a folder of
// package folders (like the repository's wit/). Each package folder is resolved on its own.
struct ProjectWit {
  std::filesystem::path dir;                // "" when the project has no wit/ folder
  std::vector<wit::ResolveResult> results;  // one per package folder
  std::vector<Diagnostic> diagnostics;      // e.g. a wit/ folder without any .wit file (warning)
  bool present() const { return !dir.empty(); }
};
ProjectWit parse_project_wit(const std::filesystem::path& project_dir);

struct WorldLookup {
  const wit::World* world = nullptr;
  std::string origin;                   // "the Torvyn contracts" or the folder it was found in
  std::vector<std::string> candidates;  // every world name known, for "did you mean"
};

// Finds a world: a plain name ("transform") names a Torvyn world first, else a world of the
// project's packages; "ns:pkg/name[@version]" is looked up in the project's WIT first, then in
// the Torvyn contracts. `project` may be null.
WorldLookup find_world(std::string_view spec, const ProjectWit* project);

// The role interfaces a world exports, in export order.
std::vector<const RoleInfo*> exported_roles(const wit::World& world);

// Whether two versions of one package are compatible for linking: the same major version, and
// for 0.x the same minor (a missing version is compatible with anything).
bool versions_compatible(const std::optional<wit::Version>& a, const std::optional<wit::Version>& b);
std::string version_text(const std::optional<wit::Version>& v);  // "0.1.0" or "(no version)"

}  // namespace torvyn::contracts
