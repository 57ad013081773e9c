#include "torvyn/packaging/auth_challenge.h"

#include "registry_url.h"

namespace torvyn::packaging {

using detail::ascii_lower;

std::string AuthChallenge::param(const std::string& name) const {
  for (const auto& [k, v] : params)
    if (k == name) return v;
  return "";
}

std::optional<AuthChallenge> parse_auth_challenge(std::string_view h) {
  AuthChallenge c;
  size_t i = 0;
  while (i < h.size() && h[i] == ' ') ++i;
  size_t start = i;
  while (i < h.size() && h[i] != ' ') ++i;
  c.scheme = ascii_lower(std::string(h.substr(start, i - start)));
  if (c.scheme.empty()) return std::nullopt;
  // auth-param = token "=" ( token / quoted-string ), separated by commas (RFC 7235).
  while (i < h.size()) {
    while (i < h.size() && (h[i] == ' ' || h[i] == ',')) ++i;
    if (i >= h.size()) break;
    size_t k0 = i;
    while (i < h.size() && h[i] != '=' && h[i] != ',' && h[i] != ' ') ++i;
    std::string key = ascii_lower(std::string(h.substr(k0, i - k0)));
    if (i >= h.size() || h[i] != '=') return std::nullopt;
    ++i;
    std::string value;
    if (i < h.size() && h[i] == '"') {
      ++i;
      bool closed = false;
      while (i < h.size()) {
        char ch = h[i++];
        if (ch == '\\' && i < h.size()) {
          value += h[i++];
        } else if (ch == '"') {
          closed = true;
          break;
        } else {
          value += ch;
        }
      }
      if (!closed) return std::nullopt;
    } else {
      size_t v0 = i;
      while (i < h.size() && h[i] != ',' && h[i] != ' ') ++i;
      value = std::string(h.substr(v0, i - v0));
    }
    c.params.emplace_back(std::move(key), std::move(value));
  }
  return c;
}

}  // namespace torvyn::packaging
