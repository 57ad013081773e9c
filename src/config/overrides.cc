#include "overrides.h"

#include <cctype>
#include <charconv>
#include <variant>

#include "schema.h"
#include "suggest.h"

namespace torvyn::config::detail {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool is_leaf(Kind k) { return k != Kind::Table && k != Kind::TableArray && k != Kind::PortRef; }

std::string example(const KeyDef& key) {
  switch (key.kind) {
    case Kind::Integer: return "4";
    case Kind::Float: return "0.5";
    case Kind::Bool: return "true";
    case Kind::Size: return "64MiB";
    case Kind::Duration: return "5s";
    case Kind::Enum: return key.choices && !key.choices->empty() ? std::string(key.choices->front()) : "";
    case Kind::StringList: return "a,b";
    default: return "text";
  }
}

using Typed = std::variant<std::string, int64_t, double, bool, toml::array>;

// The text of an env/--config value as the TOML value the schema wants; nullopt when it cannot be.
std::optional<Typed> coerce(const KeyDef& key, std::string_view raw) {
  std::string_view text = trim(raw);
  auto as_int = [&]() -> std::optional<int64_t> {
    int64_t v = 0;
    std::string_view t = text;
    if (!t.empty() && t.front() == '+') t.remove_prefix(1);
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || p != t.data() + t.size() || t.empty()) return std::nullopt;
    return v;
  };
  switch (key.kind) {
    case Kind::Integer: {
      if (auto v = as_int()) return Typed(*v);
      return std::nullopt;
    }
    case Kind::Float: {
      double v = 0;
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || p != text.data() + text.size() || text.empty()) return std::nullopt;
      return Typed(v);
    }
    case Kind::Bool: {
      std::string t = lower(text);
      if (t == "true" || t == "1" || t == "yes" || t == "on") return Typed(true);
      if (t == "false" || t == "0" || t == "no" || t == "off") return Typed(false);
      return std::nullopt;
    }
    case Kind::Size:
    case Kind::Duration:
      // A bare number keeps the key's integer meaning (bytes, milliseconds); anything else is left
      // as text for validation to parse and report like a file value.
      if (auto v = as_int()) return Typed(*v);
      return Typed(std::string(text));
    case Kind::StringList: {
      toml::array arr;
      if (!text.empty() && text.front() == '[') {
        try {
          toml::table t = toml::parse("v = " + std::string(text));
          toml::array* parsed = t["v"].as_array();
          if (!parsed) return std::nullopt;
          for (const toml::node& n : *parsed) {
            if (!n.is_string()) return std::nullopt;
            arr.push_back(n.as_string()->get());
          }
        } catch (const toml::parse_error&) {
          return std::nullopt;
        }
        return Typed(std::move(arr));
      }
      size_t start = 0;
      while (start <= text.size()) {
        size_t comma = text.find(',', start);
        if (comma == std::string_view::npos) comma = text.size();
        std::string_view item = trim(text.substr(start, comma - start));
        if (!item.empty()) arr.push_back(std::string(item));
        start = comma + 1;
      }
      return Typed(std::move(arr));
    }
    case Kind::String:
    case Kind::Enum:
    case Kind::Json:
      return Typed(std::string(raw));  // strings are taken verbatim (spaces may matter)
    default:
      return std::nullopt;
  }
}

void mark(const toml::node* n, const Origin& origin, Context& cx) {
  cx.set_origin(n, origin);
  if (const toml::array* a = n->as_array())
    for (const toml::node& v : *a) cx.set_origin(&v, origin);
}

struct Failure {
  ErrorCode code = ErrorCode::ConfigEnvOverride;
  std::string message, expected, found, help;
};

std::string dotted(const std::vector<std::string>& segs, size_t upto) {
  std::string out;
  for (size_t i = 0; i < upto && i < segs.size(); ++i) out = join_key(out, segs[i]);
  return out;
}

