#include "manifest_text.h"

#include <cctype>

namespace torvyn::contracts::detail {

namespace {

bool is_key_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }

// The length of a TOML value starting at `s[from]`: a quoted string, an inline table/array up to
// its matching bracket on this line, or a bare word.
size_t value_length(const std::string& s, size_t from) {
  if (from >= s.size()) return 1;
  char c = s[from];
  if (c == '"' || c == '\'') {
    size_t end = from + 1;
    while (end < s.size() && s[end] != c) end += (s[end] == '\\' && c == '"') ? 2 : 1;
    return std::min(end, s.size() - 1) - from + 1;
  }
  if (c == '{' || c == '[') {
    char close = c == '{' ? '}' : ']';
    int depth = 0;
    for (size_t i = from; i < s.size(); ++i) {
      if (s[i] == c) ++depth;
      else if (s[i] == close && --depth == 0) return i - from + 1;
    }
    return s.size() - from;
  }
  size_t end = from;
  while (end < s.size() && s[end] != ',' && s[end] != '}' && s[end] != '#' && !std::isspace(static_cast<unsigned char>(s[end]))) ++end;
  return std::max<size_t>(1, end - from);
}

// Position of `key` followed by `=` in `s` at or after `from` (as a whole key), or npos.
size_t find_key(const std::string& s, std::string_view key, size_t from) {
  for (size_t at = s.find(key, from); at != std::string::npos; at = s.find(key, at + 1)) {
    if (at > 0 && (is_key_char(s[at - 1]) || s[at - 1] == '.' || s[at - 1] == '"')) continue;
    size_t i = at + key.size();
    if (i < s.size() && is_key_char(s[i])) continue;
    while (i < s.size() && s[i] == ' ') ++i;
    if (i < s.size() && s[i] == '=') return at;
  }
  return std::string::npos;
}

}  // namespace

ManifestText::ManifestText(std::string file, std::string text) : file_(std::move(file)), text_(std::move(text)) {
  starts_.push_back(0);
  for (size_t i = 0; i < text_.size(); ++i)
    if (text_[i] == '\n') starts_.push_back(i + 1);
}

std::string ManifestText::line(uint32_t n) const {
  if (n == 0 || n > starts_.size()) return "";
  size_t b = starts_[n - 1];
  size_t e = text_.find('\n', b);
  std::string s = text_.substr(b, e == std::string::npos ? std::string::npos : e - b);
  if (!s.empty() && s.back() == '\r') s.pop_back();
  return s;
}

SourceLocation ManifestText::at(uint32_t ln, size_t col0, size_t len) const {
  SourceLocation l;
  l.file = file_;
  l.line = ln;
  l.column = static_cast<uint32_t>(col0 + 1);
  l.length = static_cast<uint32_t>(std::max<size_t>(1, len));
  return l;
}

SourceLocation ManifestText::key_value(const SourceLocation& table, std::string_view key) const {
  if (table.file != file_ || table.line == 0) return table;
  auto value_at = [&](uint32_t ln, const std::string& s, size_t k) {
    size_t v = s.find('=', k) + 1;
    while (v < s.size() && s[v] == ' ') ++v;
    return at(ln, v, value_length(s, v));
  };
  std::string first = line(table.line);
  size_t from = table.column ? table.column - 1 : 0;
  if (size_t k = find_key(first, key, from); k != std::string::npos) return value_at(table.line, first, k);
  for (uint32_t ln = table.line + 1; ln <= starts_.size(); ++ln) {
    std::string s = line(ln);
    size_t b = s.find_first_not_of(" \t");
    if (b == std::string::npos || s[b] == '#') continue;
    if (s[b] == '[') break;  // the next table
    if (find_key(s, key, b) == b) return value_at(ln, s, b);
  }
  return table;
}

SourceLocation ManifestText::word_on_line(const SourceLocation& at_loc, std::string_view needle) const {
  if (at_loc.file != file_ || at_loc.line == 0 || needle.empty()) return at_loc;
  std::string s = line(at_loc.line);
  size_t from = at_loc.column ? at_loc.column - 1 : 0;
  size_t k = s.find(needle, from);
  if (k == std::string::npos) return at_loc;
  return at(at_loc.line, k, needle.size());
}

std::optional<SourceLocation> ManifestText::header(std::string_view name) const {
  std::string bracketed = "[" + std::string(name) + "]";
  for (uint32_t ln = 1; ln <= starts_.size(); ++ln) {
    std::string s = line(ln);
    size_t b = s.find_first_not_of(" \t");
    if (b == std::string::npos) continue;
    if (s.compare(b, bracketed.size(), bracketed) == 0) return at(ln, b, bracketed.size());
  }
  // A dotted key inside a parent table: `grants.reader = { ... }` or `grants.reader.capabilities = [...]`.
  size_t dot = name.rfind('.');
  size_t dot2 = dot == std::string_view::npos ? std::string_view::npos : name.rfind('.', dot - 1);
  std::string_view tail = dot2 == std::string_view::npos ? name : name.substr(dot2 + 1);
  for (uint32_t ln = 1; ln <= starts_.size(); ++ln) {
    std::string s = line(ln);
    size_t b = s.find_first_not_of(" \t");
    if (b == std::string::npos) continue;
    if (s.compare(b, tail.size(), tail) == 0 && b + tail.size() < s.size() &&
        (s[b + tail.size()] == '.' || s[b + tail.size()] == ' ' || s[b + tail.size()] == '='))
      return at(ln, b, tail.size());
  }
  return std::nullopt;
}

}  // namespace torvyn::contracts::detail
