#include "color.h"

#include <unistd.h>

#include <cstdlib>

namespace torvyn::cli {
namespace {

constexpr std::string_view kRed = "\x1b[1;31m", kYellow = "\x1b[1;33m", kGreen = "\x1b[1;32m", kCyan = "\x1b[1;36m",
                           kReset = "\x1b[0m";

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// The length of a severity label at the start of `s` ("error", "error[E0123]", "warning[W1]"),
// followed by ':'; 0 when there is none.
size_t label_length(std::string_view s, std::string_view word) {
  if (!starts_with(s, word)) return 0;
  size_t n = word.size();
  if (n < s.size() && s[n] == '[') {
    size_t close = s.find(']', n);
    if (close == std::string_view::npos || close > n + 12) return 0;
    n = close + 1;
  }
  return n < s.size() && s[n] == ':' ? n : 0;
}

void paint_line(std::string_view line, std::string& out) {
  const size_t indent = line.find_first_not_of(' ');
  if (indent == std::string_view::npos) {
    out += line;
    return;
  }
  const std::string_view body = line.substr(indent);
  auto paint = [&](size_t at, size_t len, std::string_view color) {
    out += line.substr(0, at);
    out += color;
    out += line.substr(at, len);
    out += kReset;
    out += line.substr(at + len);
  };
  if (size_t n = label_length(body, "error")) return paint(indent, n, kRed);
  if (size_t n = label_length(body, "warning")) return paint(indent, n, kYellow);
  // The run summary's "  error      error[E0305]: ..." and "  help       ..." rows.
  if (starts_with(body, "error ")) return paint(indent, 5, kRed);
  if (starts_with(body, "help:") || starts_with(body, "help ")) return paint(indent, 4, kCyan);
  if (starts_with(body, "= help:") || starts_with(body, "= note:")) return paint(indent + 2, 4, kCyan);
  if (indent == 0 && starts_with(body, "flow ")) {
    for (auto [state, color] : {std::pair{std::string_view(": Completed in "), kGreen}, std::pair{std::string_view(": Failed in "), kRed},
                                std::pair{std::string_view(": Cancelled in "), kYellow}}) {
      size_t at = line.find(state);
      if (at != std::string_view::npos) return paint(at + 2, state.size() - 6, color);
    }
  }
  out += line;
}

}  // namespace

bool color_enabled(std::string_view mode, int fd) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  const char* term = std::getenv("TERM");
  if (term && std::string_view(term) == "dumb") return false;
  return ::isatty(fd) == 1;
}

std::string colorize(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 64);
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    size_t end = nl == std::string_view::npos ? text.size() : nl;
    paint_line(text.substr(start, end - start), out);
    if (nl != std::string_view::npos) out += '\n';
    start = end + 1;
  }
  return out;
}

}  // namespace torvyn::cli
