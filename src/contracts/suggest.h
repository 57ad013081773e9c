// "did you mean `x`?" for misspelt world names and capabilities.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace torvyn::contracts::detail {

// The candidate within a small edit distance of `wrong` (case-insensitive), if exactly one is closest.
std::optional<std::string> suggest(std::string_view wrong, const std::vector<std::string>& candidates);

}  // namespace torvyn::contracts::detail
