#include "torvyn/observability/prometheus.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <unordered_map>
#include <vector>

namespace torvyn::observability {
namespace {

// 2^k - 1 ns for k = 5..35: the inclusive upper edge of the last sub-bucket of a power of two in
// torvyn::Histogram, so count_at_most() is exact at every bound. One bucket per octave.
constexpr int kFirstBoundBit = 5, kLastBoundBit = 35;
constexpr auto kBounds = [] {
  std::array<uint64_t, kLastBoundBit - kFirstBoundBit + 1> a{};
  for (int k = kFirstBoundBit; k <= kLastBoundBit; ++k) a[k - kFirstBoundBit] = (uint64_t{1} << k) - 1;
  return a;
}();

// The bounds as `le` label values in seconds, written once: every histogram series repeats them.
const std::array<std::string, kBounds.size()>& le_seconds() {
  static const std::array<std::string, kBounds.size()> le = [] {
    std::array<std::string, kBounds.size()> a;
    for (size_t i = 0; i < kBounds.size(); ++i) append_seconds(a[i], kBounds[i]);
    return a;
  }();
  return le;
}

// The flow states of DESIGN.md §7 and the operator guide's Paused (a Running flow stalled by
// backpressure), always all exported (a state set), so a dashboard can count flows per state
// without knowing which states occurred.
constexpr std::array<std::string_view, 9> kFlowStates = {"Created", "Validated", "Instantiated", "Running", "Paused",
                                                         "Draining", "Completed", "Cancelled", "Failed"};

struct Label {
  std::string_view name, value;
};

// Writes one metric family at a time; # HELP and # TYPE come before its first sample, so a family
// without samples leaves no trace, and every family's lines are contiguous as the format requires.
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  void family(std::string_view name, std::string_view type, std::string_view help) {
    name_ = name;
    type_ = type;
    help_ = help;
    started_ = false;
  }

  void sample(std::initializer_list<Label> labels, uint64_t value) {
    line_start({}, render(labels), {});
    append_value(out_, value);
    out_ += '\n';
  }
  void sample(std::initializer_list<Label> labels, double value) {
    line_start({}, render(labels), {});
    append_value(out_, value);
    out_ += '\n';
  }
  // A duration recorded in nanoseconds, exposed in seconds (the Prometheus base unit).
  void seconds(std::initializer_list<Label> labels, uint64_t ns) {
    line_start({}, render(labels), {});
    append_seconds(out_, ns);
    out_ += '\n';
  }

  // A histogram of durations recorded in nanoseconds: `le` bounds and _sum in seconds.
  void histogram(std::initializer_list<Label> labels, const Histogram& h) {
    const std::string block = render(labels);  // escaped once, reused by all 34 lines
    // Bucket counters only grow and are read in bound order, so the cumulative counts are
    // monotonic even while the flow keeps recording; _count is the +Inf bucket by construction.
    // Once the buckets account for every value counted when we started, the remaining bounds hold
    // the same total (a snapshot as of that moment): this skips most of the scans of long
    // count_at_most() prefixes (and makes an empty histogram free).
    const uint64_t counted = h.count();
    uint64_t cumulative = 0;
    const auto& le = le_seconds();
    for (size_t i = 0; i < kBounds.size(); ++i) {
      if (cumulative < counted) cumulative = std::max(cumulative, h.count_at_most(kBounds[i]));
      line_start("_bucket", block, le[i]);
      append_value(out_, cumulative);
      out_ += '\n';
    }
    if (cumulative < counted)
      cumulative = std::max(cumulative, h.count_at_most(std::numeric_limits<uint64_t>::max()));
    line_start("_bucket", block, "+Inf");
    append_value(out_, cumulative);
    out_ += '\n';
    line_start("_sum", block, {});
    append_seconds(out_, h.sum());
    out_ += '\n';
    line_start("_count", block, {});
    append_value(out_, cumulative);
    out_ += '\n';
  }

