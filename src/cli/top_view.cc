#include "top_view.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace torvyn::cli::top {
namespace {

using nlohmann::json;

// Fields are read without trusting their presence or type: the instance could be an older or
// newer Torvyn, or not Torvyn at all.
double num(const json& j, const char* key) {
  if (!j.is_object()) return 0;
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0;
}

std::optional<double> opt_num(const json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::string str(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json& member(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

// Growth per second of a counter between two polls; unknown when there is no earlier value, no
// time passed, or the counter went down (a different instance answered, or it restarted).
Rate per_second(std::optional<double> before, double now, double dt) {
  if (!before || dt <= 0 || now < *before) return std::nullopt;
  return (now - *before) / dt;
}

struct Previous {
  std::map<std::string, double> flow_delivered, flow_elements;                   // by flow id
  std::map<std::pair<std::string, std::string>, double> stage_invocations;        // (flow id, node)
  std::map<std::pair<std::string, std::string>, double> stream_backpressure_ns;  // (flow id, "from->to")
};

Previous index(const TopSample& s) {
  Previous p;
  for (const json& f : s.flows) {
    std::string id = str(f, "id");
    p.flow_delivered[id] = num(f, "delivered");
    p.flow_elements[id] = num(f, "elements");
    const json& stages = member(f, "stages");
    if (stages.is_array())
      for (const json& st : stages) p.stage_invocations[{id, str(st, "node")}] = num(st, "invocations");
    const json& streams = member(f, "streams");
    if (streams.is_array())
      for (const json& q : streams)
        p.stream_backpressure_ns[{id, str(q, "from") + "->" + str(q, "to")}] = num(q, "backpressure_ns");
  }
  return p;
}

template <typename K>
std::optional<double> lookup(const std::map<K, double>& m, const K& k) {
  auto it = m.find(k);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

std::string printf_string(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

// Counts columns, not bytes: UTF-8 continuation bytes take no column (names may be non-ASCII;
// wide characters are rare enough in flow names to count as one).
size_t columns(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::string cut(const std::string& s, size_t width) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (n == width) return s.substr(0, i);
      ++n;
    }
  }
  return s;
}

// Control characters (from names in the configuration) must not reach the terminal.
std::string printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) out.push_back(c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c));
  return out;
}

// A left-aligned cell of `w` columns (cut, with a trailing space).
std::string left(const std::string& s, size_t w) {
  std::string t = cut(printable(s), w);
  return t + std::string(w - columns(t) + 1, ' ');
}

std::string right(const std::string& s, size_t w) {
  std::string t = cut(s, w);
  return std::string(w - columns(t), ' ') + t + " ";
}

json rate_json(const Rate& r) { return r ? json(*r) : json(nullptr); }
json opt_json(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

}  // namespace

std::string format_count(double n) {
  if (!std::isfinite(n)) return "-";
  long long v = std::llround(n);
  std::string digits = std::to_string(v < 0 ? -v : v);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return v < 0 ? "-" + out : out;
}

std::string format_rate(const Rate& r) {
  if (!r || !std::isfinite(*r)) return "-";
  double v = *r;
  if (v >= 1e6) return printf_string("%.2fM/s", v / 1e6);
  if (v >= 1e4) return printf_string("%.1fk/s", v / 1e3);
  return printf_string(v >= 100 ? "%.0f/s" : "%.1f/s", v);
}

std::string format_duration_ns(const std::optional<double>& ns) {
  if (!ns || !std::isfinite(*ns)) return "-";
  double v = *ns;
  if (v >= 1e9) return printf_string("%.2f s", v / 1e9);
  if (v >= 1e6) return printf_string("%.2f ms", v / 1e6);
  if (v >= 1e3) return printf_string("%.1f us", v / 1e3);
  return printf_string("%.0f ns", v);
}

std::string format_bytes(double n) {
  if (!std::isfinite(n)) return "-";
  if (n >= 1073741824.0) return printf_string("%.1f GiB", n / 1073741824.0);
  if (n >= 1048576.0) return printf_string("%.1f MiB", n / 1048576.0);
  if (n >= 1024.0) return printf_string("%.1f KiB", n / 1024.0);
  return printf_string("%.0f B", n);
}

std::string format_percent(const Rate& fraction) {
  if (!fraction || !std::isfinite(*fraction)) return "-";
  return printf_string("%.0f%%", std::clamp(*fraction, 0.0, 1.0) * 100.0);
}

TopView make_view(const TopSample* previous, const TopSample& current, const std::string& source) {
  TopView v;
  v.source = source;
  v.version = str(current.health, "version");
  v.pid = static_cast<long long>(num(current.health, "pid"));
  v.uptime_seconds = num(current.health, "uptime_seconds");
  double dt = previous ? current.seconds - previous->seconds : 0;
  v.interval_seconds = dt > 0 ? dt : 0;
  Previous before = previous ? index(*previous) : Previous{};

  for (const json& f : current.flows) {
    FlowRow row;
    row.id = str(f, "id");
    row.name = str(f, "name");
    if (row.name.empty()) row.name = row.id;
    row.state = str(f, "state");
    row.elements = num(f, "elements");
    row.delivered = num(f, "delivered");
    row.dropped = num(f, "dropped");
    row.errors = num(f, "errors");
    const json& latency = member(f, "latency_ns");
    row.latency_p50_ns = opt_num(latency, "p50_ns");
    row.latency_p99_ns = opt_num(latency, "p99_ns");
    row.elements_per_second = per_second(lookup(before.flow_elements, row.id), row.elements, dt);
    row.delivered_per_second = per_second(lookup(before.flow_delivered, row.id), row.delivered, dt);
    v.flows.push_back(row);

    const json& stages = member(f, "stages");
    if (stages.is_array()) {
      for (const json& st : stages) {
        StageRow s;
        s.flow_id = row.id;
        s.flow = row.name;
        s.node = str(st, "node");
        s.component = str(st, "component");
        s.role = str(st, "role");
        s.invocations = num(st, "invocations");
        s.errors = num(st, "errors");
        s.memory_bytes = num(st, "memory_bytes");
        const json& h = member(st, "processing_ns");
        s.p50_ns = opt_num(h, "p50_ns");
        s.p99_ns = opt_num(h, "p99_ns");
        s.calls_per_second = per_second(lookup(before.stage_invocations, {row.id, s.node}), s.invocations, dt);
        v.stages.push_back(s);
      }
    }
    const json& streams = member(f, "streams");
    if (streams.is_array()) {
      for (const json& q : streams) {
        StreamRow s;
        s.flow_id = row.id;
        s.flow = row.name;
        s.from = str(q, "from");
        s.to = str(q, "to");
        s.depth = num(q, "depth");
        s.capacity = num(q, "capacity");
        s.peak_depth = num(q, "peak_depth");
        s.backpressure_events = num(q, "backpressure_events");
        Rate ns_per_s = per_second(lookup(before.stream_backpressure_ns, {row.id, s.from + "->" + s.to}),
                                   num(q, "backpressure_ns"), dt);
        if (ns_per_s) s.backpressure_fraction = std::clamp(*ns_per_s / 1e9, 0.0, 1.0);
        v.streams.push_back(s);
      }
    }
  }
  if (current.pools.is_array()) {
    for (const json& p : current.pools) {
      PoolRow row;
      row.tier = str(p, "tier");
      row.available = num(p, "available");
      row.in_use = num(p, "in_use");
      row.total = num(p, "total");
      row.exhaustion_events = num(p, "exhaustion_events");
      v.pools.push_back(row);
    }
  }
  return v;
}

std::vector<std::string> render(const TopView& v, int width_in, int height_in) {
  const size_t width = static_cast<size_t>(std::max(width_in, 20));
  const size_t height = static_cast<size_t>(std::max(height_in, 3));
  std::vector<std::string> lines;
  auto add = [&](std::string s) {
    while (!s.empty() && s.back() == ' ') s.pop_back();
    lines.push_back(cut(s, width));
  };

  std::string head = "torvyn top - " + printable(v.source);
  if (!v.version.empty()) head += " - torvyn " + printable(v.version) + " pid " + std::to_string(v.pid);
  head += " - up " + std::to_string(static_cast<long long>(v.uptime_seconds)) + " s - " + std::to_string(v.flows.size()) +
          " flow" + (v.flows.size() == 1 ? "" : "s");
  head += v.interval_seconds > 0 ? printf_string(" - rates over %.1f s", v.interval_seconds) : " - rates after the next poll";
  add(head);
  add("");

  add(left("FLOW", 18) + left("STATE", 10) + right("ELEMENTS", 12) + right("DELIVERED", 12) + right("RATE", 10) +
      right("ERRORS", 8) + right("DROPPED", 9) + right("P50", 10) + right("P99", 10));
  for (const FlowRow& f : v.flows)
    add(left(f.name, 18) + left(f.state, 10) + right(format_count(f.elements), 12) + right(format_count(f.delivered), 12) +
        right(format_rate(f.delivered_per_second), 10) + right(format_count(f.errors), 8) +
        right(format_count(f.dropped), 9) + right(format_duration_ns(f.latency_p50_ns), 10) +
        right(format_duration_ns(f.latency_p99_ns), 10));
  if (v.flows.empty()) add("(no flows)");
  add("");

  add(left("STAGE", 24) + left("COMPONENT", 16) + left("ROLE", 10) + right("CALLS/S", 10) + right("CALLS", 12) +
      right("ERRORS", 8) + right("P50", 10) + right("P99", 10) + right("MEMORY", 10));
  for (const StageRow& s : v.stages)
    add(left(s.flow + "/" + s.node, 24) + left(s.component, 16) + left(s.role, 10) + right(format_rate(s.calls_per_second), 10) +
        right(format_count(s.invocations), 12) + right(format_count(s.errors), 8) + right(format_duration_ns(s.p50_ns), 10) +
        right(format_duration_ns(s.p99_ns), 10) + right(format_bytes(s.memory_bytes), 10));
  add("");

  add(left("STREAM", 30) + right("QUEUE", 11) + right("PEAK", 7) + right("BP EVENTS", 11) + right("FULL", 6));
  for (const StreamRow& s : v.streams)
    add(left(s.flow + "/" + s.from + "->" + s.to, 30) + right(format_count(s.depth) + "/" + format_count(s.capacity), 11) +
        right(format_count(s.peak_depth), 7) + right(format_count(s.backpressure_events), 11) +
        right(format_percent(s.backpressure_fraction), 6));
  add("");

  add(left("POOL", 10) + right("AVAILABLE", 10) + right("IN USE", 8) + right("TOTAL", 8) + right("EXHAUSTED", 10));
  for (const PoolRow& p : v.pools)
    add(left(p.tier, 10) + right(format_count(p.available), 10) + right(format_count(p.in_use), 8) +
        right(format_count(p.total), 8) + right(format_count(p.exhaustion_events), 10));

  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.size() > height) {
    size_t hidden = lines.size() - (height - 1);
    lines.resize(height - 1);
    add("... " + std::to_string(hidden) + " more line" + (hidden == 1 ? "" : "s") + " (a taller terminal shows them)");
  }
  return lines;
}

