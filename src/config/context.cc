#include "context.h"

#include <sstream>

#include <nlohmann/json.hpp>
#include "torvyn/base/json_text.h"

namespace torvyn::config::detail {

void Context::forget(const toml::node* n) {
  if (!n) return;
  origins_.erase(n);
  // A replaced table takes its children with it.
  if (const toml::table* t = n->as_table()) {
    for (auto&& [k, v] : *t) forget(&v);
  } else if (const toml::array* a = n->as_array()) {
    for (const toml::node& v : *a) forget(&v);
  }
}

const Origin* Context::origin(const toml::node* n) const {
  auto it = origins_.find(n);
  return it == origins_.end() ? nullptr : &it->second;
}

SourceLocation Context::from_region(const toml::source_region& r) const {
  SourceLocation loc;
  loc.file = r.path && !r.path->empty() ? *r.path : default_file_;
  // Every file diagnostic has a line:column; a value with no region (an implicit table) points at
  // the start of the file rather than nowhere.
  loc.line = r.begin.line ? r.begin.line : 1;
  loc.column = r.begin.column ? r.begin.column : 1;
  if (r.begin.line && r.end.line == r.begin.line && r.end.column > r.begin.column)
    loc.length = r.end.column - r.begin.column;
  return loc;
}

SourceLocation Context::where(const toml::node* n) const {
  if (n) {
    if (const Origin* o = origin(n)) return SourceLocation{o->file, 0, 0, 1};
    return from_region(n->source());
  }
  return SourceLocation{default_file_, 1, 1, 1};
}

SourceLocation Context::where(const toml::key& k) const { return from_region(k.source()); }

Diagnostic& Context::report(ErrorCode code, Severity severity, const toml::node* at, std::string key,
                            std::string message) {
  Diagnostic& d = report(code, severity, where(at), std::move(key), std::move(message));
  if (const Origin* o = at ? origin(at) : nullptr) {
    d.message += " (set by " + o->detail + ")";
    d.notes.push_back("this value comes from " + o->detail);
  }
  return d;
}

Diagnostic& Context::report(ErrorCode code, Severity severity, SourceLocation where, std::string key,
                            std::string message) {
  Diagnostic d;
  d.code = code;
  d.severity = severity;
  d.location = std::move(where);
  d.key = std::move(key);
  d.message = std::move(message);
  out_.push_back(std::move(d));
  return out_.back();
}

namespace {

std::string quote(std::string_view s) {
  constexpr size_t kMax = 60;
  std::string body(s.substr(0, kMax));
  std::string out = json_text(nlohmann::json(body));
  if (s.size() > kMax) out.insert(out.size() - 1, "...");
  return out;
}

nlohmann::json to_json(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: {
      nlohmann::json j = nlohmann::json::object();
      for (auto&& [k, v] : *n.as_table()) j[std::string(k.str())] = to_json(v);
      return j;
    }
    case toml::node_type::array: {
      nlohmann::json j = nlohmann::json::array();
      for (const toml::node& v : *n.as_array()) j.push_back(to_json(v));
      return j;
    }
    case toml::node_type::string: return n.as_string()->get();
    case toml::node_type::integer: return n.as_integer()->get();
    case toml::node_type::floating_point: return n.as_floating_point()->get();
    case toml::node_type::boolean: return n.as_boolean()->get();
    default: {
      std::ostringstream os;  // date, time, date-time: their TOML (RFC 3339) text
      n.visit([&](auto&& v) { os << v; });
      return os.str();
    }
  }
}

}  // namespace

std::string describe_found(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return quote(n.as_string()->get()) + " (string)";
    case toml::node_type::integer: return std::to_string(n.as_integer()->get()) + " (integer)";
    case toml::node_type::floating_point: {
      std::ostringstream os;
      os << n.as_floating_point()->get();
      return os.str() + " (float)";
    }
    case toml::node_type::boolean: return std::string(n.as_boolean()->get() ? "true" : "false") + " (boolean)";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

std::string to_json_text(const toml::node& n) { return json_text(to_json(n)); }

std::string join_key(const std::string& prefix, std::string_view key) {
  // Keys that are not bare TOML keys are quoted so the path stays unambiguous.
  bool bare = !key.empty();
  for (char c : key)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) bare = false;
  std::string k = bare ? std::string(key) : quote(key);
  return prefix.empty() ? k : prefix + "." + k;
}

}  // namespace torvyn::config::detail