// Walks `segs` through the schema and the tree together, creating missing tables, and writes the
// typed value at the end.
std::optional<Failure> set_value(toml::table& root, const std::vector<std::string>& segs, std::string_view text,
                                 const Origin& origin, Context& cx) {
  const SectionDef* sec = &root_section();
  toml::table* tbl = &root;
  const std::string full = dotted(segs, segs.size());
  for (size_t i = 0; i < segs.size(); ++i) {
    const std::string& seg = segs[i];
    const bool last = i + 1 == segs.size();
    if (seg.empty()) return Failure{ErrorCode::ConfigEnvOverride, "`" + full + "` has an empty key segment",
                                    "a dotted key such as runtime.worker_threads", "\"" + full + "\"",
                                    "remove the extra `.`"};
    const KeyDef* key = sec->dynamic ? nullptr : sec->key(seg);
    if (!sec->dynamic && !key) {
      Failure f{ErrorCode::ConfigUnknownKey, "`" + full + "` is not a configuration key",
                "a key of [" + (sec->path.empty() ? std::string("top level") : sec->path) + "]",
                "`" + seg + "`", ""};
      if (auto s = suggest(seg, sec->key_names())) f.help = "did you mean `" + dotted(segs, i) + (i ? "." : "") + *s + "`?";
      else f.help = "see the configuration reference for the keys this section accepts";
      return f;
    }
    if (last) {
      if (!key) return Failure{ErrorCode::ConfigEnvOverride, "`" + full + "` names a section, not a value",
                               "a key inside it", "a section name", "add the key to set, e.g. `" + full + ".<key>`"};
      if (!is_leaf(key->kind))
        return Failure{ErrorCode::ConfigEnvOverride, "`" + full + "` is a section or list and cannot be set from here",
                       "a single value", "`" + full + "`", "set one of its keys, or edit the manifest"};
      auto typed = coerce(*key, text);
      if (!typed)
        return Failure{ErrorCode::ConfigEnvOverride, "cannot use \"" + std::string(text) + "\" for `" + full + "`",
                       describe(*key), "\"" + std::string(text) + "\"", "use e.g. " + example(*key)};
      if (toml::node* old = tbl->get(seg)) cx.forget(old);
      std::visit([&](auto&& v) { tbl->insert_or_assign(seg, std::move(v)); }, std::move(*typed));
      mark(tbl->get(seg), origin, cx);
      return std::nullopt;
    }
    // Descend.
    if (sec->path.empty() && seg == "component") {
      // component.<name>.<key>: the [[component]] entry with that name.
      const std::string& name = segs[i + 1];
      toml::array* arr = tbl->get_as<toml::array>("component");
      toml::table* found = nullptr;
      std::vector<std::string> names;
      for (size_t j = 0; arr && j < arr->size(); ++j) {
        toml::table* c = (*arr)[j].as_table();
        const toml::value<std::string>* n = c ? c->get_as<std::string>("name") : nullptr;
        if (!n) continue;
        names.push_back(n->get());
        if (n->get() == name) found = c;
      }
      if (!found) {
        Failure f{ErrorCode::ConfigUnknownReference, "`" + full + "`: no [[component]] is named `" + name + "`",
                  "the name of a declared component", "`" + name + "`", ""};
        if (auto s = suggest(name, names)) f.help = "did you mean `component." + *s + "`?";
        else f.help = "declare the component in a [[component]] table first";
        return f;
      }
      if (i + 2 >= segs.size())
        return Failure{ErrorCode::ConfigEnvOverride, "`" + full + "` names a component, not a value", "component.<name>.<key>",
                       "`" + full + "`", "add the key to set, e.g. `" + full + ".path`"};
      tbl = found;
      sec = find_section("component[]");
      ++i;
      continue;
    }
    if (key && (key->kind == Kind::TableArray || key->kind == Kind::PortRef || is_leaf(key->kind)))
      return Failure{ErrorCode::ConfigEnvOverride, "`" + full + "` cannot be set by key: `" + dotted(segs, i + 1) +
                         "` is " + (is_leaf(key->kind) ? "a value" : "a list"),
                     "a key that names a single value", "`" + full + "`", "edit the manifest instead"};
    const SectionDef* next = child_section(*sec, key);
    toml::node* child = tbl->get(seg);
    if (!child) {
      tbl->insert(seg, toml::table{});
      child = tbl->get(seg);
      cx.set_origin(child, origin);
    }
    if (!child->is_table())
      return Failure{ErrorCode::ConfigEnvOverride, "cannot set `" + full + "`: `" + dotted(segs, i + 1) + "` is not a table",
                     "a table at `" + dotted(segs, i + 1) + "`", describe_found(*child),
                     "make `" + dotted(segs, i + 1) + "` a table in the manifest"};
    tbl = child->as_table();
    sec = next;
    if (!sec) return Failure{ErrorCode::Internal, "schema has no section for `" + full + "`", "", "", ""};
  }
  return Failure{ErrorCode::ConfigEnvOverride, "empty key", "a dotted key", "\"\"", "use --config KEY=VALUE"};
}

