#include "guest_output.h"

#include <algorithm>
#include <cstdio>

namespace torvyn::security::wasi {

GuestOutput::GuestOutput(Sink sink, size_t max_line_bytes, uint64_t max_total_bytes)
    : sink_(std::move(sink)), max_line_(std::max<size_t>(max_line_bytes, 1)), max_total_(max_total_bytes) {}

void GuestOutput::write(int fd, std::string_view bytes) {
  if (fd != 1 && fd != 2) return;
  uint64_t room = max_total_ > accepted_ ? max_total_ - accepted_ : 0;
  bool over = bytes.size() > room;
  if (over) {
    stats_.bytes_dropped += bytes.size() - room;
    bytes = bytes.substr(0, room);
  }
  accepted_ += bytes.size();
  append(fd, bytes);
  if (over && !limit_reported_) {
    limit_reported_ = true;
    flush();
    if (sink_) sink_(fd, "[torvyn: output limit of " + std::to_string(max_total_) + " bytes reached; further output is dropped]");
  }
}

void GuestOutput::append(int fd, std::string_view bytes) {
  Line& line = lines_[fd == 2];
  while (!bytes.empty()) {
    size_t nl = bytes.find('\n');
    std::string_view part = bytes.substr(0, nl);
    size_t keep = std::min(part.size(), max_line_ - std::min(max_line_, line.text.size()));
    line.text.append(part.substr(0, keep));
    if (part.size() > keep) {
      if (line.cut == 0) ++stats_.lines_truncated;
      line.cut += part.size() - keep;
      stats_.bytes_dropped += part.size() - keep;
    }
    if (nl == std::string_view::npos) break;
    emit(fd);
    bytes.remove_prefix(nl + 1);
  }
}

void GuestOutput::emit(int fd) {
  Line& line = lines_[fd == 2];
  std::string_view text = line.text;
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  stats_.bytes_logged += line.text.size();
  ++stats_.lines_logged;
  std::string out = sanitize(text);
  if (line.cut) out += " [truncated " + std::to_string(line.cut) + " bytes]";
  line = Line{};
  if (sink_) sink_(fd, out);
}

void GuestOutput::flush() {
  for (int fd : {1, 2})
    if (!lines_[fd == 2].text.empty() || lines_[fd == 2].cut) emit(fd);
}

namespace {

// Decodes one UTF-8 sequence at p[i]; false if it is malformed, overlong, a surrogate or too big.
bool decode(const unsigned char* p, size_t n, size_t i, uint32_t& cp, size_t& len) {
  unsigned char c = p[i];
  len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (len == 0 || i + len > n) return false;
  cp = len == 1 ? c : len == 2 ? (c & 0x1Fu) : len == 3 ? (c & 0x0Fu) : (c & 0x07u);
  for (size_t k = 1; k < len; ++k) {
    if ((p[i + k] & 0xC0) != 0x80) return false;
    cp = (cp << 6) | (p[i + k] & 0x3Fu);
  }
  static const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
  return cp >= min_cp[len] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
}

}  // namespace

bool GuestOutput::valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  uint32_t cp;
  size_t len;
  for (size_t i = 0; i < s.size(); i += len)
    if (!decode(p, s.size(), i, cp, len)) return false;
  return true;
}

std::string GuestOutput::sanitize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size();
  for (size_t i = 0; i < n;) {
    uint32_t cp = 0;
    size_t len = 0;
    if (!decode(p, n, i, cp, len)) {
      out += "\xEF\xBF\xBD";  // U+FFFD for each byte that does not start a valid sequence
      ++i;
      continue;
    }
    if ((cp < 0x20 && cp != '\t') || cp == 0x7f) {
      char esc[5];
      std::snprintf(esc, sizeof esc, "\\x%02x", unsigned(cp));
      out += esc;
    } else if (cp >= 0x80 && cp < 0xA0) {
      out += "\xEF\xBF\xBD";  // C1 controls (e.g. CSI) act as terminal escapes too
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  return out;
}

}  // namespace torvyn::security::wasi
