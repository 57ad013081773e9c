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
#include "torvyn/contracts/project.h"

namespace torvyn::host {
struct RunOptions;
}

namespace torvyn::cli {

enum Exit : int { kOk = 0, kFailed = 1, kUsage = 2, kEnvironment = 3 };

struct Globals {
  std::string format = "human";  // human | json
  bool verbose = false;
  bool quiet = false;
  std::string color = "auto";  // auto | always | never (color.h)
  bool json() const { return format == "json"; }
  // Human text for stderr / stdout, coloured when --color (and the descriptor) says so.
  std::string err_text(std::string_view text) const;
  std::string out_text(std::string_view text) const;
};

// Loads the manifest (default ./Torvyn.toml) with --config overrides. Prints diagnostics (errors
// and warnings) to stderr, or as JSON on stdout with --format json. nullopt when it has errors.
std::optional<config::Config> load_manifest(const Globals& g, const std::filesystem::path& manifest,
                                            const std::vector<std::string>& overrides, int& exit_code);

// --config KEY=VALUE overrides into `opts`; false (the usage error printed) when one is malformed.
bool parse_overrides(const Globals& g, const std::vector<std::string>& overrides, config::LoadOptions& opts);

// For commands that report the manifest's diagnostics together with their own (check, link): the
// load result, errors included; nullopt (exit_code set to 2, the error printed) when an override
// is malformed or there is no manifest at all.
std::optional<config::LoadResult> load_for_report(const Globals& g, const std::string& manifest, const std::vector<std::string>& overrides,
                                                  int& exit_code);

// Where `torvyn build` writes and `torvyn run` reads, for check/link/preflight (host's rules).
contracts::ProjectHooks project_hooks();

// For commands that run flows (run, trace, bench): load_manifest plus the flows linked as
// `torvyn link` does (preflight.cc). nullopt with exit_code 2 when either has an error.
std::optional<config::Config> load_for_run(const Globals& g, const std::string& manifest, const std::vector<std::string>& overrides,
                                           const std::vector<std::string>& flows, int& exit_code);

// Prints an error (human: "error[E0xxx]: ..." on stderr; json: {"error":{...}} on stdout).
void print_error(const Globals& g, const Error& e);

// Each command adds its subcommand to the app; its callback stores the exit code in `exit_code`.
void add_run(CLI::App& app, const Globals& g, int& exit_code);
void add_build(CLI::App& app, const Globals& g, int& exit_code);
void add_init(CLI::App& app, const Globals& g, int& exit_code);
void add_doctor(CLI::App& app, const Globals& g, int& exit_code);
void add_check(CLI::App& app, const Globals& g, int& exit_code);
void add_link(CLI::App& app, const Globals& g, int& exit_code);
void add_inspect(CLI::App& app, const Globals& g, int& exit_code);
void add_drain(CLI::App& app, const Globals& g, int& exit_code);
void add_trace(CLI::App& app, const Globals& g, int& exit_code);
void add_bench(CLI::App& app, const Globals& g, int& exit_code);
void add_completions(CLI::App& app, const Globals& g, int& exit_code);
void add_pack(CLI::App& app, const Globals& g, int& exit_code);
void add_key(CLI::App& app, const Globals& g, int& exit_code);
void add_sign(CLI::App& app, const Globals& g, int& exit_code);  // sign and verify
void add_publish(CLI::App& app, const Globals& g, int& exit_code);
void add_pull(CLI::App& app, const Globals& g, int& exit_code);
void add_lock(CLI::App& app, const Globals& g, int& exit_code);
void add_top(CLI::App& app, const Globals& g, int& exit_code);

// The values an option takes, offered by `torvyn completions` (the command itself still checks
// them, in its own words).
CLI::Option* offer(CLI::Option* option, std::vector<std::string> values);
// offer() for an option CLI11 itself restricts to those values.
CLI::Option* one_of(CLI::Option* option, std::vector<std::string> values);
const std::vector<std::string>* offered(const CLI::Option* option);

// A validator for a whole-number option: digits only (no sign, so `-1` is not read as 2^64-1),
// within [lo, hi]; CLI11 reports a failure as a usage error (exit 2) naming the option.
CLI::Validator whole_number(uint64_t lo, uint64_t hi);
// --input-chunk: 1 byte up to the largest element the host's file source makes.
CLI::Option* add_input_chunk_option(CLI::App* command, uint64_t& chunk);

// The options `run` and `trace` share (--manifest --flow --limit --timeout --input --input-chunk
// --output --config) and their translation into the host's RunOptions.
struct RunArgs {
  std::string manifest = "Torvyn.toml";
  std::vector<std::string> flows;
  uint64_t limit = 0;
  std::string timeout;
  std::string input, output;
  uint64_t input_chunk = 0;
  std::vector<std::string> config;
};
void add_run_options(CLI::App* command, RunArgs& args, const char* limit_help);
// False (and the usage error printed) when --timeout is not a duration.
bool make_run_options(const Globals& g, const RunArgs& args, host::RunOptions& out);
// The exit code for a flow that could not be built: 2 for usage/io (a bad --flow, an unreadable
// --input), 1 for a component that cannot be loaded or instantiated.
int build_exit_code(const Error& e);

// Installs SIGINT/SIGTERM handlers: the first signal sets the returned flag (graceful stop);
// a second one exits at once with 130.
// `announce`: the first signal says on stderr that the run is draining and how to exit at once.
const std::atomic<bool>& install_stop_signals(bool announce);

}  // namespace torvyn::cli
