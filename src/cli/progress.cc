#include "progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace torvyn::cli {

namespace {

constexpr auto kRedraw = std::chrono::milliseconds(100);

bool stderr_is_terminal() {
  if (!::isatty(2)) return false;
  const char* term = std::getenv("TERM");
  return !(term && std::strcmp(term, "dumb") == 0);
}

// Braille spinner frames need a UTF-8 terminal; anything else gets ASCII.
bool utf8_locale() {
  for (const char* var : {"LC_ALL", "LC_CTYPE", "LANG"}) {
    const char* v = std::getenv(var);
    if (!v || !*v) continue;
    std::string s(v);
    return s.find("UTF-8") != std::string::npos || s.find("utf8") != std::string::npos || s.find("UTF8") != std::string::npos ||
           s.find("utf-8") != std::string::npos;
  }
  return false;
}

size_t terminal_columns() {
  struct winsize ws{};
  if (::ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

// Cuts `s` to `columns` characters (UTF-8: continuation bytes take no column).
std::string fit(const std::string& s, size_t columns) {
  size_t cols = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (++cols > columns) return s.substr(0, i);
  }
  return s;
}

// Straight to the descriptor: the status line must not sit in a stream buffer, and other code
// (compile-cache warnings) writes fd 2 directly too.
void put(const std::string& s) {
  const char* p = s.data();
  size_t left = s.size();
  while (left > 0) {
    ssize_t n = ::write(2, p, left);
    if (n <= 0) return;  // stderr gone: progress is not worth an error
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace

std::string human_bytes(uint64_t bytes) {
  char buf[32];
  if (bytes < 1024) std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  else if (bytes < (1u << 20)) std::snprintf(buf, sizeof buf, "%llu KiB", static_cast<unsigned long long>((bytes + 512) / 1024));
  else std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

std::string human_seconds(double seconds) {
  char buf[48];
  if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%.1f s", seconds);
  } else {
    auto whole = static_cast<unsigned long long>(seconds);
    std::snprintf(buf, sizeof buf, "%llu min %02llu s", whole / 60, whole % 60);
  }
  return buf;
}

Progress::Mode Progress::mode_for(const Globals& g) {
  Mode m;
  m.verbose = g.verbose;
  if (g.quiet) return m;
  if (stderr_is_terminal()) {
    m.style = Style::Live;
    m.final_lines = !g.json();
  } else if (!g.json()) {
    m.style = Style::Lines;
  }
  return m;
}

Progress::Progress(Mode mode) : mode_(mode), unicode_(utf8_locale()) {}

Progress::~Progress() { stop(); }

uint64_t Progress::begin(const std::string& what) noexcept {
  try {
    std::lock_guard lock(mu_);
    if (mode_.style == Style::Off || stopping_) return 0;
    uint64_t id = next_id_++;
    if (mode_.style == Style::Lines) {
      put(what + "...\n");
      return id;
    }
    active_[id] = Item{what, std::chrono::steady_clock::now()};
    // The timer thread exists only once something is waited on: a warm run starts none.
    if (!thread_.joinable()) thread_ = std::thread([this] { timer(); });
    draw_locked();
    return id;
  } catch (...) {
    return 0;  // no memory or no thread: no progress, the work itself goes on
  }
}

void Progress::end(uint64_t id, const std::string& line) noexcept {
  try {
    std::lock_guard lock(mu_);
    if (mode_.style == Style::Off) return;
    active_.erase(id);
    if (mode_.style == Style::Live && !mode_.final_lines) {
      if (active_.empty()) erase_locked();
      return;
    }
    print_line_locked(line);
  } catch (...) {
  }
}

void Progress::update(uint64_t id, const std::string& what) noexcept {
  try {
    std::lock_guard lock(mu_);
    if (mode_.style == Style::Lines) {
      put(what + "\n");
      return;
    }
    auto it = active_.find(id);
    if (mode_.style != Style::Live || it == active_.end()) return;
    it->second.what = what;
    draw_locked();
  } catch (...) {
  }
}

void Progress::note(const std::string& line) noexcept {
  try {
    std::lock_guard lock(mu_);
    if (mode_.style == Style::Off || (mode_.style == Style::Live && !mode_.final_lines)) return;
    print_line_locked(line);
  } catch (...) {
  }
}

void Progress::stop() noexcept {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    active_.clear();
    erase_locked();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Progress::print_line_locked(const std::string& line) {
  if (line.empty()) return;
  erase_locked();
  put(line + "\n");
  if (mode_.style == Style::Live && !active_.empty()) draw_locked();
}

void Progress::erase_locked() {
  if (!drawn_) return;
  put("\r\033[K");
  drawn_ = false;
}

void Progress::draw_locked() {
  if (active_.empty() || stopping_) return;
  static const char* const kUnicode[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};
  static const char* const kAscii[] = {"|", "/", "-", "\\"};
  const char* spin = unicode_ ? kUnicode[frame_ % 10] : kAscii[frame_ % 4];
  auto now = std::chrono::steady_clock::now();
  std::string line = spin;
  const char* sep = " ";
  for (const auto& [id, item] : active_) {
    line += sep + item.what + " " + human_seconds(std::chrono::duration<double>(now - item.started).count());
    sep = ", ";
  }
  // One column short of the width: a full line would wrap on some terminals and the next \r would
  // no longer reach its start.
  put("\r\033[K" + fit(line, terminal_columns() - 1));
  drawn_ = true;
}

void Progress::timer() noexcept {
  try {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      wake_.wait_for(lock, kRedraw);
      if (stopping_) break;
      ++frame_;
      draw_locked();
    }
  } catch (...) {
    // Nothing may leave a thread; without redraws the status line just stands still.
  }
}

}  // namespace torvyn::cli
