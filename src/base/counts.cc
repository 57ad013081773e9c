#include "torvyn/base/counts.h"

namespace torvyn {

std::string with_thousands(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string count_of(uint64_t n, std::string_view singular, std::string_view plural) {
  std::string out = with_thousands(n);
  out += ' ';
  out += n == 1 ? singular : plural;
  return out;
}

}  // namespace torvyn