Diagnostic& report_failure(Context& cx, const Failure& f, const std::string& file, const std::string& key) {
  Diagnostic& d = cx.report(f.code, Severity::Error, SourceLocation{file, 0, 0, 1}, key, f.message);
  d.expected = f.expected;
  d.found = f.found;
  d.help = f.help;
  return d;
}

std::vector<std::string> split_dots(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    out.emplace_back(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

}  // namespace

std::vector<std::string> env_variable_names() {
  std::vector<std::string> out;
  for (const SectionDef* s : env_sections()) {
    for (const KeyDef& k : s->keys) {
      if (!is_leaf(k.kind)) continue;
      std::string name = env_prefix(*s);
      for (char c : k.name) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out.push_back(name);
    }
  }
  return out;
}

void apply_env(toml::table& root, const EnvMap& env, Context& cx) {
  const std::vector<const SectionDef*> sections = env_sections();
  const std::vector<std::string> known = env_variable_names();
  for (const auto& [name, value] : env) {
    if (name.rfind("TORVYN_", 0) != 0 || name == kStateDirVar) continue;
    const SectionDef* matched = nullptr;
    const SectionDef* prefix_section = nullptr;
    const KeyDef* key = nullptr;
    for (const SectionDef* s : sections) {  // longest section first
      const std::string prefix = env_prefix(*s);
      if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
      if (!prefix_section) prefix_section = s;
      const KeyDef* k = s->key(lower(name.substr(prefix.size())));
      if (k && is_leaf(k->kind)) {
        matched = s;
        key = k;
        break;
      }
    }
    if (!matched) {
      // TORVYN_* variables outside the config sections belong to other tools (build scripts, tests);
      // only a variable that starts like a config section is taken as a misspelt key.
      if (!prefix_section) continue;
      std::string guess = prefix_section->path + "." + lower(name.substr(env_prefix(*prefix_section).size()));
      Diagnostic& d = cx.report(ErrorCode::ConfigUnknownKey, Severity::Warning, SourceLocation{kEnvironment, 0, 0, 1},
                                guess, "environment variable " + name + " does not name a configuration key; it is ignored");
      d.expected = "a TORVYN_<SECTION>_<KEY> variable for a key of [" + prefix_section->path + "]";
      d.found = name;
      if (auto s = suggest(name, known)) d.help = "did you mean " + *s + "?";
      else d.help = "unset it, or see the configuration reference for the keys of [" + prefix_section->path + "]";
      continue;
    }
    std::vector<std::string> segs = split_dots(matched->path);
    segs.emplace_back(key->name);
    const std::string config_key = matched->path + "." + std::string(key->name);
    Origin origin{kEnvironment, "environment variable " + name + "=" + value};
    if (auto f = set_value(root, segs, value, origin, cx)) {
      f->message = name + ": " + f->message;
      report_failure(cx, *f, kEnvironment, config_key).notes.push_back("set by environment variable " + name);
    }
  }
}

void apply_overrides(toml::table& root, const std::vector<std::pair<std::string, std::string>>& overrides,
                     Context& cx) {
  for (const auto& [key, value] : overrides) {
    Origin origin{kCommandLine, "--config " + key + "=" + value};
    if (trim(key).empty()) {
      Diagnostic& d = cx.report(ErrorCode::ConfigEnvOverride, Severity::Error, SourceLocation{kCommandLine, 0, 0, 1}, "",
                                "--config needs KEY=VALUE, got `=" + value + "`");
      d.expected = "KEY=VALUE with a dotted key, e.g. runtime.worker_threads=4";
      d.found = "\"=" + value + "\"";
      d.help = "write the key before `=`";
      continue;
    }
    std::vector<std::string> segs = split_dots(trim(key));
    if (auto f = set_value(root, segs, value, origin, cx)) {
      f->message = "--config " + key + "=" + value + ": " + f->message;
      report_failure(cx, *f, kCommandLine, std::string(trim(key)));
    }
  }
}

}  // namespace torvyn::config::detail
