// The options `torvyn run` and `torvyn trace` share, and how they become host::RunOptions.
#include "cli.h"
#include "torvyn/host/runtime.h"

namespace torvyn::cli {

void add_run_options(CLI::App* c, RunArgs& a, const char* limit_help) {
  c->add_option("--manifest,-m", a.manifest, "Path to Torvyn.toml")->capture_default_str();
  c->add_option("--flow,-f", a.flows, "Only this flow (repeatable)");
  auto* limit = c->add_option("--limit,-n", a.limit, limit_help)->check(whole_number(1, UINT64_MAX));
  if (a.limit) limit->capture_default_str();
  c->add_option("--timeout,-t", a.timeout, "Stop gracefully after this long (e.g. 10s)");
  c->add_option("--input,-i", a.input, "Feed the flow from this file, one element per line ('-' = stdin)");
  add_input_chunk_option(c, a.input_chunk);
  c->add_option("--output,-o", a.output, "Write the flow's output to this file, one element per line ('-' = stdout)");
  c->add_option("--config,-c", a.config, "Override a configuration key: KEY=VALUE (repeatable)");
}

bool make_run_options(const Globals& g, const RunArgs& a, host::RunOptions& ro) {
  ro.flows = a.flows;
  ro.limit = a.limit;
  ro.input = a.input;
  ro.output = a.output;
  ro.input_chunk = a.input_chunk;
  if (!a.timeout.empty()) {
    auto ms = config::parse_duration_ms(a.timeout);
    if (!ms) {
      print_error(g, Error(ErrorCode::ConfigInvalidValue, "--timeout: `" + a.timeout + "` is not a duration (e.g. 500ms, 10s, 2m)"));
      return false;
    }
    ro.timeout = std::chrono::milliseconds(*ms);
  }
  return true;
}

int build_exit_code(const Error& e) {
  // A bad --flow name or an unreadable --input/--output is a usage error; a component that
  // cannot be loaded or instantiated is a runtime failure.
  // A state directory Torvyn refuses to trust is the machine's doing (exit 3, like a missing
  // compiler).
  if (e.code == ErrorCode::UnsafeDirectory || e.code == ErrorCode::EnvironmentError) return kEnvironment;
  // A connector's server that does not answer is the environment; a malformed URL is configuration.
  if (e.code == ErrorCode::NatsUnreachable) return kEnvironment;
  if (e.code == ErrorCode::NatsBadUrl || e.code == ErrorCode::ConnectorConfigInvalid) return kUsage;
  bool usage = e.code == ErrorCode::IoError || e.code == ErrorCode::ConfigUnknownReference;
  return usage ? kUsage : kFailed;
}

}  // namespace torvyn::cli
