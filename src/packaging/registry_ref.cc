#include "torvyn/packaging/registry_ref.h"

#include <algorithm>
#include <cctype>

#include "torvyn/packaging/oci.h"

namespace torvyn::packaging {

namespace {

constexpr const char* kShape = "expected [oci://]host[:port]/repository[:tag] or [oci://]host[:port]/repository@sha256:<digest>";

Error bad(std::string_view text, const std::string& what) {
  return Error(ErrorCode::RegistryRefInvalid, "`" + std::string(text) + "`: " + what + " (" + kShape + ")");
}

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// One repository path component: [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)* (distribution/reference).
bool valid_path_component(std::string_view s) {
  if (s.empty() || !lower_alnum(s.front()) || !lower_alnum(s.back())) return false;
  for (size_t i = 0; i < s.size();) {
    if (lower_alnum(s[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && !lower_alnum(s[j])) ++j;
    std::string_view sep = s.substr(i, j - i);
    const bool dashes = std::all_of(sep.begin(), sep.end(), [](char c) { return c == '-'; });
    if (!(sep == "." || sep == "_" || sep == "__" || dashes)) return false;
    i = j;
  }
  return true;
}

// A host: DNS labels ([A-Za-z0-9-], not starting or ending with '-') joined by '.', or a
// bracketed IPv6 address; then an optional :port (1-65535).
bool valid_host(std::string_view h) {
  std::string_view name = h, port;
  if (!h.empty() && h.front() == '[') {
    size_t close = h.find(']');
    if (close == std::string_view::npos || close < 3) return false;
    std::string_view inner = h.substr(1, close - 1);
    if (!std::all_of(inner.begin(), inner.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.'; }))
      return false;
    std::string_view rest = h.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port = rest.substr(1);
      if (port.empty()) return false;
    }
    name = {};
  } else if (size_t colon = h.find(':'); colon != std::string_view::npos) {
    name = h.substr(0, colon);
    port = h.substr(colon + 1);
    if (port.empty()) return false;
  }
  if (!port.empty()) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
    int p = std::stoi(std::string(port));
    if (p < 1 || p > 65535) return false;
  }
  if (h.front() == '[') return true;
  if (name.empty() || name.size() > 253) return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    std::string_view label = name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    if (!std::all_of(label.begin(), label.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; })) return false;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

}  // namespace

bool valid_registry_tag(std::string_view t) {
  if (t.empty() || t.size() > 128) return false;
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (!word(t.front())) return false;
  return std::all_of(t.begin(), t.end(), [&](char c) { return word(c) || c == '.' || c == '-'; });
}

std::string RegistryRef::str() const {
  std::string s = host + "/" + repository;
  if (!tag.empty()) s += ":" + tag;
  if (!digest.empty()) s += "@" + digest;
  return s;
}

std::string RegistryRef::hostname() const {
  if (!host.empty() && host.front() == '[') return host.substr(1, host.find(']') - 1);
  return host.substr(0, host.find(':'));
}

bool RegistryRef::is_loopback() const {
  const std::string h = hostname();
  return h == "127.0.0.1" || h == "localhost" || h == "::1";
}

std::string RegistryRef::base_url(bool plain_http) const { return std::string(plain_http ? "http://" : "https://") + host + "/v2/" + repository; }

Result<RegistryRef> parse_registry_ref(std::string_view text) {
  std::string_view s = text;
  if (s.rfind("oci://", 0) == 0) s.remove_prefix(6);
  RegistryRef r;
  size_t slash = s.find('/');
  if (slash == std::string_view::npos) return bad(text, "no repository after the registry host");
  r.host = std::string(s.substr(0, slash));
  const bool hostlike = r.host.find('.') != std::string::npos || r.host.find(':') != std::string::npos ||
                        r.host == "localhost" || (!r.host.empty() && r.host.front() == '[');
  if (!hostlike)
    return bad(text, "`" + r.host + "` is not a registry host (Torvyn does not assume docker.io: write the host, e.g. docker.io/" + std::string(s) + ")");
  if (!valid_host(r.host)) return bad(text, "`" + r.host + "` is not a valid host[:port]");
  std::string_view rest = s.substr(slash + 1);
  if (size_t at = rest.find('@'); at != std::string_view::npos) {
    r.digest = std::string(rest.substr(at + 1));
    if (!is_sha256_digest(r.digest)) return bad(text, "the digest `" + r.digest + "` is not sha256:<64 lowercase hex digits>");
    rest = rest.substr(0, at);
  }
  if (size_t colon = rest.rfind(':'); colon != std::string_view::npos && rest.find('/', colon) == std::string_view::npos) {
    r.tag = std::string(rest.substr(colon + 1));
    if (!valid_registry_tag(r.tag)) return bad(text, "the tag `" + r.tag + "` is not valid ([A-Za-z0-9_][A-Za-z0-9_.-]*, at most 128 characters)");
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return bad(text, "no repository after the registry host");
  if (rest.size() > 255) return bad(text, "the repository name is longer than 255 characters");
  size_t start = 0;
  for (;;) {
    size_t next = rest.find('/', start);
    std::string_view comp = rest.substr(start, next == std::string_view::npos ? std::string_view::npos : next - start);
    if (!valid_path_component(comp))
      return bad(text, "the repository component `" + std::string(comp) + "` is not valid (lowercase letters and digits, separated by . _ __ or -)");
    if (next == std::string_view::npos) break;
    start = next + 1;
  }
  r.repository = std::string(rest);
  return r;
}

}  // namespace torvyn::packaging
