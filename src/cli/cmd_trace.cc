// torvyn trace: run flows with every element traced at diagnostic level, then print each
// element's span tree (component, operation, duration, buffers, copies, queue and backpressure
// waits) and a summary (latency percentiles, copies, buffer reuse, backpressure).
#include <algorithm>
#include <cinttypes>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "progress.h"
#include "torvyn/host/runtime.h"
#include "torvyn/observability/memory_exporter.h"
#include "torvyn/observability/otlp_json.h"
#include "torvyn/base/json_text.h"

namespace torvyn::cli {

namespace {

namespace obs = observability;

struct TraceArgs : RunArgs {
  TraceArgs() { limit = 10; }
  std::string output_trace;
};

// The tracer owns its exporter; the command keeps a handle on what it collected.
class Forward : public obs::SpanExporter {
 public:
  explicit Forward(std::shared_ptr<obs::MemoryExporter> m) : m_(std::move(m)) {}
  std::string_view name() const override { return m_->name(); }
  Status export_spans(const obs::TraceResource& r, const std::vector<obs::SpanRecord>& s) override { return m_->export_spans(r, s); }

 private:
  std::shared_ptr<obs::MemoryExporter> m_;
};

const obs::SpanAttribute* find_attr(const obs::SpanRecord& s, std::string_view key) {
  for (const auto& a : s.attributes)
    if (a.key == key) return &a;
  return nullptr;
}
std::string str_attr(const obs::SpanRecord& s, std::string_view key) {
  const auto* a = find_attr(s, key);
  if (!a) return "";
  if (const auto* v = std::get_if<std::string>(&a->value)) return *v;
  return "";
}
int64_t int_attr(const obs::SpanRecord& s, std::string_view key) {
  const auto* a = find_attr(s, key);
  if (!a) return 0;
  if (const auto* v = std::get_if<int64_t>(&a->value)) return *v;
  return 0;
}

std::string duration(uint64_t ns) {
  char b[32];
  if (ns < 1000) std::snprintf(b, sizeof b, "%" PRIu64 " ns", ns);
  else if (ns < 1000000) std::snprintf(b, sizeof b, "%.1f µs", static_cast<double>(ns) / 1e3);
  else if (ns < 1000000000) std::snprintf(b, sizeof b, "%.2f ms", static_cast<double>(ns) / 1e6);
  else std::snprintf(b, sizeof b, "%.2f s", static_cast<double>(ns) / 1e9);
  return b;
}

std::string buffer(int64_t raw) {
  if (!raw) return "";
  uint64_t r = static_cast<uint64_t>(raw);
  return "#" + std::to_string(static_cast<uint32_t>(r)) + "." + std::to_string(static_cast<uint32_t>(r >> 32));
}

uint64_t span_ns(const obs::SpanRecord& s) { return s.end_unix_ns > s.start_unix_ns ? s.end_unix_ns - s.start_unix_ns : 0; }

// One element: its root span and its invocation spans in time order.
struct ElementTrace {
  const obs::SpanRecord* root = nullptr;
  std::vector<const obs::SpanRecord*> spans;
};

struct Collected {
  std::vector<ElementTrace> elements;  // in (flow, start) order
  std::map<std::string, std::vector<const obs::SpanRecord*>> lifecycle;  // by flow
};

Collected organise(const std::vector<obs::SpanRecord>& spans) {
  std::map<std::pair<uint64_t, uint64_t>, ElementTrace> by_trace;
  std::map<std::pair<uint64_t, uint64_t>, std::string> flow_traces;
  for (const auto& s : spans)
    if (s.name.rfind("flow ", 0) == 0 && !s.parent_span_id.valid()) flow_traces[{s.trace_id.hi, s.trace_id.lo}] = str_attr(s, "torvyn.flow");
  Collected c;
  for (const auto& s : spans) {
    std::pair<uint64_t, uint64_t> key{s.trace_id.hi, s.trace_id.lo};
    if (auto f = flow_traces.find(key); f != flow_traces.end()) {
      if (s.parent_span_id.valid()) c.lifecycle[f->second].push_back(&s);
      continue;
    }
    ElementTrace& e = by_trace[key];
    if (!s.parent_span_id.valid()) e.root = &s;
    else e.spans.push_back(&s);
  }
  for (auto& [k, e] : by_trace) {
    if (!e.root) continue;  // its root was dropped (ring full): counted in the summary
    std::sort(e.spans.begin(), e.spans.end(), [](auto* a, auto* b) { return a->start_unix_ns < b->start_unix_ns; });
    c.elements.push_back(std::move(e));
  }
  std::sort(c.elements.begin(), c.elements.end(), [](const ElementTrace& a, const ElementTrace& b) {
    std::string fa = str_attr(*a.root, "torvyn.flow"), fb = str_attr(*b.root, "torvyn.flow");
    if (fa != fb) return fa < fb;
    return a.root->start_unix_ns < b.root->start_unix_ns;
  });
  for (auto& [f, v] : c.lifecycle)
    std::sort(v.begin(), v.end(), [](auto* a, auto* b) { return a->start_unix_ns < b->start_unix_ns; });
  return c;
}

struct Summary {
  uint64_t elements = 0, p50 = 0, p99 = 0, max = 0;
  uint64_t copies = 0, copy_bytes = 0, backpressure_events = 0, backpressure_ns = 0;
  double reuse_pct = 0;
  uint64_t allocations = 0, reuses = 0;
  obs::TracerStats tracer;
};

uint64_t percentile(std::vector<uint64_t> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

nlohmann::ordered_json span_json(const obs::SpanRecord& s, uint64_t origin) {
  nlohmann::ordered_json j;
  j["span_id"] = obs::to_hex(s.span_id);
  j["node"] = str_attr(s, "torvyn.node");
  j["component"] = str_attr(s, "torvyn.component");
  j["operation"] = str_attr(s, "torvyn.operation");
  j["start_offset_ns"] = s.start_unix_ns - std::min(origin, s.start_unix_ns);
  j["duration_ns"] = span_ns(s);
  if (int64_t b = int_attr(s, "torvyn.buffer.in")) j["buffer_in"] = buffer(b);
  if (int64_t b = int_attr(s, "torvyn.buffer.out")) j["buffer_out"] = buffer(b);
  j["copies"] = int_attr(s, "torvyn.copies");
  j["bytes_copied"] = int_attr(s, "torvyn.bytes_copied");
  j["queue_wait_ns"] = int_attr(s, "torvyn.queue_wait_ns");
  j["backpressure_wait_ns"] = int_attr(s, "torvyn.backpressure_wait_ns");
  j["fuel"] = int_attr(s, "torvyn.fuel");
  if (s.status == obs::SpanStatus::Error) j["error"] = s.status_message;
  return j;
}

void print_human(std::ostream& out, const Collected& c, const Summary& sum) {
  for (const auto& [flow, spans] : c.lifecycle) {
    out << "flow " << flow << " lifecycle:";
    for (const auto* s : spans)
      out << "  " << str_attr(*s, "torvyn.operation") << " " << str_attr(*s, "torvyn.node") << " " << duration(span_ns(*s))
          << (s->status == obs::SpanStatus::Error ? " (error: " + s->status_message + ")" : "");
    out << "\n";
  }
  for (const auto& e : c.elements) {
    const obs::SpanRecord& r = *e.root;
    out << "\nflow " << str_attr(r, "torvyn.flow") << "  element " << int_attr(r, "torvyn.sequence") << "  trace " << obs::to_hex(r.trace_id)
        << "  " << duration(span_ns(r)) << "  " << str_attr(r, "torvyn.element.outcome") << "\n";
    for (size_t i = 0; i < e.spans.size(); ++i) {
      const obs::SpanRecord& s = *e.spans[i];
      char line[512];
      // A built-in stage's component is already "(built-in)"; a component reference gets parentheses.
      std::string comp = str_attr(s, "torvyn.component");
      if (comp.empty() || comp.front() != '(') comp = "(" + comp + ")";
      std::snprintf(line, sizeof line, "  %s %-10s %-12s %-14s %10s", i + 1 == e.spans.size() ? "└─" : "├─",
                    str_attr(s, "torvyn.operation").c_str(), str_attr(s, "torvyn.node").c_str(), comp.c_str(), duration(span_ns(s)).c_str());
      out << line;
      if (int64_t b = int_attr(s, "torvyn.buffer.in")) out << "  in " << buffer(b);
      if (int64_t b = int_attr(s, "torvyn.buffer.out")) out << "  out " << buffer(b);
      if (int64_t n = int_attr(s, "torvyn.copies")) out << "  copies " << n << " (" << int_attr(s, "torvyn.bytes_copied") << " B)";
      if (find_attr(s, "torvyn.queue_wait_ns")) {
        out << "  queued " << duration(static_cast<uint64_t>(int_attr(s, "torvyn.queue_wait_ns")));
        if (int64_t bp = int_attr(s, "torvyn.backpressure_wait_ns")) out << " (backpressure " << duration(static_cast<uint64_t>(bp)) << ")";
      }
      if (s.status == obs::SpanStatus::Error) out << "  ERROR " << s.status_message;
      out << "\n";
    }
  }
  out << "\nsummary: " << sum.elements << " elements traced";
  if (sum.tracer.spans_dropped) out << " (" << sum.tracer.spans_dropped << " spans dropped: ring full)";
  out << "\n  latency p50 " << duration(sum.p50) << "  p99 " << duration(sum.p99) << "  max " << duration(sum.max) << "\n";
  out << "  copies " << sum.copies << " (" << sum.copy_bytes << " B)\n";
  char reuse[64];
  std::snprintf(reuse, sizeof reuse, "%.1f%%", sum.reuse_pct);
  out << "  buffer reuse " << reuse << " (" << sum.reuses << " of " << sum.allocations << " allocations reused a pooled buffer)\n";
  out << "  backpressure " << sum.backpressure_events << " events, " << duration(sum.backpressure_ns) << "\n";
}

int trace(const Globals& g, const TraceArgs& a) {
  int code = kOk;
  auto cfg = load_for_run(g, a.manifest, a.config, a.flows, code);
  if (!cfg) return code;
  host::RunOptions ro;
  if (!make_run_options(g, a, ro)) return kUsage;
  std::ofstream trace_file;
  if (!a.output_trace.empty()) {
    trace_file.open(a.output_trace, std::ios::binary | std::ios::trunc);
    if (!trace_file) {
      print_error(g, Error(ErrorCode::IoError, "--output-trace: cannot write " + a.output_trace));
      return kUsage;
    }
  }
  if (cfg->flows.empty()) {
    print_error(g, Error(ErrorCode::FlowBuildFailed, a.manifest + " declares no [flow.<name>] to trace"));
    return kFailed;
  }
  // Before the runtime: its observer refers to the printer.
  Progress progress(Progress::mode_for(g));
  ro.on_load = show_loads(progress);
  host::Runtime rt(std::move(*cfg));
  auto memory = std::make_shared<obs::MemoryExporter>();
  rt.trace_into(std::make_unique<Forward>(memory));
  const std::atomic<bool>& stop = install_stop_signals(!g.quiet);
  Status built = rt.build(ro);
  progress.stop();
  if (auto& s = built; !s) {
    print_error(g, s.error());
    return build_exit_code(s.error());
  }
  std::vector<host::FlowReport> reports = rt.run(stop, ro);  // shuts the tracer down: all spans are in
  std::vector<obs::SpanRecord> spans = memory->take();
  Collected c = organise(spans);

  Summary sum;
  sum.tracer = rt.tracer()->stats();
  std::vector<uint64_t> latencies;
  for (const auto& e : c.elements)
    if (str_attr(*e.root, "torvyn.element.outcome") == "delivered") latencies.push_back(span_ns(*e.root));
  sum.elements = c.elements.size();
  sum.p50 = percentile(latencies, 0.5);
  sum.p99 = percentile(latencies, 0.99);
  sum.max = latencies.empty() ? 0 : *std::max_element(latencies.begin(), latencies.end());
  for (const auto& r : reports) {
    sum.copies += r.copies;
    sum.copy_bytes += r.copy_bytes;
    sum.backpressure_events += r.backpressure_events;
    sum.backpressure_ns += r.backpressure_ns;
  }
  for (auto tier : {resources::Tier::Small, resources::Tier::Medium, resources::Tier::Large, resources::Tier::Huge}) {
    resources::TierStats t = rt.pool().stats(tier);
    sum.allocations += t.allocations;
    sum.reuses += t.reuses;
  }
  sum.reuse_pct = sum.allocations ? 100.0 * static_cast<double>(sum.reuses) / static_cast<double>(sum.allocations) : 0;

  if (trace_file.is_open()) {
    trace_file << obs::otlp_json::dump(obs::otlp_json::export_request(memory->resource(), spans)) << "\n";
    if (!trace_file) {
      print_error(g, Error(ErrorCode::IoError, "--output-trace: writing " + a.output_trace + " failed"));
      return kUsage;
    }
  }

  std::ostream& out = a.output == "-" ? std::cerr : std::cout;
  if (g.json()) {
    nlohmann::ordered_json j;
    j["flows"] = nlohmann::ordered_json::parse(host::render_json(reports));
    nlohmann::ordered_json els = nlohmann::ordered_json::array();
    for (const auto& e : c.elements) {
      const obs::SpanRecord& r = *e.root;
      nlohmann::ordered_json je;
      je["flow"] = str_attr(r, "torvyn.flow");
      je["sequence"] = int_attr(r, "torvyn.sequence");
      je["trace_id"] = obs::to_hex(r.trace_id);
      je["outcome"] = str_attr(r, "torvyn.element.outcome");
      je["duration_ns"] = span_ns(r);
      je["spans"] = nlohmann::ordered_json::array();
      for (const auto* s : e.spans) je["spans"].push_back(span_json(*s, r.start_unix_ns));
      els.push_back(std::move(je));
    }
    j["elements"] = std::move(els);
    j["summary"] = {{"elements", sum.elements},     {"latency_p50_ns", sum.p50},  {"latency_p99_ns", sum.p99},
                    {"latency_max_ns", sum.max},    {"copies", sum.copies},       {"copy_bytes", sum.copy_bytes},
                    {"buffer_reuse_pct", sum.reuse_pct}, {"backpressure_events", sum.backpressure_events},
                    {"backpressure_ns", sum.backpressure_ns}, {"spans_dropped", sum.tracer.spans_dropped}};
    out << torvyn::json_text(j, 2) << "\n";
  } else if (!g.quiet) {
    print_human(out, c, sum);
  }
  for (const auto& r : reports)
    if (r.failed()) {
      if (!g.json()) std::cerr << "flow " << r.name << ": Failed: " << r.error << "\n";
      return kFailed;
    }
  return kOk;
}

}  // namespace

void add_trace(CLI::App& app, const Globals& g, int& exit_code) {
  auto a = std::make_shared<TraceArgs>();
  CLI::App* c = app.add_subcommand("trace", "Run flows with every element traced and print each element's span tree");
  add_run_options(c, *a, "Elements to pull from each flow's sources (0 = until they end)");
  c->add_option("--output-trace", a->output_trace, "Also write every span as OTLP/JSON (an ExportTraceServiceRequest) to this file");
  c->callback([&g, &exit_code, a] { exit_code = trace(g, *a); });
}

}  // namespace torvyn::cli
