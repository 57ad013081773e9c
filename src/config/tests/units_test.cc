// Sizes, durations and enum spellings.
#include <gtest/gtest.h>

#include "torvyn/config/config.h"

namespace torvyn::config {
namespace {

TEST(ParseSize, UnitsAndForms) {
  EXPECT_EQ(parse_size("512"), 512u);
  EXPECT_EQ(parse_size("512B"), 512u);
  EXPECT_EQ(parse_size("4KiB"), 4096u);
  EXPECT_EQ(parse_size("64MiB"), 64ull << 20);
  EXPECT_EQ(parse_size("1GiB"), 1ull << 30);
  EXPECT_EQ(parse_size("2TiB"), 2ull << 40);
  EXPECT_EQ(parse_size("16MB"), 16000000u);
  EXPECT_EQ(parse_size("1kb"), 1000u);
  EXPECT_EQ(parse_size("3GB"), 3000000000u);
  EXPECT_EQ(parse_size("64M"), 64ull << 20);  // bare letters are binary, like ulimit and -Xmx
  EXPECT_EQ(parse_size("8k"), 8192u);
  EXPECT_EQ(parse_size("64 MiB"), 64ull << 20);
  EXPECT_EQ(parse_size(" 64mib "), 64ull << 20);
  EXPECT_EQ(parse_size("1.5GiB"), 3ull << 29);
  EXPECT_EQ(parse_size("0.5KiB"), 512u);
  EXPECT_EQ(parse_size("0"), 0u);
  EXPECT_EQ(parse_size("18446744073709551615"), UINT64_MAX);
}

TEST(ParseSize, Rejects) {
  for (const char* bad : {"", "MiB", "-1", "64 parsecs", "1.5", "1.", ".5MiB", "64MiBs", "1e3", "99999999999TiB",
                          "18446744073709551616", "64 M iB", "0x10"})
    EXPECT_FALSE(parse_size(bad)) << bad;
}

TEST(ParseDuration, UnitsAndForms) {
  EXPECT_EQ(parse_duration_ms("250ms"), 250u);
  EXPECT_EQ(parse_duration_ms("5s"), 5000u);
  EXPECT_EQ(parse_duration_ms("2m"), 120000u);
  EXPECT_EQ(parse_duration_ms("1h"), 3600000u);
  EXPECT_EQ(parse_duration_ms("1d"), 86400000u);
  EXPECT_EQ(parse_duration_ms("1m30s"), 90000u);
  EXPECT_EQ(parse_duration_ms("1.5s"), 1500u);
  EXPECT_EQ(parse_duration_ms("500"), 500u);
  EXPECT_EQ(parse_duration_ms(" 10S "), 10000u);
  EXPECT_EQ(parse_duration_ms("0s"), 0u);
}

TEST(ParseDuration, Rejects) {
  for (const char* bad : {"", "s", "5", "5x", "-5s", "5 s", "1.5", "ms5", "5s 3", "99999999999999999999s"}) {
    if (std::string(bad) == "5") continue;  // a bare number is milliseconds
    EXPECT_FALSE(parse_duration_ms(bad)) << bad;
  }
}

TEST(Enums, RoundTrip) {
  for (Engine e : {Engine::Aot, Engine::Interp}) EXPECT_EQ(parse_engine(to_string(e)), e);
  for (auto p : {BackpressurePolicy::BlockProducer, BackpressurePolicy::DropOldest, BackpressurePolicy::DropNewest,
                 BackpressurePolicy::Error})
    EXPECT_EQ(parse_backpressure_policy(to_string(p)), p);
  for (auto p : {ErrorPolicy::FailFast, ErrorPolicy::Skip, ErrorPolicy::Retry}) EXPECT_EQ(parse_error_policy(to_string(p)), p);
  for (auto l : {TracingLevel::Off, TracingLevel::Production, TracingLevel::Diagnostic})
    EXPECT_EQ(parse_tracing_level(to_string(l)), l);
  for (auto x : {TracingExporter::OtlpGrpc, TracingExporter::OtlpHttp, TracingExporter::Stdout, TracingExporter::File,
                 TracingExporter::None})
    EXPECT_EQ(parse_tracing_exporter(to_string(x)), x);
  EXPECT_EQ(to_string(BackpressurePolicy::BlockProducer), "block-producer");
  EXPECT_EQ(to_string(TracingExporter::OtlpGrpc), "otlp-grpc");
  EXPECT_EQ(to_string(ErrorPolicy::FailFast), "fail-fast");
  EXPECT_FALSE(parse_engine("AOT"));
}

}  // namespace
}  // namespace torvyn::config
