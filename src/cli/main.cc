// The `torvyn` command line (DESIGN.md §9).
#include <algorithm>
#include <csignal>
#include <iostream>

#include "cli.h"
#include "torvyn/base/suggest.h"

int main(int argc, char** argv) {
  using namespace torvyn::cli;
  // A closed pipe (`torvyn run -o - | head`) must be a write error we handle (the output sink
  // stops the flow), not a signal that kills the process mid-drain.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"Torvyn: an ownership-aware streaming runtime for WebAssembly components"};
  app.set_version_flag("--version", std::string("torvyn 0.1.0"));
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand: `torvyn run -q`
  Globals g;
  one_of(app.add_option("--format", g.format, "Output format")->capture_default_str(), {"human", "json"});
  app.add_flag("-v,--verbose", g.verbose, "More output");
  app.add_flag("-q,--quiet", g.quiet, "Only errors");
  one_of(app.add_option("--color", g.color, "Colour human output: auto (on a terminal, unless NO_COLOR is set), always, never")
             ->capture_default_str(),
         {"auto", "always", "never"});
  int exit_code = kOk;
  add_init(app, g, exit_code);
  add_build(app, g, exit_code);
  add_run(app, g, exit_code);
  add_doctor(app, g, exit_code);
  add_check(app, g, exit_code);
  add_link(app, g, exit_code);
  add_inspect(app, g, exit_code);
  add_drain(app, g, exit_code);
  add_pack(app, g, exit_code);
  add_key(app, g, exit_code);
  add_sign(app, g, exit_code);
  add_publish(app, g, exit_code);
  add_pull(app, g, exit_code);
  add_lock(app, g, exit_code);
  add_trace(app, g, exit_code);
  add_bench(app, g, exit_code);
  add_top(app, g, exit_code);
  add_completions(app, g, exit_code);
  // `torvyn` alone: what it can do, not an error message about a missing subcommand.
  if (argc == 1) {
    std::cout << app.help();
    return kOk;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // `torvyn buidl`: name the unknown command and the nearest real one.
    std::vector<std::string> names;
    for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) names.push_back(sub->get_name());
    const bool known = std::find(names.begin(), names.end(), std::string(argv[1])) != names.end();
    if (argv[1][0] != '-' && !known) {
      std::cerr << "error: unknown command `" << argv[1] << "`";
      if (auto near = torvyn::suggest(argv[1], names)) std::cerr << "; did you mean `" << *near << "`?";
      std::cerr << "\nRun `torvyn --help` for the commands.\n";
      return kUsage;
    }
    int rc = app.exit(e);
    return rc == 0 ? kOk : kUsage;
  }
  return exit_code;
}
