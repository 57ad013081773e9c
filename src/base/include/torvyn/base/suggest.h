// "did you mean `x`?" for misspelt keys, enum values and names.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace torvyn {

// Edit distance with adjacent transpositions (optimal string alignment).
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `wrong`, if any is close enough to be a plausible typo: the same up to
// case and `-`/`_`, within a small edit distance, or one containing the other ("exporter" →
// "tracing_exporter").
std::optional<std::string> suggest(std::string_view wrong, const std::vector<std::string_view>& candidates);
std::optional<std::string> suggest(std::string_view wrong, const std::vector<std::string>& candidates);

}  // namespace torvyn
