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
  // xoshiro256** (Blackman & Vigna). Inline: the flow driver takes several ids per element.
  uint64_t next() {
    uint64_t result = rotl(s_[1] * 5, 7) * 9;
    uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  TraceId trace_id() {  // never all zero
    TraceId id{next(), next()};
    if (!id.valid()) id.lo = 1;
    return id;
  }
  SpanId span_id() {  // never zero
    uint64_t v = next();
    return SpanId{v ? v : 1};
  }
  // A uniform double in [0, 1).
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// The head-sampling draw of a trace, taken from its id (as OpenTelemetry's TraceIdRatioBased
// sampler does): uniform in [0, 1) because the id is, and the same wherever the id is seen.
inline double sampling_draw(const TraceId& id) { return static_cast<double>(id.lo >> 11) * 0x1.0p-53; }

IdGenerator& ids_for_this_thread();

}  // namespace torvyn::observability
