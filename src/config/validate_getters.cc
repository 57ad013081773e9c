// The manifest validator (validator.h): typed getters. Each reads one key of a section, checks its
// type and range, reports what is wrong with its location, and returns nullopt then (the default
// stands).
#include "validator.h"

namespace torvyn::config::detail {

template <typename T>
const toml::value<T>* Validator::scalar(const Section& s, std::string_view name) {
  const toml::node* n = s.get(name);
  if (!n) return nullptr;
  if (const toml::value<T>* v = n->as<T>()) return v;
  wrong_type(s, name, *n);
  return nullptr;
}

std::optional<std::string> Validator::get_string(const Section& s, std::string_view name) {
  if (const auto* v = scalar<std::string>(s, name)) return v->get();
  return std::nullopt;
}

std::optional<int64_t> Validator::get_int(const Section& s, std::string_view name, int64_t min, int64_t max,
                                          std::string_view why) {
  const toml::value<int64_t>* n = scalar<int64_t>(s, name);
  if (!n) return std::nullopt;
  int64_t v = n->get();
  if (v < min || v > max) {
    const std::string key = join_key(s.key, name);
    std::string bounds = max == kI64Max ? "of at least " + std::to_string(min)
                                        : "from " + std::to_string(min) + " to " + std::to_string(max);
    error(ErrorCode::ConfigInvalidValue, n, key, "`" + key + "` is out of range", "an integer " + bounds,
          describe_found(*n), why.empty() ? "use a value " + bounds : std::string(why));
    return std::nullopt;
  }
  return v;
}

std::optional<double> Validator::get_float(const Section& s, std::string_view name, const FloatRange& r) {
  const toml::node* n = s.get(name);
  if (!n) return std::nullopt;
  double v;
  if (n->is_floating_point()) v = n->as_floating_point()->get();
  else if (n->is_integer()) v = static_cast<double>(n->as_integer()->get());
  else {
    wrong_type(s, name, *n);
    return std::nullopt;
  }
  bool ok = (r.lo_open ? v > r.lo : v >= r.lo) && (r.hi_open ? v < r.hi : v <= r.hi) && v == v;
  if (!ok) {
    const std::string key = join_key(s.key, name);
    error(ErrorCode::ConfigInvalidValue, n, key, "`" + key + "` is out of range", r.text, describe_found(*n),
          "use " + r.text);
    return std::nullopt;
  }
  return v;
}

std::optional<bool> Validator::get_bool(const Section& s, std::string_view name) {
  if (const auto* v = scalar<bool>(s, name)) return v->get();
  return std::nullopt;
}

std::optional<Validator::Quantity> Validator::quantity(const Section& s, std::string_view name,
                                                     std::optional<uint64_t> (*parse)(std::string_view), std::string_view noun,
                                                     std::string_view how) {
  const toml::node* n = s.get(name);
  if (!n) return std::nullopt;
  Quantity q{n, std::nullopt};
  if (n->is_integer()) {
    if (n->as_integer()->get() >= 0) q.value = static_cast<uint64_t>(n->as_integer()->get());
  } else if (n->is_string()) {
    q.value = parse(n->as_string()->get());
    if (!q.value) {
      const std::string key = join_key(s.key, name);
      error(ErrorCode::ConfigInvalidValue, n, key, "`" + key + "` is not a " + std::string(noun), describe(def_of(s, name)),
            describe_found(*n), std::string(how));
      return std::nullopt;
    }
  } else {
    wrong_type(s, name, *n);
    return std::nullopt;
  }
  return q;
}

std::optional<uint64_t> Validator::get_size(const Section& s, std::string_view name, uint64_t min, uint64_t max,
                                            bool zero_ok) {
  auto q = quantity(s, name, parse_size, "size",
                    "write a number with a unit: B, KiB, MiB, GiB (binary) or KB, MB, GB (decimal), e.g. \"64MiB\"");
  if (!q) return std::nullopt;
  const std::optional<uint64_t>& v = q->value;
  if (!v || ((*v < min || *v > max) && !(zero_ok && *v == 0))) {
    const std::string key = join_key(s.key, name);
    std::string range = "a size from " + size_text(min) + " to " + size_text(max) + (zero_ok ? ", or 0" : "");
    error(ErrorCode::ConfigInvalidValue, q->node, key, "`" + key + "` is out of range", range, describe_found(*q->node),
          "use " + range);
    return std::nullopt;
  }
  return v;
}

std::optional<uint64_t> Validator::get_duration(const Section& s, std::string_view name, uint64_t min_ms) {
  auto q = quantity(s, name, parse_duration_ms, "duration", "write a number with a unit: ms, s, m or h, e.g. \"250ms\" or \"5s\"");
  if (!q) return std::nullopt;
  const std::optional<uint64_t>& v = q->value;
  if (!v || *v < min_ms) {
    const std::string key = join_key(s.key, name);
    std::string range = "a duration of at least " + std::to_string(min_ms) + "ms";
    error(ErrorCode::ConfigInvalidValue, q->node, key, "`" + key + "` is out of range", range, describe_found(*q->node),
          "use " + range);
    return std::nullopt;
  }
  return v;
}

std::optional<std::string> Validator::get_choice(const Section& s, std::string_view name) {
  auto v = get_string(s, name);
  if (!v) return std::nullopt;
  const KeyDef& k = def_of(s, name);
  if (k.choices && std::find(k.choices->begin(), k.choices->end(), *v) != k.choices->end()) return v;
  const std::string key = join_key(s.key, name);
  const toml::node* n = s.get(name);
  std::string help;
  if (auto sug = k.choices ? suggest(*v, *k.choices) : std::nullopt) help = "did you mean \"" + *sug + "\"?";
  else help = "use " + describe(k);
  error(ErrorCode::ConfigInvalidValue, n, key, "`" + key + "` has an unknown value", describe(k), describe_found(*n),
        help);
  return std::nullopt;
}

const toml::array* Validator::table_array(const Section& s, std::string_view name, std::string_view def_path, std::string expected,
                                         std::string help, const std::function<void(const Section&)>& each) {
  const toml::node* n = s.get(name);
  if (!n) return nullptr;
  const toml::array* arr = n->as_array();
  if (!arr) {
    wrong_type(s, name, *n);
    return nullptr;
  }
  const SectionDef* def = find_section(def_path);
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::node& e = (*arr)[i];
    const std::string key = join_key(s.key, name) + "[" + std::to_string(i) + "]";
    if (!e.is_table()) {
      error(ErrorCode::ConfigWrongType, &e, key, "`" + key + "` must be a table", expected, describe_found(e), help);
      continue;
    }
    each(Section{e.as_table(), key, def});
  }
  return arr;
}

