// Equality of short strings on the per-element path: a content type is compared once or twice per
// element (the pool keeps a slot's last one; a batch groups its elements by theirs), and a libc
// memcmp call costs more than the compare itself at these lengths.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace torvyn {

inline bool same_short_text(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  if (n == 0 || a.data() == b.data()) return true;  // interned strings share their bytes
  const char* x = a.data();
  const char* y = b.data();
  auto word = [](const char* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  };
  if (n >= 8 && n <= 16) return word(x) == word(y) && word(x + n - 8) == word(y + n - 8);  // two overlapping words
  if (n > 16 && n <= 32)
    return word(x) == word(y) && word(x + 8) == word(y + 8) && word(x + n - 16) == word(y + n - 16) && word(x + n - 8) == word(y + n - 8);
  if (n < 8) {
    for (size_t i = 0; i < n; ++i)
      if (x[i] != y[i]) return false;
    return true;
  }
  return std::memcmp(x, y, n) == 0;
}

}  // namespace torvyn
