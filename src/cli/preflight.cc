// Before `run`, `trace` and `bench` build anything: the manifest is loaded and its flows linked,
// exactly as `torvyn link` does (contracts::link_project), so a cycle, an interface typo, a node
// without edges, a missing pinned .wasm or a component of the wrong role is reported with the same
// file:line, help and did-you-mean, and refused as a configuration error (exit 2) before a single
// component is instantiated. Warnings (a component built before its sources changed, E0427) are
// shown and the run goes on.
#include <iostream>

#include "cli.h"
#include "oci_components.h"
#include "torvyn/contracts/project.h"
#include "component_build.h"
#include "torvyn/host/runtime.h"

namespace torvyn::cli {

contracts::ProjectHooks project_hooks() {
  contracts::ProjectHooks h;
  h.built_path = host::built_component_path;
  h.world_of = component_world;
  return h;
}

std::optional<config::Config> load_for_run(const Globals& g, const std::string& manifest, const std::vector<std::string>& overrides,
                                           const std::vector<std::string>& flows, int& exit_code) {
  std::optional<config::LoadResult> load = load_for_report(g, manifest, overrides, exit_code);
  if (!load) return std::nullopt;
  contracts::Report report;
  report.diagnostics = load->diagnostics;
  report.sources = load->sources;
  if (load->ok()) {
    // oci:// components resolve to verified files in the store (and signatures are enforced)
    // before anything is linked or instantiated.
    if (!resolve_oci_components(g, *load->config, report.diagnostics, exit_code)) return std::nullopt;
    contracts::LinkOptions lo;
    lo.flows = flows;
    lo.hooks = project_hooks();
    lo.check_core_modules = false;  // the engines validate what they load (LinkOptions)
    contracts::Report linked = contracts::link_project(*load->config, load->source, lo);
    // A capability the component is not granted is link's error (the component will not work as
    // built), but running it is the operator's call: the runtime enforces deny-all at each call
    // (a trap, no files), so the run warns and goes on.
    for (Diagnostic& d : linked.diagnostics)
      if (d.code == ErrorCode::CapabilityNotGranted && d.severity == Severity::Error) {
        d.severity = Severity::Warning;
        d.notes.push_back("the run goes on; the policy is enforced when the component calls it");
      }
    report.append(std::move(linked));
  }
  const bool failed = report.errors() > 0;
  if (g.json()) {
    // Only when refusing: a run's stdout is otherwise its report alone.
    if (failed) std::cout << report.render_json() << "\n";
  } else {
    std::string text = report.render_human(g.quiet);
    if (!text.empty()) std::cerr << g.err_text(text) << "\n";
  }
  if (failed) {
    if (!g.json() && !g.quiet) std::cerr << "nothing ran: the flows have " << report.errors() << (report.errors() == 1 ? " error" : " errors") << " (see `torvyn link`)\n";
    exit_code = kUsage;
    return std::nullopt;
  }
  return std::move(load->config);
}

}  // namespace torvyn::cli
