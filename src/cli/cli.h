// Shared pieces of the `torvyn` commands: global options, exit codes (DESIGN.md §9), loading the
// manifest with diagnostics, output helpers.
#pragma once

#include <CLI/CLI.hpp>
#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "torvyn/base/diagnostic.h"
#include "torvyn/config/config.h"

namespace torvyn::cli {

enum Exit : int { kOk = 0, kFailed = 1, kUsage = 2, kEnvironment = 3 };

struct Globals {
  std::string format = "human";  // human | json
  bool verbose = false;
  bool quiet = false;
  bool color = false;
  bool json() const { return format == "json"; }
};

// Loads the manifest (default ./Torvyn.toml) with --config overrides. Prints diagnostics (errors
// and warnings) to stderr, or as JSON on stdout with --format json. nullopt when it has errors.
std::optional<config::Config> load_manifest(const Globals& g, const std::filesystem::path& manifest,
                                            const std::vector<std::string>& overrides, int& exit_code);

// Prints an error (human: "error[E0xxx]: ..." on stderr; json: {"error":{...}} on stdout).
void print_error(const Globals& g, const Error& e);

// Each command adds its subcommand to the app; its callback stores the exit code in `exit_code`.
void add_run(CLI::App& app, const Globals& g, int& exit_code);
void add_build(CLI::App& app, const Globals& g, int& exit_code);
void add_init(CLI::App& app, const Globals& g, int& exit_code);
void add_doctor(CLI::App& app, const Globals& g, int& exit_code);
void add_check(CLI::App& app, const Globals& g, int& exit_code);
void add_link(CLI::App& app, const Globals& g, int& exit_code);

// Installs SIGINT/SIGTERM handlers: the first signal sets the returned flag (graceful stop);
// a second one exits at once with 130.
const std::atomic<bool>& install_stop_signals();

}  // namespace torvyn::cli