 private:
  // `name="value",name="value"` with the values escaped.
  static std::string render(std::initializer_list<Label> labels) {
    std::string block;
    for (const Label& l : labels) {
      if (!block.empty()) block += ',';
      block += l.name;
      block += "=\"";
      append_label_value(block, l.value);
      block += '"';
    }
    return block;
  }

  // Everything of a sample line up to its value: "<name><suffix>{<labels>,le="<le>"} ".
  void line_start(std::string_view suffix, std::string_view labels, std::string_view le) {
    if (!started_) {
      out_ += "# HELP ";
      out_ += name_;
      out_ += ' ';
      append_help_text(out_, help_);
      out_ += "\n# TYPE ";
      out_ += name_;
      out_ += ' ';
      out_ += type_;
      out_ += '\n';
      started_ = true;
    }
    out_ += name_;
    out_ += suffix;
    if (!labels.empty() || !le.empty()) {
      out_ += '{';
      out_ += labels;
      if (!le.empty()) {
        if (!labels.empty()) out_ += ',';
        out_ += "le=\"";
        out_ += le;
        out_ += '"';
      }
      out_ += '}';
    }
    out_ += ' ';
  }

  std::string& out_;
  std::string_view name_, type_, help_;
  bool started_ = false;
};

// Label values must identify one series: repeated values get "#2", "#3", ... appended.
void make_unique(std::vector<std::string>& values) {
  std::unordered_map<std::string, int> seen;
  for (std::string& v : values) {
    int n = ++seen[v];
    if (n > 1) {
      std::string candidate;
      do {
        candidate = v + "#" + std::to_string(n++);
      } while (seen.count(candidate));
      seen[candidate] = 1;
      v = std::move(candidate);
    }
  }
}

struct FlowLabels {
  std::string flow;
  std::vector<std::string> streams;  // per StreamSnapshot
  std::vector<std::string> nodes;    // per StageSnapshot
};

std::vector<FlowLabels> label_flows(const std::vector<FlowSnapshot>& flows) {
  std::vector<FlowLabels> labels(flows.size());
  std::vector<std::string> names;
  names.reserve(flows.size());
  for (const FlowSnapshot& f : flows) names.push_back(f.name.empty() ? f.id : f.name);
  make_unique(names);
  for (size_t i = 0; i < flows.size(); ++i) {
    labels[i].flow = std::move(names[i]);
    for (const StreamSnapshot& s : flows[i].streams) labels[i].streams.push_back(s.from + "->" + s.to);
    make_unique(labels[i].streams);
    for (const StageSnapshot& s : flows[i].stages) labels[i].nodes.push_back(s.node);
    make_unique(labels[i].nodes);
  }
  return labels;
}

}  // namespace

std::span<const uint64_t> histogram_bounds() { return kBounds; }

void append_label_value(std::string& out, std::string_view value) {
  // Runs of ordinary characters are appended whole; label values rarely need escaping at all.
  while (!value.empty()) {
    size_t special = value.find_first_of("\\\"\n");
    out.append(value.substr(0, special));
    if (special == std::string_view::npos) return;
    char c = value[special];
    out += c == '\n' ? "\\n" : c == '"' ? "\\\"" : "\\\\";
    value.remove_prefix(special + 1);
  }
}

void append_help_text(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
}

void append_value(std::string& out, uint64_t value) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, r.ptr);
}

void append_value(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, r.ptr);
  }
}

void append_seconds(std::string& out, uint64_t ns) {
  constexpr uint64_t kNsPerSecond = 1'000'000'000;
  append_value(out, ns / kNsPerSecond);
  uint64_t frac = ns % kNsPerSecond;
  if (frac == 0) return;
  char digits[9];
  for (int i = 8; i >= 0; --i, frac /= 10) digits[i] = static_cast<char>('0' + frac % 10);
  size_t len = sizeof digits;
  while (digits[len - 1] == '0') --len;  // frac != 0, so a nonzero digit stops this
  out += '.';
  out.append(digits, len);
}

