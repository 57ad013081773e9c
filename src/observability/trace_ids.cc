#include "torvyn/observability/trace_ids.h"

#include <random>

namespace torvyn::observability {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void hex64(uint64_t v, char* out) {
  for (int i = 15; i >= 0; --i, v >>= 4) out[i] = kHex[v & 0xf];
}

std::optional<uint64_t> parse64(std::string_view s) {
  uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return std::nullopt;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  return v;
}

// splitmix64: spreads one seed word over the generator's four state words.
uint64_t splitmix(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

void write_hex(const TraceId& id, char out[32]) {
  hex64(id.hi, out);
  hex64(id.lo, out + 16);
}
void write_hex(const SpanId& id, char out[16]) { hex64(id.value, out); }

std::string to_hex(const TraceId& id) {
  std::string s(32, '0');
  write_hex(id, s.data());
  return s;
}
std::string to_hex(const SpanId& id) {
  std::string s(16, '0');
  write_hex(id, s.data());
  return s;
}

std::optional<TraceId> parse_trace_id(std::string_view hex) {
  if (hex.size() != 32) return std::nullopt;
  auto hi = parse64(hex.substr(0, 16)), lo = parse64(hex.substr(16));
  if (!hi || !lo || (*hi == 0 && *lo == 0)) return std::nullopt;
  return TraceId{*hi, *lo};
}

std::optional<SpanId> parse_span_id(std::string_view hex) {
  if (hex.size() != 16) return std::nullopt;
  auto v = parse64(hex);
  if (!v || *v == 0) return std::nullopt;
  return SpanId{*v};
}

IdGenerator::IdGenerator() {
  std::random_device rd;
  uint64_t seed = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  for (uint64_t& w : s_) w = splitmix(seed);
}

IdGenerator::IdGenerator(uint64_t seed) {
  for (uint64_t& w : s_) w = splitmix(seed);
}

IdGenerator& ids_for_this_thread() {
  thread_local IdGenerator gen;
  return gen;
}

}  // namespace torvyn::observability
