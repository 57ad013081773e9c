#include "torvyn/wit/version.h"

#include <vector>

namespace torvyn::wit {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}
bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return out;
}

// "" when `n` is a valid numeric identifier that fits in 64 bits.
std::string numeric_problem(std::string_view n, std::string_view what) {
  if (n.empty()) return std::string(what) + " is empty";
  if (!all_digits(n)) return std::string(what) + " `" + std::string(n) + "` is not a number";
  if (n.size() > 1 && n[0] == '0') return std::string(what) + " `" + std::string(n) + "` has a leading zero";
  if (n.size() > 19) return std::string(what) + " `" + std::string(n) + "` is too large";
  return "";
}

uint64_t to_u64(std::string_view n) {
  uint64_t v = 0;
  for (char c : n) v = v * 10 + static_cast<uint64_t>(c - '0');
  return v;
}

// Semver pre-release precedence (semver.org item 11).
std::strong_ordering compare_pre(std::string_view a, std::string_view b) {
  if (a == b) return std::strong_ordering::equal;
  if (a.empty()) return std::strong_ordering::greater;  // a release sorts after its pre-releases
  if (b.empty()) return std::strong_ordering::less;
  auto pa = split(a, '.');
  auto pb = split(b, '.');
  for (size_t i = 0; i < pa.size() && i < pb.size(); ++i) {
    bool na = all_digits(pa[i]), nb = all_digits(pb[i]);
    if (na && nb) {
      if (pa[i].size() != pb[i].size()) return pa[i].size() <=> pb[i].size();
      if (auto c = pa[i].compare(pb[i]); c != 0) return c <=> 0;
    } else if (na != nb) {
      return na ? std::strong_ordering::less : std::strong_ordering::greater;
    } else if (auto c = pa[i].compare(pb[i]); c != 0) {
      return c <=> 0;
    }
  }
  return pa.size() <=> pb.size();
}

}  // namespace

std::string Version::why_invalid(std::string_view text) {
  if (text.empty()) return "the version is empty";
  std::string_view core = text, pre, build;
  if (size_t plus = core.find('+'); plus != std::string_view::npos) {
    build = core.substr(plus + 1);
    core = core.substr(0, plus);
    if (build.empty()) return "the build metadata after `+` is empty";
    for (auto id : split(build, '.')) {
      if (id.empty()) return "the build metadata has an empty identifier";
      for (char c : id)
        if (!is_ident_char(c)) return "the build metadata may only hold [0-9A-Za-z-]";
    }
  }
  if (size_t dash = core.find('-'); dash != std::string_view::npos) {
    pre = core.substr(dash + 1);
    core = core.substr(0, dash);
    if (pre.empty()) return "the pre-release after `-` is empty";
    for (auto id : split(pre, '.')) {
      if (id.empty()) return "the pre-release has an empty identifier";
      for (char c : id)
        if (!is_ident_char(c)) return "the pre-release may only hold [0-9A-Za-z-]";
      if (all_digits(id) && id.size() > 1 && id[0] == '0')
        return "the pre-release identifier `" + std::string(id) + "` has a leading zero";
    }
  }
  auto parts = split(core, '.');
  if (parts.size() != 3) return "a version needs three numbers, major.minor.patch";
  static const char* names[] = {"the major version", "the minor version", "the patch version"};
  for (size_t i = 0; i < 3; ++i)
    if (auto p = numeric_problem(parts[i], names[i]); !p.empty()) return p;
  return "";
}

std::optional<Version> Version::parse(std::string_view text) {
  if (!why_invalid(text).empty()) return std::nullopt;
  Version v;
  std::string_view core = text;
  if (size_t plus = core.find('+'); plus != std::string_view::npos) {
    v.build = std::string(core.substr(plus + 1));
    core = core.substr(0, plus);
  }
  if (size_t dash = core.find('-'); dash != std::string_view::npos) {
    v.pre = std::string(core.substr(dash + 1));
    core = core.substr(0, dash);
  }
  auto parts = split(core, '.');
  v.major = to_u64(parts[0]);
  v.minor = to_u64(parts[1]);
  v.patch = to_u64(parts[2]);
  return v;
}

std::string Version::to_string() const {
  std::string s = std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
  if (!pre.empty()) s += "-" + pre;
  if (!build.empty()) s += "+" + build;
  return s;
}

std::strong_ordering Version::operator<=>(const Version& o) const {
  if (auto c = major <=> o.major; c != 0) return c;
  if (auto c = minor <=> o.minor; c != 0) return c;
  if (auto c = patch <=> o.patch; c != 0) return c;
  return compare_pre(pre, o.pre);
}

bool semver_compatible(const Version& required, const Version& provided) {
  if (!required.pre.empty() || !provided.pre.empty()) return required == provided;
  if (required.major != provided.major) return false;
  if (required.major == 0) {
    if (required.minor != provided.minor) return false;
    if (required.minor == 0) return required.patch == provided.patch;
  }
  return !(provided < required);
}

}  // namespace torvyn::wit
