// torvyn check: validate Torvyn.toml, the project's WIT, each component against its world,
// capability grants and every flow as `torvyn link` does (contracts/project.h). Exit 0 when nothing is wrong (--strict: not even a
// warning), 1 otherwise; 2 when the manifest cannot be read or has errors of its own, or an
// option is malformed.
#include <algorithm>
#include <iostream>

#include "cli.h"
#include "oci_components.h"
#include "torvyn/contracts/project.h"
#include "component_build.h"
#include "torvyn/host/runtime.h"

namespace torvyn::cli {

namespace {

struct CheckArgs {
  std::string manifest = "Torvyn.toml";
  bool strict = false;
  std::vector<std::string> config;
};

// Appends the diagnostics of `more` that `report` does not already hold (same code, message and
// place).
void append_new(contracts::Report& report, contracts::Report more) {
  auto same = [](const Diagnostic& a, const Diagnostic& b) {
    return a.code == b.code && a.message == b.message && a.location.file == b.location.file && a.location.line == b.location.line;
  };
  for (Diagnostic& d : more.diagnostics)
    if (std::none_of(report.diagnostics.begin(), report.diagnostics.end(), [&](const Diagnostic& x) { return same(x, d); }))
      report.diagnostics.push_back(std::move(d));
  report.sources.merge(more.sources);
}

// config::load's diagnostics plus contracts::check_project's and link_project's, as one report.
int check(const Globals& g, const CheckArgs& a) {
  int code = kOk;
  std::optional<config::LoadResult> load = load_for_report(g, a.manifest, a.config, code);
  if (!load) return code;
  config::LoadResult& loaded = *load;
  contracts::Report report;
  report.diagnostics = loaded.diagnostics;
  report.sources = loaded.sources;
  if (loaded.ok()) {
    // oci:// components: fetched (or taken from the store) and checked as the .wasm they are.
    if (!resolve_oci_components(g, *loaded.config, report.diagnostics, code, a.strict)) return code;
    contracts::CheckOptions co;
    co.hooks = project_hooks();
    report.append(contracts::check_project(*loaded.config, loaded.source, co));
    // The flows too, as `torvyn link` sees them: a cycle or an interface typo is something to
    // check before running. A component problem both passes find is reported once.
    contracts::LinkOptions lo;
    lo.hooks = co.hooks;
    append_new(report, contracts::link_project(*loaded.config, loaded.source, lo));
  }
  size_t errors = report.errors(), warnings = report.warnings();
  bool failed = errors > 0 || (a.strict && warnings > 0);
  if (g.json()) {
    std::cout << report.render_json() << "\n";
  } else {
    std::string text = report.render_human(g.quiet);
    if (!text.empty()) std::cerr << g.err_text(text) << "\n";
    if (!g.quiet) {
      std::cout << "check: " << errors << (errors == 1 ? " error, " : " errors, ") << warnings << (warnings == 1 ? " warning" : " warnings");
      if (loaded.ok()) {
        size_t flows = loaded.config->flows.size(), comps = loaded.config->components.size();
        std::cout << " (" << comps << (comps == 1 ? " component, " : " components, ") << flows << (flows == 1 ? " flow)" : " flows)");
      }
      if (a.strict && errors == 0 && warnings > 0) std::cout << "; --strict fails on warnings";
      std::cout << "\n";
    }
  }
  if (!loaded.ok()) return kUsage;  // the manifest itself is wrong (DESIGN.md §9: config errors exit 2)
  return failed ? kFailed : kOk;
}

}  // namespace

void add_check(CLI::App& app, const Globals& g, int& exit_code) {
  auto a = std::make_shared<CheckArgs>();
  CLI::App* c = app.add_subcommand("check", "Check Torvyn.toml, the project's WIT, each component against its world, and capability grants");
  c->add_option("--manifest,-m", a->manifest, "Path to Torvyn.toml")->capture_default_str();
  c->add_flag("--strict", a->strict, "Fail on warnings too");
  c->add_option("--config,-c", a->config, "Override a configuration key: KEY=VALUE (repeatable)");
  c->callback([&g, &exit_code, a] { exit_code = check(g, *a); });
}

}  // namespace torvyn::cli