json to_json(const TopView& v) {
  json flows = json::array();
  for (const FlowRow& f : v.flows) {
    json stages = json::array(), streams = json::array();
    for (const StageRow& s : v.stages) {
      if (s.flow_id != f.id) continue;
      stages.push_back(json{{"node", s.node},
                            {"component", s.component},
                            {"role", s.role},
                            {"invocations", s.invocations},
                            {"calls_per_second", rate_json(s.calls_per_second)},
                            {"errors", s.errors},
                            {"p50_ns", opt_json(s.p50_ns)},
                            {"p99_ns", opt_json(s.p99_ns)},
                            {"memory_bytes", s.memory_bytes}});
    }
    for (const StreamRow& s : v.streams) {
      if (s.flow_id != f.id) continue;
      streams.push_back(json{{"from", s.from},
                             {"to", s.to},
                             {"depth", s.depth},
                             {"capacity", s.capacity},
                             {"peak_depth", s.peak_depth},
                             {"backpressure_events", s.backpressure_events},
                             {"backpressure_fraction", rate_json(s.backpressure_fraction)}});
    }
    flows.push_back(json{{"id", f.id},
                         {"name", f.name},
                         {"state", f.state},
                         {"elements", f.elements},
                         {"delivered", f.delivered},
                         {"dropped", f.dropped},
                         {"errors", f.errors},
                         {"elements_per_second", rate_json(f.elements_per_second)},
                         {"delivered_per_second", rate_json(f.delivered_per_second)},
                         {"latency_p50_ns", opt_json(f.latency_p50_ns)},
                         {"latency_p99_ns", opt_json(f.latency_p99_ns)},
                         {"stages", std::move(stages)},
                         {"streams", std::move(streams)}});
  }
  json pools = json::array();
  for (const PoolRow& p : v.pools)
    pools.push_back(json{{"tier", p.tier},
                         {"available", p.available},
                         {"in_use", p.in_use},
                         {"total", p.total},
                         {"exhaustion_events", p.exhaustion_events}});
  return json{{"source", v.source},
              {"version", v.version},
              {"pid", v.pid},
              {"uptime_seconds", v.uptime_seconds},
              {"interval_seconds", v.interval_seconds},
              {"flows", std::move(flows)},
              {"pools", std::move(pools)}};
}

}  // namespace torvyn::cli::top
