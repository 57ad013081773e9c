// torvyn run: build the flows of Torvyn.toml, run them, print a summary.
#include <csignal>
#include <iostream>
#include <unistd.h>

#include "cli.h"
#include "progress.h"
#include "torvyn/host/monitoring.h"
#include "torvyn/host/runtime.h"

namespace torvyn::cli {

namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signals{0};
std::atomic<bool> g_announce{false};

extern "C" void on_stop_signal(int) {
  if (g_signals.fetch_add(1) >= 1) _exit(130);  // second signal: stop now
  g_stop.store(true);
  if (g_announce.load()) {
    // write(2) is async-signal-safe; iostreams are not.
    static constexpr char kMessage[] = "\ntorvyn: stopping: draining the flows... (press Ctrl-C again to exit now)\n";
    ssize_t ignored = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
    (void)ignored;
  }
}

}  // namespace

const std::atomic<bool>& install_stop_signals(bool announce) {
  g_announce.store(announce);
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return g_stop;
}

namespace {

int run(const Globals& g, const RunArgs& a) {
  int code = kOk;
  auto cfg = load_for_run(g, a.manifest, a.config, a.flows, code);
  if (!cfg) return code;
  host::RunOptions ro;
  if (!make_run_options(g, a, ro)) return kUsage;
  if (cfg->flows.empty()) {
    if (!g.quiet && !g.json()) std::cerr << "nothing to run: " << a.manifest << " declares no [flow.<name>]\n";
    if (g.json()) std::cout << "[]\n";
    return kOk;
  }
  // Before the runtime: its observer refers to the printer.
  Progress progress(Progress::mode_for(g));
  ro.on_load = show_loads(progress);
  host::Runtime rt(std::move(*cfg));
  const std::atomic<bool>& stop = install_stop_signals(!g.quiet);
  Status built = rt.build(ro);
  progress.stop();
  if (auto& s = built; !s) {
    print_error(g, s.error());
    return build_exit_code(s.error());
  }
  // Spans never share stdout with the elements (the stdout exporter writes to stderr then).
  const config::TracingConfig& tc = rt.config().observability.tracing;
  if (a.output == "-" && tc.level != config::TracingLevel::Off && tc.exporter == config::TracingExporter::Stdout && !g.quiet && !g.json())
    std::cerr << "note: tracing_exporter = \"stdout\" writes spans to stderr: stdout carries the elements (--output -)\n";
  // The inspection API (health, flows, pools, Prometheus /metrics) serves while the flows run.
  host::Monitoring monitoring(rt);
  // POST /drain (torvyn drain) stops the flows as SIGTERM does.
  monitoring.set_drain([] { g_stop.store(true); }, [] { return g_stop.load(); });
  if (auto s = monitoring.start_server(); !s) {
    // An address the operator configured is what their scraper and health checks point at:
    // running blind there is worse than not running. The default socket is a convenience.
    const config::InspectionConfig& ic = rt.config().inspection;
    if (!ic.tcp.empty() || !ic.socket.empty()) {
      print_error(g, s.error());
      if (!g.json()) std::cerr << "nothing ran: [inspection] is configured but cannot serve (set enabled = false to run without it)\n";
      return kEnvironment;
    }
    if (!g.quiet) std::cerr << "warning: the inspection API is not available: " << s.error().to_string() << "\n";
  } else if (!g.quiet && !g.json() && monitoring.server()) {
    // Where to look while it runs (the guide's curl needs the path even when TORVYN_STATE_DIR is unset).
    const auto* srv = monitoring.server();
    if (!srv->socket_path().empty())
      std::cerr << "inspection API: unix:" << srv->socket_path() << "  (curl --unix-socket " << srv->socket_path() << " http://torvyn/flows)\n";
    else
      std::cerr << "inspection API: " << rt.config().inspection.tcp << " (port " << srv->tcp_port() << "; bearer token required)\n";
  }
  std::vector<host::FlowReport> reports = rt.run(stop, ro);
  monitoring.stop_server();
  // With --output - the elements went to stdout: keep the summary off it.
  std::ostream& out = a.output == "-" ? std::cerr : std::cout;
  if (g.json()) out << host::render_json(reports) << "\n";
  else if (!g.quiet) out << (a.output == "-" ? g.err_text(host::render_human(reports)) : g.out_text(host::render_human(reports)));
  // -q keeps only errors: a failed flow still says why.
  if (!g.json() && g.quiet)
    for (const auto& r : reports)
      if (r.failed())
        std::cerr << g.err_text("flow " + r.name + ": Failed: " + r.error + "\n" + (r.help.empty() ? "" : "  help       " + r.help + "\n"));
  for (const auto& r : reports)
    if (r.failed()) return kFailed;
  return kOk;
}

}  // namespace

void add_run(CLI::App& app, const Globals& g, int& exit_code) {
  auto a = std::make_shared<RunArgs>();
  CLI::App* c = app.add_subcommand("run", "Run the flows of a Torvyn project and print a summary");
  add_run_options(c, *a, "Stop each flow's sources after N elements");
  c->callback([&g, &exit_code, a] { exit_code = run(g, *a); });
}

}  // namespace torvyn::cli
