#include "interpolate.h"

#include <cctype>

namespace torvyn::config::detail {

namespace {

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

Interpolated interpolate(std::string_view text, const EnvMap& env) {
  Interpolated out;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c != '$') {
      out.value += c;
      ++i;
      continue;
    }
    if (text.substr(i, 3) == "$${") {  // escaped: a literal "${"
      out.value += "${";
      i += 3;
      continue;
    }
    if (i + 1 >= text.size() || text[i + 1] != '{') {  // a lone '$'
      out.value += c;
      ++i;
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      out.errors.push_back({"", "unterminated `${` (missing `}`)", i, text.size() - i});
      out.value.append(text.substr(i));
      break;
    }
    std::string_view body = text.substr(i + 2, close - i - 2);
    size_t len = close + 1 - i;
    std::string_view name = body;
    std::optional<std::string_view> fallback;
    if (size_t sep = body.find(":-"); sep != std::string_view::npos) {
      name = body.substr(0, sep);
      fallback = body.substr(sep + 2);
    }
    bool valid = !name.empty() && is_name_start(name[0]);
    for (char n : name) valid = valid && is_name_char(n);
    if (!valid) {
      out.errors.push_back({std::string(name), "`${" + std::string(body) + "}` is not a valid variable reference", i, len});
    } else {
      auto it = env.find(std::string(name));
      if (it != env.end() && !(fallback && it->second.empty())) {
        out.value += it->second;
      } else if (fallback) {
        out.value += *fallback;
      } else {
        out.errors.push_back({std::string(name), "environment variable `" + std::string(name) + "` is not set", i, len});
      }
    }
    i = close + 1;
  }
  return out;
}

namespace {

void walk(toml::node& n, const std::string& key, const EnvMap& env, Context& cx) {
  if (toml::table* t = n.as_table()) {
    for (auto&& [k, v] : *t) walk(v, join_key(key, k.str()), env, cx);
  } else if (toml::array* a = n.as_array()) {
    for (size_t i = 0; i < a->size(); ++i) walk((*a)[i], key + "[" + std::to_string(i) + "]", env, cx);
  } else if (toml::value<std::string>* s = n.as_string()) {
    if (s->get().find('$') == std::string::npos) return;
    Interpolated r = interpolate(s->get(), env);
    for (const auto& e : r.errors) {
      Diagnostic& d = cx.error(ErrorCode::ConfigInterpolation, &n, key, e.message);
      // Point at the reference itself when the string is written on one line without escapes
      // (then the text between the quotes is the value, byte for byte).
      const toml::source_region& reg = n.source();
      if (reg.begin.line && reg.end.line == reg.begin.line &&
          reg.end.column - reg.begin.column == s->get().size() + 2) {
        d.location.column = static_cast<uint32_t>(reg.begin.column + 1 + e.offset);
        d.location.length = static_cast<uint32_t>(e.length);
      }
      if (!e.variable.empty() && e.message.find("not set") != std::string::npos) {
        d.expected = "environment variable `" + e.variable + "` to be set";
        d.found = "`" + e.variable + "` is not set";
        d.help = "export " + e.variable + "=..., or give a default: ${" + e.variable +
                 ":-value}; write `$${` for a literal `${`";
      } else {
        d.expected = "`${NAME}` or `${NAME:-default}` with NAME made of letters, digits and `_`";
        d.found = describe_found(n);
        d.help = "fix the reference, or write `$${` for a literal `${`";
      }
    }
    s->get() = std::move(r.value);
  }
}

}  // namespace

void interpolate_tree(toml::table& root, const EnvMap& env, Context& cx) { walk(root, "", env, cx); }

}  // namespace torvyn::config::detail
