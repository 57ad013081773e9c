// `torvyn top`'s model, apart from the terminal: what one poll of the inspection API read
// (TopSample), the table it shows (TopView, with rates from the deltas between two polls), and
// its rendering as plain lines cut to the terminal's size, or as JSON for --once --format json.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace torvyn::cli::top {

// One poll: GET /health, GET /flows/{id} for each flow of GET /flows, GET /pools, read at
// `seconds` on a steady clock. The JSON is kept as the API sent it; the view reads it defensively
// (a missing or mistyped field shows as unknown, never throws).
struct TopSample {
  double seconds = 0;
  nlohmann::json health;
  std::vector<nlohmann::json> flows;  // GET /flows/{id} each
  nlohmann::json pools;
};

// nullopt: not known yet (first poll, a counter that went backwards, a field that is missing).
using Rate = std::optional<double>;

struct StageRow {
  std::string flow_id, flow, node, component, role;
  double invocations = 0, errors = 0, memory_bytes = 0;
  std::optional<double> p50_ns, p99_ns;
  Rate calls_per_second;
};

struct StreamRow {
  std::string flow_id, flow, from, to;
  double depth = 0, capacity = 0, peak_depth = 0, backpressure_events = 0;
  Rate backpressure_fraction;  // the share of the interval the stream was full (0..1)
};

struct FlowRow {
  std::string id, name, state;
  double elements = 0, delivered = 0, dropped = 0, errors = 0;
  std::optional<double> latency_p50_ns, latency_p99_ns;
  Rate delivered_per_second, elements_per_second;
};

struct PoolRow {
  std::string tier;
  double available = 0, in_use = 0, total = 0, exhaustion_events = 0;
};

struct TopView {
  std::string source;   // where it came from ("unix:/…/torvyn.sock")
  std::string version;  // of the instance
  long long pid = 0;
  double uptime_seconds = 0;
  double interval_seconds = 0;  // between the two polls the rates come from (0: one poll only)
  std::vector<FlowRow> flows;
  std::vector<StageRow> stages;
  std::vector<StreamRow> streams;
  std::vector<PoolRow> pools;
};

// The view of `current`, with rates against `previous` (the poll before, if any): a counter's
// growth divided by the seconds between the polls, per flow id / node / stream.
TopView make_view(const TopSample* previous, const TopSample& current, const std::string& source);

// The screen as lines of at most `width` columns (cut, never wrapped), at most `height` lines (the
// last one says how many rows did not fit). Plain text: no escape sequences.
std::vector<std::string> render(const TopView& view, int width, int height);

// --once --format json: the view with rates (null when unknown).
nlohmann::json to_json(const TopView& view);

// Human numbers: "12,345", "1.2k/s", "3.40 ms", "1.5 MiB", "-" for unknown.
std::string format_count(double n);
std::string format_rate(const Rate& r);
std::string format_duration_ns(const std::optional<double>& ns);
std::string format_bytes(double n);
std::string format_percent(const Rate& fraction);

}  // namespace torvyn::cli::top
