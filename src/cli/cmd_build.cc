// torvyn build: compile every [[component]] from its sources with the SDK toolchain.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "oci_components.h"
#include "progress.h"
#include "component_build.h"
#include "torvyn/base/json_text.h"

namespace torvyn::cli {

namespace {

struct BuildArgs {
  std::string manifest = "Torvyn.toml";
  std::vector<std::string> components;
  bool force = false;
  std::vector<std::string> config;
};

const char* kind_name(BuildOutcome::Kind k) {
  switch (k) {
    case BuildOutcome::Kind::Built: return "built";
    case BuildOutcome::Kind::UpToDate: return "up-to-date";
    case BuildOutcome::Kind::Prebuilt: return "prebuilt";
    case BuildOutcome::Kind::Failed: return "failed";
  }
  return "?";
}

int build(const Globals& g, const BuildArgs& a) {
  int code = kOk;
  auto cfg = load_manifest(g, a.manifest, a.config, code);
  if (!cfg) return code;
  // oci:// [[component]]s are prebuilt: fetched into the store, not built. Their warnings go to
  // stderr (build's stdout is its own report).
  std::vector<Diagnostic> oci_notes;
  if (!resolve_oci_components(g, *cfg, oci_notes, code)) return code;
  if (!g.quiet)
    for (const Diagnostic& d : oci_notes) std::cerr << g.err_text(render_human(d)) << "\n";
  Progress progress(Progress::mode_for(g));
  BuildOptions bo{a.components, a.force, g.verbose, show_builds(progress)};
  auto r = build_components(*cfg, bo);
  progress.stop();
  if (!r) {
    print_error(g, r.error());
    return r.error().code == ErrorCode::EnvironmentError ? kEnvironment : kUsage;
  }
  bool failed = false;
  nlohmann::json j = nlohmann::json::array();
  for (const auto& o : *r) {
    failed = failed || o.kind == BuildOutcome::Kind::Failed;
    if (g.json()) {
      j.push_back({{"component", o.component}, {"world", o.world}, {"output", o.output.string()}, {"status", kind_name(o.kind)},
                   {"seconds", o.seconds}, {"log", o.log}});
      continue;
    }
    if (o.kind == BuildOutcome::Kind::Failed) {
      std::cerr << "error: component `" << o.component << "` failed to build\n" << o.log;
      if (!o.log.empty() && o.log.back() != '\n') std::cerr << "\n";
    } else if (!g.quiet) {
      std::cout << "  " << kind_name(o.kind) << "  " << o.component;
      if (!o.world.empty()) std::cout << " (" << o.world << ")";
      std::cout << " -> " << o.output.string();
      if (o.kind == BuildOutcome::Kind::Built) std::printf(" in %.1f s", o.seconds);
      std::cout << "\n";
      if (g.verbose) std::cout << o.log;
    }
  }
  if (g.json()) std::cout << torvyn::json_text(j, 2) << "\n";
  if (r->empty() && !g.quiet && !g.json()) std::cout << "nothing to build: no [[component]] in " << a.manifest << "\n";
  return failed ? kFailed : kOk;
}

}  // namespace

void add_build(CLI::App& app, const Globals& g, int& exit_code) {
  auto a = std::make_shared<BuildArgs>();
  CLI::App* c = app.add_subcommand("build", "Build the project's components from their C/C++ sources");
  c->add_option("--manifest,-m", a->manifest, "Path to Torvyn.toml")->capture_default_str();
  c->add_option("components", a->components, "Only these components");
  c->add_flag("--force", a->force, "Rebuild even when up to date");
  c->add_option("--config,-c", a->config, "Override a configuration key: KEY=VALUE (repeatable)");
  c->callback([&g, &exit_code, a] { exit_code = build(g, *a); });
}

}  // namespace torvyn::cli
