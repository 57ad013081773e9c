// `torvyn check` and `torvyn link` as library calls: a loaded Torvyn.toml in, diagnostics out.
//
// check_project (after config::load has validated the manifest):
//   - the project's WIT (<project>/wit, if present) is parsed; its errors are reported where they
//     are (a syntax error at its line);
//   - every [[component]]'s world (its `world` key, else the one its flow nodes imply) must exist
//     (E0409) and export a Torvyn role interface (E0410);
//   - a built component (a `path` ending in .wasm, or the `torvyn build` output) is read back as
//     WIT and compared with that world (E0411, E0412) and with the interfaces the host provides;
//     a component not built yet gets a note (E0423);
//   - capabilities: what the component (or else its world) imports against
//     [security.grants.<component>] under deny-all (E0414, E0415), and the grants themselves (E0416:
//     unknown or unused capabilities, grants keyed by a node id).
// link_project, for each flow (or the ones asked for):
//   - topology: edges to undeclared nodes (E0424), self-loops (E0417), cycles with their path
//     (E0418), sources with inputs / sinks with outputs / stages without inputs or outputs (E0419),
//     nodes no source reaches (E0420), ports the runtime ignores or that can never carry elements
//     (E0421), duplicate edges (E0425), nodes whose role cannot be told (E0426);
//   - each node's component: it exports the role interface its `interface` names (E0413, E0412),
//     its torvyn imports match the host, its capabilities are granted;
//   - each edge: both ends' torvyn:streaming versions are compatible and the types they share are
//     identical (E0412, E0422).
// Every diagnostic points into Torvyn.toml (file:line:column of the component, node, edge or key
// concerned) and carries a help line.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "torvyn/base/diagnostic.h"
#include "torvyn/base/result.h"
#include "torvyn/config/config.h"

namespace torvyn::contracts {

struct Report {
  std::vector<Diagnostic> diagnostics;
  std::map<std::string, std::string> sources;  // file -> text, for carets

  size_t count(Severity s) const;
  size_t errors() const { return count(Severity::Error); }
  size_t warnings() const { return count(Severity::Warning); }
  void append(Report other);
  // Every diagnostic rustc-style, separated by blank lines (errors only when `errors_only`).
  std::string render_human(bool errors_only = false) const;
  std::string render_json() const;  // a JSON array (render_json of base/diagnostic.h)
};

// How the project is laid out on disk; the CLI passes the host's functions so that check/link
// look exactly where `torvyn build` writes and `torvyn run` reads.
struct ProjectHooks {
  // Where a [[component]] built from sources lives (host::built_component_path).
  std::function<std::filesystem::path(const config::Config&, const config::ComponentDecl&)> built_path;
  // The world of a [[component]] without a `world` key (host::component_world).
  std::function<Result<std::string>(const config::Config&, const config::ComponentDecl&)> world_of;
};
// Defaults that follow the same rules: target/components/<name>.wasm; the world implied by the
// `interface` of the component's nodes.
ProjectHooks default_hooks();

struct CheckOptions {
  ProjectHooks hooks = default_hooks();
};
// `manifest_text` is the manifest's text (config::LoadResult::source), for locating keys.
Report check_project(const config::Config& cfg, const std::string& manifest_text, const CheckOptions& options = {});

struct LinkOptions {
  std::vector<std::string> flows;  // empty = every flow
  ProjectHooks hooks = default_hooks();
  // Validate every component's core modules (`link`, `check`). run/trace/bench's preflight turns
  // this off: the engines validate what they load (a 12 MB module takes ~0.5 s), and a warm aot
  // load reuses a compile of the same bytes, validated then.
  bool check_core_modules = true;
};
Report link_project(const config::Config& cfg, const std::string& manifest_text, const LinkOptions& options = {});

}  // namespace torvyn::contracts
