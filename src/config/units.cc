// Sizes and durations as people write them in config files. Strict on purpose: anything we do not
// recognise is rejected (the caller reports it with the accepted forms), never guessed at.
#include <cctype>
#include <string>

#include "torvyn/config/config.h"

namespace torvyn::config {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Reads "123" or "1.25" at the front of `s`; advances it. The fraction is kept exactly as
// numerator/denominator so "1.5GiB" does not go through binary floating point.
struct Number {
  uint64_t whole = 0;
  uint64_t frac = 0;        // digits after the point, as an integer
  uint64_t frac_scale = 1;  // 10^(number of fraction digits)
};

std::optional<Number> take_number(std::string_view& s) {
  Number n;
  size_t i = 0;
  bool any = false;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
    uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (n.whole > (UINT64_MAX - d) / 10) return std::nullopt;
    n.whole = n.whole * 10 + d;
    ++i;
    any = true;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    bool frac_digits = false;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      if (n.frac_scale < 1000000000000ull) {  // ignore digits beyond 12 places
        n.frac = n.frac * 10 + static_cast<uint64_t>(s[i] - '0');
        n.frac_scale *= 10;
      }
      ++i;
      frac_digits = true;
    }
    if (!frac_digits) return std::nullopt;
  }
  if (!any) return std::nullopt;
  s.remove_prefix(i);
  return n;
}

// n * unit, rounded down; nullopt on overflow.
std::optional<uint64_t> scale(const Number& n, uint64_t unit) {
  if (unit != 0 && n.whole > UINT64_MAX / unit) return std::nullopt;
  uint64_t whole = n.whole * unit;
  // frac * unit / frac_scale, exactly: frac < frac_scale <= 10^12 and unit <= 2^40.
  unsigned __int128 wide = static_cast<unsigned __int128>(n.frac) * unit / n.frac_scale;
  uint64_t part = static_cast<uint64_t>(wide);
  if (whole > UINT64_MAX - part) return std::nullopt;
  return whole + part;
}

void trim(std::string_view& s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
}

}  // namespace

std::optional<uint64_t> parse_size(std::string_view text) {
  std::string_view s = text;
  trim(s);
  auto n = take_number(s);
  if (!n) return std::nullopt;
  trim(s);
  std::string unit = lower(s);
  uint64_t mult = 0;
  // Binary units (KiB) are what memory is sized in; bare K/M/G follow the ulimit/JVM convention of
  // binary multiples; KB/MB/GB are the SI decimal units.
  if (unit.empty() || unit == "b") mult = 1;
  else if (unit == "kib" || unit == "ki" || unit == "k") mult = 1ull << 10;
  else if (unit == "mib" || unit == "mi" || unit == "m") mult = 1ull << 20;
  else if (unit == "gib" || unit == "gi" || unit == "g") mult = 1ull << 30;
  else if (unit == "tib" || unit == "ti" || unit == "t") mult = 1ull << 40;
  else if (unit == "kb") mult = 1000ull;
  else if (unit == "mb") mult = 1000ull * 1000;
  else if (unit == "gb") mult = 1000ull * 1000 * 1000;
  else if (unit == "tb") mult = 1000ull * 1000 * 1000 * 1000;
  else return std::nullopt;
  if (mult == 1 && n->frac != 0) return std::nullopt;  // "1.5" bytes means nothing
  return scale(*n, mult);
}

std::optional<uint64_t> parse_duration_ms(std::string_view text) {
  std::string_view s = text;
  trim(s);
  if (s.empty()) return std::nullopt;
  // A bare number is milliseconds (the unit of every *_ms key).
  {
    std::string_view t = s;
    auto n = take_number(t);
    if (n && t.empty()) return n->frac == 0 ? std::optional<uint64_t>(n->whole) : std::nullopt;
  }
  uint64_t total = 0;
  // One or more <number><unit> parts, largest unit first by convention ("1m30s"), not enforced.
  while (!s.empty()) {
    auto n = take_number(s);
    if (!n) return std::nullopt;
    size_t i = 0;
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
    std::string unit = lower(s.substr(0, i));
    s.remove_prefix(i);
    uint64_t mult = 0;
    if (unit == "ms") mult = 1;
    else if (unit == "s" || unit == "sec") mult = 1000;
    else if (unit == "m" || unit == "min") mult = 60 * 1000;
    else if (unit == "h") mult = 60 * 60 * 1000;
    else if (unit == "d") mult = 24ull * 60 * 60 * 1000;
    else return std::nullopt;
    auto v = scale(*n, mult);
    if (!v || total > UINT64_MAX - *v) return std::nullopt;
    total += *v;
  }
  return total;
}

}  // namespace torvyn::config
