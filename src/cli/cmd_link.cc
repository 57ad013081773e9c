// torvyn link: check each flow's topology, each node's component against its role, each edge's two
// ends and the capability grants (contracts/project.h). Exit 0 when no error, 1 otherwise; 2 when
// the manifest does not load.
//
// torvyn link --compat OLD NEW: classify the change between two versions of a WIT package (two
// package folders or .wit files) or of a component (two .wasm files): compatible,
// compatible-with-additions or breaking, with every change (contracts/compat_paths.h). Exit 0 unless
// breaking (1); 2 when either side cannot be read or parsed.
#include <iostream>

#include "cli.h"
#include "oci_components.h"
#include "torvyn/contracts/compat_paths.h"
#include "torvyn/contracts/project.h"
#include "component_build.h"
#include "torvyn/host/runtime.h"

namespace torvyn::cli {

namespace {

struct LinkArgs {
  std::string manifest = "Torvyn.toml";
  std::vector<std::string> flows;
  std::vector<std::string> compat;
  std::vector<std::string> config;
  bool strict = false;
};

int compat(const Globals& g, const LinkArgs& a) {
  contracts::CompatResult r = contracts::compare_versions(a.compat[0], a.compat[1]);
  if (!r.ok()) {
    if (g.json()) std::cout << r.problems.render_json() << "\n";
    else std::cerr << g.err_text(r.problems.render_human()) << "\n";
    return kUsage;
  }
  if (g.json()) std::cout << contracts::render_compat_json(r) << "\n";
  else if (!g.quiet || r.report.overall == wit::Compat::Breaking) std::cout << contracts::render_compat_human(r);
  return r.report.overall == wit::Compat::Breaking ? kFailed : kOk;
}

int link(const Globals& g, const LinkArgs& a) {
  if (!a.compat.empty()) return compat(g, a);
  int code = kOk;
  std::optional<config::LoadResult> load = load_for_report(g, a.manifest, a.config, code);
  if (!load) return code;
  // Config diagnostics and link diagnostics go out as one report (one JSON array).
  config::LoadResult& loaded = *load;
  contracts::Report report;
  report.diagnostics = loaded.diagnostics;
  report.sources = loaded.sources;
  if (loaded.ok()) {
    if (!resolve_oci_components(g, *loaded.config, report.diagnostics, code, a.strict)) return code;
    contracts::LinkOptions lo;
    lo.flows = a.flows;
    lo.hooks = project_hooks();
    report.append(contracts::link_project(*loaded.config, loaded.source, lo));
  }
  size_t errors = report.errors(), warnings = report.warnings();
  if (g.json()) {
    std::cout << report.render_json() << "\n";
  } else {
    std::string out = report.render_human(g.quiet);
    if (!out.empty()) std::cerr << g.err_text(out) << "\n";
    if (!g.quiet && loaded.ok()) {
      size_t flows = a.flows.empty() ? loaded.config->flows.size() : a.flows.size();
      std::cout << "link: " << errors << (errors == 1 ? " error, " : " errors, ") << warnings << (warnings == 1 ? " warning" : " warnings")
                << " (" << flows << (flows == 1 ? " flow)" : " flows)") << "\n";
    }
  }
  if (!loaded.ok()) return kUsage;  // the manifest itself is wrong (DESIGN.md §9: config errors exit 2)
  // `--flow nope` is a usage error, as for run/trace/bench.
  for (const Diagnostic& d : report.diagnostics)
    if (d.key == "--flow" && d.severity == Severity::Error) return kUsage;
  return errors || (a.strict && warnings) ? kFailed : kOk;
}

}  // namespace

void add_link(CLI::App& app, const Globals& g, int& exit_code) {
  auto a = std::make_shared<LinkArgs>();
  CLI::App* c = app.add_subcommand("link", "Check the flows: topology, each node's component against its role, edges, capability grants");
  c->add_option("--manifest,-m", a->manifest, "Path to Torvyn.toml")->capture_default_str();
  c->add_option("--flow,-f", a->flows, "Only this flow (repeatable)");
  c->add_option("--compat", a->compat, "Classify the change between two versions of a WIT package (folders or .wit files) or of a component (.wasm)")
      ->expected(2)
      ->type_name("PATH");
  c->add_option("--config,-c", a->config, "Override a configuration key: KEY=VALUE (repeatable)");
  c->add_flag("--strict", a->strict, "Fail on warnings too; an oci:// component on `latest` is an error");
  c->callback([&g, &exit_code, a] { exit_code = link(g, *a); });
}

}  // namespace torvyn::cli
