// The `torvyn` command line (DESIGN.md §9).
#include <iostream>

#include "cli.h"

int main(int argc, char** argv) {
  using namespace torvyn::cli;
  CLI::App app{"Torvyn: an ownership-aware streaming runtime for WebAssembly components"};
  app.set_version_flag("--version", std::string("torvyn 0.1.0"));
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand: `torvyn run -q`
  Globals g;
  one_of(app.add_option("--format", g.format, "Output format")->capture_default_str(), {"human", "json"});
  app.add_flag("-v,--verbose", g.verbose, "More output");
  app.add_flag("-q,--quiet", g.quiet, "Only errors");
  app.add_flag("--color", g.color, "Colour human output");
  int exit_code = kOk;
  add_init(app, g, exit_code);
  add_build(app, g, exit_code);
  add_run(app, g, exit_code);
  add_doctor(app, g, exit_code);
  add_check(app, g, exit_code);
  add_link(app, g, exit_code);
  add_inspect(app, g, exit_code);
  add_trace(app, g, exit_code);
  add_bench(app, g, exit_code);
  add_completions(app, g, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kOk : kUsage;
  }
  return exit_code;
}
