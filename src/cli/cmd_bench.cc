// torvyn bench: run the project's flows under sustained load — a warm-up that is left out of
// the numbers, then a measured window of --duration — and report throughput, latency
// percentiles, per-stage processing times, copies, queue pressure and buffer-pool reuse.
// Every report is saved as JSON under .torvyn/bench/ beside the manifest; --baseline NAME also
// saves it as a named baseline, and --compare NAME|FILE compares this run with one (the
// operator's guide: "Run the new version with your pipeline using torvyn run and torvyn bench.
// Compare benchmark results against your baseline").
// Exit 0; 1 when a flow failed; 2 for usage, manifest and I/O errors (an unreadable --compare).
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <regex>

#include "bench_report.h"
#include "cli.h"
#include "progress.h"
#include "torvyn/host/runtime.h"
#include "torvyn/base/json_text.h"

namespace torvyn::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const char* const kReports[] = {"human", "json", "csv", "markdown"};

struct BenchArgs {
  std::string manifest = "Torvyn.toml";
  std::vector<std::string> flows;
  std::string duration = "10s", warmup = "2s";
  uint64_t limit = 0;
  std::string input;
  uint64_t input_chunk = 0;
  std::vector<std::string> config;
  std::string report = "human";
  std::string baseline, compare;
};

std::string utc_now(const char* format) {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

// .torvyn/bench/<UTC time to the millisecond>.json, never an existing file: runs started in the
// same millisecond (scripts) each keep their report.
fs::path report_path(const fs::path& bench_dir) {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  char stamp[16];
  std::snprintf(stamp, sizeof stamp, ".%03lld", static_cast<long long>(ms));
  std::string base = utc_now("%Y%m%dT%H%M%S") + stamp + "Z";
  fs::path p = bench_dir / (base + ".json");
  std::error_code ec;
  for (int i = 2; fs::exists(p, ec); ++i) p = bench_dir / (base + "-" + std::to_string(i) + ".json");
  return p;
}

bool write_text(const fs::path& file, const std::string& text, std::string& why) {
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  out.flush();
  if (!out) {
    why = "cannot write " + file.string();
    return false;
  }
  return true;
}

// --compare: a baseline name (.torvyn/bench/baselines/NAME.json), or the path of a saved report.
std::optional<json> load_compared(const Globals& g, const fs::path& bench_dir, const std::string& ref, std::string& label) {
  fs::path file = bench_dir / "baselines" / (ref + ".json");
  label = "baseline `" + ref + "`";
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    file = ref;
    label = ref;
  }
  if (!fs::is_regular_file(file, ec)) {
    print_error(g, Error(ErrorCode::IoError, "--compare: `" + ref + "` is neither a saved baseline (" +
                                                  (bench_dir / "baselines" / (ref + ".json")).string() + ") nor a report file"));
    return std::nullopt;
  }
  std::ifstream in(file, std::ios::binary);
  json doc = json::parse(std::string(std::istreambuf_iterator<char>(in), {}), nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || doc.value("torvyn_bench", 0) != kBenchFormatVersion || !doc["flows"].is_array()) {
    print_error(g, Error(ErrorCode::IoError, "--compare: " + file.string() + " is not a torvyn bench report (version " +
                                                  std::to_string(kBenchFormatVersion) + ")"));
    return std::nullopt;
  }
  label += " (" + doc.value("created", std::string("?")) + ")";
  return doc;
}

