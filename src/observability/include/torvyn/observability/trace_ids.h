// W3C Trace Context identifiers (https://www.w3.org/TR/trace-context/): a 16-byte trace id and an
// 8-byte span id, written as 32 and 16 lowercase hex digits. All-zero ids are invalid, which is
// what the default-constructed values are ("no trace").
//
// Ids are made by a per-thread generator (xoshiro256**, seeded from std::random_device): the hot
// path needs them per element, so no locks, no syscalls, no allocation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace torvyn::observability {

struct TraceId {
  uint64_t hi = 0, lo = 0;
  bool valid() const { return hi != 0 || lo != 0; }
  friend bool operator==(const TraceId&, const TraceId&) = default;
};

struct SpanId {
  uint64_t value = 0;
  bool valid() const { return value != 0; }
  friend bool operator==(const SpanId&, const SpanId&) = default;
};

// Lowercase hex, big-endian byte order (the W3C textual form). Writes exactly 32 / 16 chars.
void write_hex(const TraceId& id, char out[32]);
void write_hex(const SpanId& id, char out[16]);
std::string to_hex(const TraceId& id);
std::string to_hex(const SpanId& id);
// Parses the textual form (exactly 32 / 16 hex digits, either case); nullopt when malformed or
// all zero.
std::optional<TraceId> parse_trace_id(std::string_view hex);
std::optional<SpanId> parse_span_id(std::string_view hex);

// Fast non-cryptographic generator for ids. Not thread-safe: one per thread (ids_for_this_thread()).
class IdGenerator {
 public:
  IdGenerator();                      // seeded from std::random_device
  explicit IdGenerator(uint64_t seed);  // deterministic (tests)
  uint64_t next();
  TraceId trace_id();  // never all zero
  SpanId span_id();    // never zero
  // A uniform double in [0, 1): head-sampling decisions.
  double unit();

 private:
  uint64_t s_[4];
};

IdGenerator& ids_for_this_thread();

}  // namespace torvyn::observability
