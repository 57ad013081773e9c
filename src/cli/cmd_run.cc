// torvyn run: build the flows of Torvyn.toml, run them, print a summary.
#include <csignal>
#include <iostream>
#include <unistd.h>

#include "cli.h"
#include "torvyn/host/monitoring.h"
#include "torvyn/host/runtime.h"

namespace torvyn::cli {

namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signals{0};

extern "C" void on_stop_signal(int) {
  if (g_signals.fetch_add(1) >= 1) _exit(130);  // second signal: stop now
  g_stop.store(true);
}

}  // namespace

const std::atomic<bool>& install_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return g_stop;
}

namespace {

struct RunArgs {
  std::string manifest = "Torvyn.toml";
  std::vector<std::string> flows;
  uint64_t limit = 0;
  std::string timeout;
  std::string input, output;
  uint64_t input_chunk = 0;
  std::vector<std::string> config;
};

int run(const Globals& g, const RunArgs& a) {
  int code = kOk;
  auto cfg = load_manifest(g, a.manifest, a.config, code);
  if (!cfg) return code;
  host::RunOptions ro;
  ro.flows = a.flows;
  ro.limit = a.limit;
  ro.input = a.input;
  ro.output = a.output;
  ro.input_chunk = a.input_chunk;
  if (!a.timeout.empty()) {
    auto ms = config::parse_duration_ms(a.timeout);
    if (!ms) {
      print_error(g, Error(ErrorCode::ConfigInvalidValue, "--timeout: `" + a.timeout + "` is not a duration (e.g. 500ms, 10s, 2m)"));
      return kUsage;
    }
    ro.timeout = std::chrono::milliseconds(*ms);
  }
  if (cfg->flows.empty()) {
    if (!g.quiet && !g.json()) std::cerr << "nothing to run: " << a.manifest << " declares no [flow.<name>]\n";
    if (g.json()) std::cout << "[]\n";
    return kOk;
  }
  host::Runtime rt(std::move(*cfg));
  const std::atomic<bool>& stop = install_stop_signals();
  if (auto s = rt.build(ro); !s) {
    print_error(g, s.error());
    // A bad --flow name or an unreadable --input/--output is a usage error; a component that
    // cannot be loaded or instantiated is a runtime failure.
    bool usage = s.error().code == ErrorCode::IoError || s.error().code == ErrorCode::ConfigUnknownReference;
    return usage ? kUsage : kFailed;
  }
  // The inspection API (health, flows, pools, Prometheus /metrics) serves while the flows run.
  host::Monitoring monitoring(rt);
  if (auto s = monitoring.start_server(); !s) {
    if (!g.quiet) std::cerr << "warning: the inspection API is not available: " << s.error().to_string() << "\n";
  } else if (g.verbose && monitoring.server()) {
    const auto* srv = monitoring.server();
    if (!srv->socket_path().empty()) std::cerr << "inspection API on unix:" << srv->socket_path() << "\n";
    else std::cerr << "inspection API on 127.0.0.1:" << srv->tcp_port() << "\n";
  }
  std::vector<host::FlowReport> reports = rt.run(stop, ro);
  monitoring.stop_server();
  // With --output - the elements went to stdout: keep the summary off it.
  std::ostream& out = a.output == "-" ? std::cerr : std::cout;
  if (g.json()) out << host::render_json(reports) << "\n";
  else if (!g.quiet) out << host::render_human(reports);
  // -q keeps only errors: a failed flow still says why.
  if (!g.json() && g.quiet)
    for (const auto& r : reports)
      if (r.failed()) std::cerr << "flow " << r.name << ": Failed: " << r.error << "\n";
  for (const auto& r : reports)
    if (r.failed()) return kFailed;
  return kOk;
}

}  // namespace

void add_run(CLI::App& app, const Globals& g, int& exit_code) {
  auto a = std::make_shared<RunArgs>();
  CLI::App* c = app.add_subcommand("run", "Run the flows of a Torvyn project and print a summary");
  c->add_option("--manifest,-m", a->manifest, "Path to Torvyn.toml")->capture_default_str();
  c->add_option("--flow,-f", a->flows, "Run only this flow (repeatable)");
  c->add_option("--limit,-n", a->limit, "Stop each flow's sources after N elements");
  c->add_option("--timeout,-t", a->timeout, "Stop gracefully after this long (e.g. 10s)");
  c->add_option("--input,-i", a->input, "Feed the flow from this file, one element per line ('-' = stdin)");
  c->add_option("--input-chunk", a->input_chunk, "With --input: raw chunks of this many bytes instead of lines");
  c->add_option("--output,-o", a->output, "Write the flow's output to this file, one element per line ('-' = stdout)");
  c->add_option("--config,-c", a->config, "Override a configuration key: KEY=VALUE (repeatable)");
  c->callback([&g, &exit_code, a] { exit_code = run(g, *a); });
}

}  // namespace torvyn::cli
