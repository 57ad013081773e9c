// Numbers as people read them in summaries and messages: "1,234,567", "1 call", "2 calls".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace torvyn {

// `n` in decimal with a comma between groups of three digits: 1234567 -> "1,234,567".
std::string with_thousands(uint64_t n);

// "1 call", "0 calls", "1,024 calls": the count with thousands separators and the noun in the
// singular for exactly one, otherwise the plural.
std::string count_of(uint64_t n, std::string_view singular, std::string_view plural);

}  // namespace torvyn