std::optional<std::vector<std::string>> Validator::get_string_list(const Section& s, std::string_view name) {
  const toml::node* n = s.get(name);
  if (!n) return std::nullopt;
  const toml::array* a = n->as_array();
  if (!a) {
    wrong_type(s, name, *n);
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (size_t i = 0; i < a->size(); ++i) {
    const toml::node& e = (*a)[i];
    const std::string key = join_key(s.key, name) + "[" + std::to_string(i) + "]";
    if (!e.is_string()) {
      error(ErrorCode::ConfigWrongType, &e, key, "`" + key + "` must be a string", "a string", describe_found(e),
            "quote it: \"...\"");
      ok = false;
    } else if (e.as_string()->get().empty()) {
      error(ErrorCode::ConfigInvalidValue, &e, key, "`" + key + "` is empty", "a non-empty string", "\"\" (string)",
            "remove the empty entry");
      ok = false;
    } else {
      out.push_back(e.as_string()->get());
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::string> Validator::get_json(const Section& s, std::string_view name) {
  const toml::node* n = s.get(name);
  if (!n) return std::nullopt;
  if (n->is_string()) {
    // Config text is the component's business, but text that starts like JSON and is not JSON is
    // almost certainly a mistake worth pointing out before the component's init() rejects it.
    const std::string& text = n->as_string()->get();
    size_t first = text.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && (text[first] == '{' || text[first] == '[') && !nlohmann::json::accept(text)) {
      const std::string key = join_key(s.key, name);
      error(ErrorCode::ConfigInvalidValue, n, key, "`" + key + "` looks like JSON but does not parse",
            "valid JSON, or a TOML table", describe_found(*n),
            "fix the JSON (keys need double quotes), or write the config as a TOML table: " + std::string(name) +
                " = { key = \"value\" }",
            Severity::Warning);
    }
    return text;
  }
  if (n->is_table()) return to_json_text(*n);
  wrong_type(s, name, *n);
  return std::nullopt;
}

std::string Validator::resolve_path(const toml::node* n, const std::string& text) {
  if (text.empty()) return text;
  std::filesystem::path p(text);
  if (p.is_absolute()) return p.lexically_normal().string();
  std::filesystem::path base;
  const toml::source_region& r = n ? n->source() : toml::source_region{};
  if (n && cx_.origin(n)) {
    std::error_code ec;
    base = std::filesystem::current_path(ec);
  } else if (r.path && !bases_.user_config_file.empty() && *r.path == bases_.user_config_file) {
    base = bases_.user_dir;
  } else {
    base = bases_.project_dir;
  }
  return (base / p).lexically_normal().string();
}

std::optional<std::string> Validator::get_path(const Section& s, std::string_view name) {
  auto v = get_string(s, name);
  if (!v) return std::nullopt;
  return resolve_path(s.get(name), *v);
}

}  // namespace torvyn::config::detail
