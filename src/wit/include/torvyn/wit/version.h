// Semantic versions (semver.org 2.0) as WIT uses them: package versions (`torvyn:streaming@0.1.0`)
// and feature gates (`@since(version = 0.2.0)`).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace torvyn::wit {

struct Version {
  uint64_t major = 0;
  uint64_t minor = 0;
  uint64_t patch = 0;
  std::string pre;    // pre-release identifiers without the leading '-', e.g. "rc.1"
  std::string build;  // build metadata without the leading '+'

  // Parses a full semver ("1.2.3", "0.2.0-rc.1+abc"). Numeric identifiers may not have leading zeros.
  static std::optional<Version> parse(std::string_view text);
  // Why `text` is not a valid version ("" when it is); used for diagnostics.
  static std::string why_invalid(std::string_view text);

  std::string to_string() const;

  // Semver precedence: build metadata is ignored; a pre-release sorts before its release.
  std::strong_ordering operator<=>(const Version& other) const;
  bool operator==(const Version& other) const { return (*this <=> other) == 0; }
};

// Whether an artifact built against `required` can use `provided` under the usual semver reading
// WIT tooling applies to imports: same major for >= 1.0, same major.minor for 0.x, same patch for
// 0.0.x; `provided` not older than `required`; pre-releases only match exactly.
bool semver_compatible(const Version& required, const Version& provided);

}  // namespace torvyn::wit