int bench(const Globals& g, const BenchArgs& a) {
  static const std::regex kName("[A-Za-z0-9._-]+");
  if (!a.baseline.empty() && !std::regex_match(a.baseline, kName)) {
    print_error(g, Error(ErrorCode::ConfigInvalidValue, "--baseline: `" + a.baseline + "` is not a name (letters, digits, '.', '_', '-')"));
    return kUsage;
  }
  std::string report = g.json() ? "json" : a.report;
  if (std::find(std::begin(kReports), std::end(kReports), report) == std::end(kReports)) {
    print_error(g, Error(ErrorCode::ConfigInvalidValue, "--report: `" + a.report + "` is not one of human, json, csv, markdown"));
    return kUsage;
  }
  auto warmup_ms = config::parse_duration_ms(a.warmup);
  if (!warmup_ms) {
    print_error(g, Error(ErrorCode::ConfigInvalidValue, "--warmup: `" + a.warmup + "` is not a duration (e.g. 500ms, 2s)"));
    return kUsage;
  }
  auto duration_ms = config::parse_duration_ms(a.duration);
  if (!duration_ms || *duration_ms == 0) {
    print_error(g, Error(ErrorCode::ConfigInvalidValue, "--duration: `" + a.duration + "` is not a positive duration (e.g. 10s, 1m)"));
    return kUsage;
  }
  int code = kOk;
  auto cfg = load_for_run(g, a.manifest, a.config, a.flows, code);
  if (!cfg) return code;
  if (cfg->flows.empty()) {
    print_error(g, Error(ErrorCode::ConfigInvalidValue, "nothing to benchmark: " + a.manifest + " declares no [flow.<name>]"));
    return kUsage;
  }
  const fs::path bench_dir = cfg->project_dir / ".torvyn" / "bench";
  std::optional<json> before;
  std::string compared_with;
  if (!a.compare.empty() && !(before = load_compared(g, bench_dir, a.compare, compared_with))) return kUsage;

  RunArgs ra;
  ra.flows = a.flows;
  ra.limit = a.limit;
  ra.input = a.input;
  ra.input_chunk = a.input_chunk;
  host::RunOptions ro;
  if (!make_run_options(g, ra, ro)) return kUsage;
  ro.warmup = std::chrono::milliseconds(*warmup_ms);
  ro.timeout = std::chrono::milliseconds(*duration_ms);

  BenchRun run;
  run.created = utc_now("%Y-%m-%dT%H:%M:%SZ");
  run.manifest = fs::absolute(a.manifest).lexically_normal().string();
  run.engine = cfg->runtime.engine == config::Engine::Aot ? "aot" : "interp";
  run.requested_duration_s = static_cast<double>(*duration_ms) / 1000.0;
  run.warmup_s = static_cast<double>(*warmup_ms) / 1000.0;
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
  if (!g.quiet && report == "human")
    std::cerr << "bench: warming up for " << a.warmup << ", then measuring for " << a.duration << " (Ctrl-C stops early)\n";
  const auto started = std::chrono::steady_clock::now();
  run.flows = rt.run(stop, ro);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  if (stop.load()) run.ended = "interrupted";
  else if (took.count() < run.warmup_s + run.requested_duration_s) run.ended = "finished";

  json doc = bench_document(run, rt.pool());
  json comparison;
  if (before) comparison = compare_documents(*before, doc);
  // Saved first: the report on stdout may be piped away, the file is the record.
  std::string text = torvyn::json_text(doc, 2) + "\n", why;
  fs::path saved = report_path(bench_dir);
  if (!write_text(saved, text, why) || (!a.baseline.empty() && !write_text(bench_dir / "baselines" / (a.baseline + ".json"), text, why))) {
    print_error(g, Error(ErrorCode::IoError, why));
    return kUsage;
  }
  const json* cmp = before ? &comparison : nullptr;
  if (report == "json") {
    json out = doc;
    out["saved"] = saved.string();
    if (cmp) out["comparison"] = {{"with", compared_with}, {"flows", comparison}};
    std::cout << torvyn::json_text(out, 2) << "\n";
  } else if (report == "csv") {
    std::cout << render_bench_csv(doc, cmp);
  } else if (report == "markdown") {
    std::cout << render_bench_markdown(doc, cmp, compared_with);
  } else if (!g.quiet) {
    std::cout << render_bench_human(doc, cmp, compared_with);
    std::cout << "saved " << saved.string() << (a.baseline.empty() ? "" : " (and as baseline `" + a.baseline + "`)") << "\n";
  }
  for (const auto& r : run.flows)
    if (r.failed()) {
      if (report != "human" || g.quiet) std::cerr << "flow " << r.name << ": Failed: " << r.error << "\n";
      return kFailed;
    }
  return kOk;
}

}  // namespace

void add_bench(CLI::App& app, const Globals& g, int& exit_code) {
  auto a = std::make_shared<BenchArgs>();
  CLI::App* c = app.add_subcommand("bench", "Benchmark the flows: throughput, latency percentiles, copies, queue pressure; save and compare reports");
  c->add_option("--manifest,-m", a->manifest, "Path to Torvyn.toml")->capture_default_str();
  c->add_option("--flow,-f", a->flows, "Only this flow (repeatable)");
  c->add_option("--duration,-d", a->duration, "How long to measure, after the warm-up")->capture_default_str();
  c->add_option("--warmup,-w", a->warmup, "How long to run before measuring (left out of every number)")->capture_default_str();
  c->add_option("--limit,-n", a->limit, "Stop each flow's sources after N elements (warm-up included)")->check(whole_number(1, UINT64_MAX));
  c->add_option("--input,-i", a->input, "Feed the flow from this file, one element per line ('-' = stdin)");
  add_input_chunk_option(c, a->input_chunk);
  c->add_option("--config,-c", a->config, "Override a configuration key: KEY=VALUE (repeatable)");
  offer(c->add_option("--report,-r", a->report, "Report format: human, json, csv or markdown (--format json implies json)")->capture_default_str(),
        std::vector<std::string>(std::begin(kReports), std::end(kReports)));
  c->add_option("--baseline", a->baseline, "Also save this run as the named baseline (.torvyn/bench/baselines/NAME.json)");
  c->add_option("--compare", a->compare, "Compare with a saved baseline (NAME) or report (FILE)");
  c->callback([&g, &exit_code, a] { exit_code = bench(g, *a); });
}

}  // namespace torvyn::cli
