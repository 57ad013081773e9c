// The test components' configuration: "key=value,key=value" with unsigned integer values, as
// passed by a flow node's `config` to lifecycle.init. Unknown keys are an error, so a typo in a
// test's Torvyn.toml fails the flow at init instead of silently testing nothing.
#pragma once

#include <torvyn/torvyn.hpp>

namespace ops {

struct Key {
  const char* name;
  uint64_t* value;
};

// Parses `config` into the named keys; false (and `bad` set to the offending item) on an unknown
// key or a value that is not a number.
template <size_t N>
bool parse_config(torvyn::StringView config, const Key (&keys)[N], torvyn::StringView& bad) {
  size_t start = 0;
  while (start < config.size()) {
    size_t end = start;
    while (end < config.size() && config[end] != ',') ++end;
    torvyn::StringView item(config.data() + start, end - start);
    start = end + 1;
    if (item.empty()) continue;
    size_t eq = item.find("=");
    bool known = false;
    for (const Key& k : keys) {
      torvyn::StringView name(k.name);
      if (eq != name.size() || !item.starts_with(name)) continue;
      if (eq + 1 >= item.size()) break;
      uint64_t n = 0;
      for (size_t i = eq + 1; i < item.size(); ++i) {
        if (item[i] < '0' || item[i] > '9') {
          bad = item;
          return false;
        }
        n = n * 10 + uint64_t(item[i] - '0');
      }
      *k.value = n;
      known = true;
      break;
    }
    if (!known) {
      bad = item;
      return false;
    }
  }
  return true;
}

// Busy work standing in for a slow database write or a heavy transformation: `rounds` dependent
// multiply-adds the compiler cannot fold away (the result goes to a volatile).
inline void burn(uint64_t rounds, uint64_t seed) {
  static volatile uint64_t hole = 0;
  uint64_t h = hole;
  for (uint64_t i = 0; i < rounds; ++i) h = h * 31 + seed + i;
  hole = h;
}

}  // namespace ops