std::string prometheus_text(const MetricsSource& source, MetricsLevel level) {
  std::string out;
  if (level == MetricsLevel::Off) return out;
  const bool diag = level == MetricsLevel::Diagnostic;

  const std::vector<FlowSnapshot> flows = source.flows();
  const std::vector<FlowLabels> labels = label_flows(flows);
  // Sized like the previous exposition, so a scrape does not grow the string a dozen times.
  static std::atomic<size_t> size_hint{16384};
  out.reserve(size_hint.load(std::memory_order_relaxed) + 4096);
  Writer w(out);

  // Flows.
  w.family("torvyn_flow_state", "gauge", "Flow lifecycle state: 1 for the flow's current state, 0 for the others.");
  for (size_t i = 0; i < flows.size(); ++i) {
    bool known = false;
    for (std::string_view st : kFlowStates) {
      bool current = flows[i].state == st;
      known |= current;
      w.sample({{"flow", labels[i].flow}, {"state", st}}, uint64_t{current});
    }
    if (!known && !flows[i].state.empty()) w.sample({{"flow", labels[i].flow}, {"state", flows[i].state}}, uint64_t{1});
  }
  w.family("torvyn_flow_elements_total", "counter", "Elements produced by the flow's sources (guide: flow.elements.total).");
  for (size_t i = 0; i < flows.size(); ++i) w.sample({{"flow", labels[i].flow}}, flows[i].elements_total);
  if (diag) {
    w.family("torvyn_flow_elements_delivered_total", "counter", "Elements that reached a sink.");
    for (size_t i = 0; i < flows.size(); ++i) w.sample({{"flow", labels[i].flow}}, flows[i].elements_delivered);
  }
  w.family("torvyn_flow_elements_dropped_total", "counter",
           "Elements dropped by filters, routers, processors or a queue's drop policy.");
  for (size_t i = 0; i < flows.size(); ++i) w.sample({{"flow", labels[i].flow}}, flows[i].dropped);
  w.family("torvyn_flow_errors_total", "counter", "Component invocations of the flow that failed.");
  for (size_t i = 0; i < flows.size(); ++i) w.sample({{"flow", labels[i].flow}}, flows[i].errors);
  w.family("torvyn_flow_throughput_elements_per_second", "gauge",
           "Elements delivered per second, averaged over the flow's run so far.");
  for (size_t i = 0; i < flows.size(); ++i) w.sample({{"flow", labels[i].flow}}, flows[i].throughput);
  w.family("torvyn_flow_latency_seconds", "histogram",
           "Source-to-sink latency of delivered elements in seconds (guide: flow.latency).");
  for (size_t i = 0; i < flows.size(); ++i)
    if (flows[i].latency_ns) w.histogram({{"flow", labels[i].flow}}, *flows[i].latency_ns);

  // Streams.
  auto each_stream = [&](auto&& fn) {
    for (size_t i = 0; i < flows.size(); ++i)
      for (size_t j = 0; j < flows[i].streams.size(); ++j) fn(labels[i].flow, labels[i].streams[j], flows[i].streams[j]);
  };
  w.family("torvyn_stream_queue_current_depth", "gauge",
           "Elements queued on the stream (guide: stream.queue.current_depth).");
  each_stream([&](const std::string& f, const std::string& s, const StreamSnapshot& q) {
    w.sample({{"flow", f}, {"stream", s}}, q.depth);
  });
  w.family("torvyn_stream_backpressure_duration_seconds_total", "counter",
           "Seconds the stream spent backpressured, i.e. full, including an episode still open "
           "(guide: stream.backpressure.duration_ns).");
  each_stream([&](const std::string& f, const std::string& s, const StreamSnapshot& q) {
    w.seconds({{"flow", f}, {"stream", s}}, q.backpressure_ns);
  });
  if (diag) {
    w.family("torvyn_stream_queue_capacity", "gauge", "Capacity of the stream's bounded queue.");
    each_stream([&](const std::string& f, const std::string& s, const StreamSnapshot& q) {
      w.sample({{"flow", f}, {"stream", s}}, uint64_t{q.capacity});
    });
    w.family("torvyn_stream_queue_peak_depth", "gauge", "Highest depth the stream's queue has reached.");
    each_stream([&](const std::string& f, const std::string& s, const StreamSnapshot& q) {
      w.sample({{"flow", f}, {"stream", s}}, q.peak_depth);
    });
    w.family("torvyn_stream_backpressure_events_total", "counter", "Times the stream's queue became full.");
    each_stream([&](const std::string& f, const std::string& s, const StreamSnapshot& q) {
      w.sample({{"flow", f}, {"stream", s}}, q.backpressure_events);
    });
  }

  // Connector nodes (at-least-once delivery through an external system).
  auto each_connector = [&](std::string_view role, auto&& fn) {
    for (size_t i = 0; i < flows.size(); ++i)
      for (const ConnectorSnapshot& c : flows[i].connectors)
        if (c.role == role) fn(labels[i].flow, c);
  };
  w.family("torvyn_connector_acked_total", "counter",
           "Source messages acknowledged: every element derived from them was delivered, dropped, or failed and skipped.");
  each_connector("source", [&](const std::string& f, const ConnectorSnapshot& c) {
    w.sample({{"flow", f}, {"node", c.node}, {"connector", c.connector}}, c.acked);
  });
  w.family("torvyn_connector_failed_acked_total", "counter",
           "Source messages acknowledged although an element derived from them failed (error_policy = \"skip\").");
  each_connector("source", [&](const std::string& f, const ConnectorSnapshot& c) {
    w.sample({{"flow", f}, {"node", c.node}, {"connector", c.connector}}, c.failed_acked);
  });
  w.family("torvyn_connector_redelivered_total", "counter",
           "Source messages the broker delivered more than once (not acknowledged in time, or by an instance that stopped).");
  each_connector("source", [&](const std::string& f, const ConnectorSnapshot& c) {
    w.sample({{"flow", f}, {"node", c.node}, {"connector", c.connector}}, c.redelivered);
  });
  w.family("torvyn_connector_pending_acks", "gauge", "Source messages fetched and not yet acknowledged.");
  each_connector("source", [&](const std::string& f, const ConnectorSnapshot& c) {
    w.sample({{"flow", f}, {"node", c.node}, {"connector", c.connector}}, c.pending_acks);
  });
  w.family("torvyn_connector_fetched_total", "counter", "Source messages fetched from the broker.");
  each_connector("source", [&](const std::string& f, const ConnectorSnapshot& c) {
    w.sample({{"flow", f}, {"node", c.node}, {"connector", c.connector}}, c.fetched);
  });
  w.family("torvyn_connector_fetch_latency_seconds", "histogram", "Time of a fetch from the broker that returned messages, in seconds.");
  each_connector("source", [&](const std::string& f, const ConnectorSnapshot& c) {
    if (c.fetch_latency_ns) w.histogram({{"flow", f}, {"node", c.node}, {"connector", c.connector}}, *c.fetch_latency_ns);
  });
  w.family("torvyn_connector_published_total", "counter", "Sink messages the broker acknowledged (stored, or recognised as duplicates).");
  each_connector("sink", [&](const std::string& f, const ConnectorSnapshot& c) {
    w.sample({{"flow", f}, {"node", c.node}, {"connector", c.connector}}, c.published);
  });
  w.family("torvyn_connector_duplicates_total", "counter",
           "Sink messages the broker recognised by their message id and did not store again (a redelivered source message).");
  each_connector("sink", [&](const std::string& f, const ConnectorSnapshot& c) {
    w.sample({{"flow", f}, {"node", c.node}, {"connector", c.connector}}, c.duplicates);
  });
  w.family("torvyn_connector_errors_total", "counter", "Failed fetches, acknowledgements and publications of a connector node.");
  for (size_t i = 0; i < flows.size(); ++i)
    for (const ConnectorSnapshot& c : flows[i].connectors)
      w.sample({{"flow", labels[i].flow}, {"node", c.node}, {"connector", c.connector}}, c.fetch_errors + c.ack_errors + c.publish_errors);

  // Components (per stage: one instance of a component in one flow).
  auto each_stage = [&](auto&& fn) {
    for (size_t i = 0; i < flows.size(); ++i)
      for (size_t j = 0; j < flows[i].stages.size(); ++j) fn(labels[i].flow, labels[i].nodes[j], flows[i].stages[j]);
  };
  w.family("torvyn_component_processing_time_seconds", "histogram",
           "Time per component invocation in seconds (guide: component.processing_time).");
  each_stage([&](const std::string& f, const std::string& n, const StageSnapshot& s) {
    if (s.processing_ns) w.histogram({{"flow", f}, {"node", n}, {"component", s.component}}, *s.processing_ns);
  });
  w.family("torvyn_component_errors_total", "counter", "Failed component invocations (guide: component.errors).");
  each_stage([&](const std::string& f, const std::string& n, const StageSnapshot& s) {
    w.sample({{"flow", f}, {"node", n}, {"component", s.component}}, s.errors);
  });
  w.family("torvyn_component_memory_current_bytes", "gauge",
           "Linear memory of the component instance in bytes (guide: component.memory_current).");
  each_stage([&](const std::string& f, const std::string& n, const StageSnapshot& s) {
    w.sample({{"flow", f}, {"node", n}, {"component", s.component}}, s.memory_bytes);
  });
  w.family("torvyn_component_fuel_consumed_total", "counter",
           "Fuel consumed by the component instance (guide: component.fuel_consumed).");
  each_stage([&](const std::string& f, const std::string& n, const StageSnapshot& s) {
    w.sample({{"flow", f}, {"node", n}, {"component", s.component}}, s.fuel_consumed);
  });
  w.family("torvyn_component_buffer_bytes", "gauge",
           "Bytes of pool buffers the component instance holds (allocated and not yet handed on or dropped).");
  each_stage([&](const std::string& f, const std::string& n, const StageSnapshot& s) {
    if (s.has_buffer_budget) w.sample({{"flow", f}, {"node", n}, {"component", s.component}}, s.buffer_bytes);
  });
  w.family("torvyn_component_buffer_budget_bytes", "gauge",
           "Buffer budget of the component instance in bytes (max_buffer_bytes; 0 = unlimited).");
  each_stage([&](const std::string& f, const std::string& n, const StageSnapshot& s) {
    if (s.has_buffer_budget) w.sample({{"flow", f}, {"node", n}, {"component", s.component}}, s.buffer_budget_bytes);
  });
  w.family("torvyn_component_buffer_budget_exceeded_total", "counter",
           "Buffer allocations of the component instance refused by its budget (allocation-failed, E0605).");
  each_stage([&](const std::string& f, const std::string& n, const StageSnapshot& s) {
    if (s.has_buffer_budget) w.sample({{"flow", f}, {"node", n}, {"component", s.component}}, s.budget_exceeded);
  });
  if (diag) {
    w.family("torvyn_component_invocations_total", "counter", "Invocations of the component instance.");
    each_stage([&](const std::string& f, const std::string& n, const StageSnapshot& s) {
      w.sample({{"flow", f}, {"node", n}, {"component", s.component}}, s.invocations);
    });
    w.family("torvyn_component_copies_total", "counter", "Payload copies between the host and the component instance.");
    each_stage([&](const std::string& f, const std::string& n, const StageSnapshot& s) {
      w.sample({{"flow", f}, {"node", n}, {"component", s.component}}, s.copies);
    });
    w.family("torvyn_component_copy_bytes_total", "counter", "Payload bytes copied between the host and the component instance.");
    each_stage([&](const std::string& f, const std::string& n, const StageSnapshot& s) {
      w.sample({{"flow", f}, {"node", n}, {"component", s.component}}, s.copy_bytes);
    });
  }

  // Buffer pools.
  const std::vector<PoolSnapshot> pools = source.pools();
  w.family("torvyn_pool_available", "gauge", "Free buffers in the pool tier (guide: pool.available).");
  for (const PoolSnapshot& p : pools) w.sample({{"tier", p.tier}}, p.available);
  w.family("torvyn_pool_exhaustion_events_total", "counter",
           "Allocations that found the pool tier empty (guide: pool.exhaustion_events).");
  for (const PoolSnapshot& p : pools) w.sample({{"tier", p.tier}}, p.exhaustion_events);
  if (diag) {
    w.family("torvyn_pool_buffers", "gauge", "Buffers in the pool tier.");
    for (const PoolSnapshot& p : pools) w.sample({{"tier", p.tier}}, p.total);
    w.family("torvyn_pool_in_use", "gauge", "Buffers of the pool tier held by live buffers.");
    for (const PoolSnapshot& p : pools) w.sample({{"tier", p.tier}}, p.in_use);
    w.family("torvyn_pool_buffer_bytes", "gauge", "Size of one buffer of the pool tier in bytes.");
    for (const PoolSnapshot& p : pools) w.sample({{"tier", p.tier}}, p.buffer_bytes);
    w.family("torvyn_pool_in_use_bytes", "gauge", "Bytes of the pool tier held by live buffers.");
    for (const PoolSnapshot& p : pools) w.sample({{"tier", p.tier}}, p.bytes_in_use);
  }

  // Copies and the process.
  w.family("torvyn_copies_total", "counter", "Payload copies between the host and components (guide: copies.total).");
  w.sample({}, source.copies_total());
  w.family("torvyn_copies_bytes_total", "counter",
           "Payload bytes copied between the host and components (guide: copies.bytes).");
  w.sample({}, source.copies_bytes());
  // Tracing (only when a tracer runs): what was sampled, promoted, exported and dropped.
  if (std::optional<TracingSnapshot> t = source.tracing()) {
    w.family("torvyn_trace_elements_total", "counter", "Elements that were given a trace.");
    w.sample({}, t->elements_traced);
    w.family("torvyn_trace_elements_kept_total", "counter", "Traced elements exported (head-sampled or promoted).");
    w.sample({}, t->elements_kept);
    w.family("torvyn_trace_elements_promoted_total", "counter", "Elements kept only because of an error or their latency.");
    w.sample({}, t->elements_promoted);
    w.family("torvyn_trace_spans_exported_total", "counter", "Spans the exporter accepted.");
    w.sample({{"exporter", t->exporter}}, t->spans_exported);
    w.family("torvyn_trace_spans_dropped_total", "counter", "Spans dropped because the export ring was full.");
    w.sample({{"exporter", t->exporter}}, t->spans_dropped);
    w.family("torvyn_trace_traces_dropped_total", "counter",
             "Kept element traces dropped whole because the export ring had no room for all their spans.");
    w.sample({{"exporter", t->exporter}}, t->traces_dropped);
    w.family("torvyn_trace_spans_failed_total", "counter", "Spans in batches the exporter failed to send.");
    w.sample({{"exporter", t->exporter}}, t->spans_failed);
  }
  const ProcessMemory mem = read_process_memory();
  w.family("torvyn_system_memory_total_bytes", "gauge",
           "Resident memory of the Torvyn process in bytes (guide: system.memory.total).");
  w.sample({}, mem.resident);
  if (diag) {
    w.family("torvyn_system_memory_peak_bytes", "gauge", "Peak resident memory of the Torvyn process in bytes.");
    w.sample({}, mem.peak_resident);
  }
  size_hint.store(out.size(), std::memory_order_relaxed);
  return out;
}

}  // namespace torvyn::observability
