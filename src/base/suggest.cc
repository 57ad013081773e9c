#include "torvyn/base/suggest.h"

#include <algorithm>
#include <cctype>

namespace torvyn {

namespace {

std::string normalise(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) out += c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

size_t edit_distance(std::string_view a, std::string_view b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

std::optional<std::string> suggest(std::string_view wrong, const std::vector<std::string_view>& candidates) {
  const std::string w = normalise(wrong);
  // Typos of short words are mostly one edit; longer keys tolerate a third of their length, up to 3.
  const size_t limit = std::clamp<size_t>(w.size() / 3, 1, 3);
  std::optional<std::string> best;
  size_t best_score = SIZE_MAX;
  for (std::string_view cand : candidates) {
    const std::string c = normalise(cand);
    size_t score;
    if (c == w) {
      score = 0;
    } else if (size_t dist = edit_distance(w, c); dist <= limit) {
      score = dist;
    } else if (std::min(w.size(), c.size()) >= 4 && (c.find(w) != std::string::npos || w.find(c) != std::string::npos)) {
      score = limit + 1;  // weaker than any typo match
    } else {
      continue;
    }
    if (score < best_score) {
      best_score = score;
      best = std::string(cand);
    }
  }
  return best;
}

std::optional<std::string> suggest(std::string_view wrong, const std::vector<std::string>& candidates) {
  std::vector<std::string_view> views(candidates.begin(), candidates.end());
  return suggest(wrong, views);
}

}  // namespace torvyn
