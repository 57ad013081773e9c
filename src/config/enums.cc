// The spellings of the config enums: one table per enum, used both ways.
#include <array>

#include "enum_names.h"
#include "torvyn/config/config.h"

namespace torvyn::config {

namespace {

template <typename E, size_t N>
std::string name_of(const std::array<std::pair<std::string_view, E>, N>& table, E v) {
  for (const auto& [name, value] : table)
    if (value == v) return std::string(name);
  return "?";
}

template <typename E, size_t N>
std::optional<E> value_of(const std::array<std::pair<std::string_view, E>, N>& table, std::string_view s) {
  for (const auto& [name, value] : table)
    if (name == s) return value;
  return std::nullopt;
}

template <typename E, size_t N>
std::vector<std::string_view> names(const std::array<std::pair<std::string_view, E>, N>& table) {
  std::vector<std::string_view> out;
  for (const auto& entry : table) out.push_back(entry.first);
  return out;
}

constexpr std::array<std::pair<std::string_view, Engine>, 2> kEngines{{
    {"aot", Engine::Aot}, {"interp", Engine::Interp}}};
constexpr std::array<std::pair<std::string_view, BackpressurePolicy>, 4> kBackpressure{{
    {"block-producer", BackpressurePolicy::BlockProducer},
    {"drop-oldest", BackpressurePolicy::DropOldest},
    {"drop-newest", BackpressurePolicy::DropNewest},
    {"error", BackpressurePolicy::Error}}};
constexpr std::array<std::pair<std::string_view, ErrorPolicy>, 3> kErrorPolicies{{
    {"fail-fast", ErrorPolicy::FailFast}, {"skip", ErrorPolicy::Skip}, {"retry", ErrorPolicy::Retry}}};
constexpr std::array<std::pair<std::string_view, TracingLevel>, 3> kTracingLevels{{
    {"off", TracingLevel::Off}, {"production", TracingLevel::Production}, {"diagnostic", TracingLevel::Diagnostic}}};
constexpr std::array<std::pair<std::string_view, TracingExporter>, 5> kExporters{{
    {"otlp-grpc", TracingExporter::OtlpGrpc},
    {"otlp-http", TracingExporter::OtlpHttp},
    {"stdout", TracingExporter::Stdout},
    {"file", TracingExporter::File},
    {"none", TracingExporter::None}}};

}  // namespace

std::string to_string(Engine v) { return name_of(kEngines, v); }
std::string to_string(BackpressurePolicy v) { return name_of(kBackpressure, v); }
std::string to_string(ErrorPolicy v) { return name_of(kErrorPolicies, v); }
std::string to_string(TracingLevel v) { return name_of(kTracingLevels, v); }
std::string to_string(TracingExporter v) { return name_of(kExporters, v); }

std::optional<Engine> parse_engine(std::string_view s) { return value_of(kEngines, s); }
std::optional<BackpressurePolicy> parse_backpressure_policy(std::string_view s) { return value_of(kBackpressure, s); }
std::optional<ErrorPolicy> parse_error_policy(std::string_view s) { return value_of(kErrorPolicies, s); }
std::optional<TracingLevel> parse_tracing_level(std::string_view s) { return value_of(kTracingLevels, s); }
std::optional<TracingExporter> parse_tracing_exporter(std::string_view s) { return value_of(kExporters, s); }

namespace detail {
const std::vector<std::string_view>& engine_names() { static const auto v = names(kEngines); return v; }
const std::vector<std::string_view>& backpressure_policy_names() { static const auto v = names(kBackpressure); return v; }
const std::vector<std::string_view>& error_policy_names() { static const auto v = names(kErrorPolicies); return v; }
const std::vector<std::string_view>& tracing_level_names() { static const auto v = names(kTracingLevels); return v; }
const std::vector<std::string_view>& tracing_exporter_names() { static const auto v = names(kExporters); return v; }
const std::vector<std::string_view>& capability_policy_names() {
  static const std::vector<std::string_view> v{"deny-all", "allow-all"};
  return v;
}
const std::vector<std::string_view>& connector_names() {
  static const std::vector<std::string_view> v{"nats-jetstream"};
  return v;
}
}  // namespace detail

}  // namespace torvyn::config
