// Loading, in precedence order from the bottom up: the user config is merged *under* the project
// file (the project wins), then TORVYN_* variables and --config overrides are written over both;
// only then is the one merged tree validated into a Config.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <tuple>

#include "context.h"
#include "interpolate.h"
#include "overrides.h"
#include "torvyn/config/config.h"
#include "validate.h"

extern char** environ;

namespace torvyn::config {

namespace fs = std::filesystem;
using detail::Context;
using detail::EnvMap;

namespace {

// The sections a user config may set; the others describe one project, not a user's defaults.
constexpr std::string_view kProjectOnly[] = {"torvyn", "component", "flow"};

EnvMap process_env() {
  EnvMap env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

std::string get(const EnvMap& env, const char* name) {
  auto it = env.find(name);
  return it == env.end() ? "" : it->second;
}

std::optional<std::string> read_file(const fs::path& p, std::string* error) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    *error = std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    *error = "read error";
    return std::nullopt;
  }
  return ss.str();
}

std::string line_of(std::string_view text, uint32_t line) {
  size_t start = 0;
  for (uint32_t i = 1; i < line; ++i) {
    start = text.find('\n', start);
    if (start == std::string_view::npos) return "";
    ++start;
  }
  size_t end = text.find('\n', start);
  std::string out(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
  if (!out.empty() && out.back() == '\r') out.pop_back();
  return out;
}

std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// The key a syntax error is in, as well as can be told from the text: the last [header] before the
// error line plus the key on the error line.
std::string key_near(std::string_view text, uint32_t line) {
  std::string section;
  for (uint32_t i = 1; i <= line; ++i) {
    std::string l = trim(line_of(text, i));
    if (l.rfind("[", 0) == 0) {
      size_t close = l.find(']');
      std::string h = l.substr(0, close == std::string::npos ? l.size() : close);
      while (!h.empty() && h.front() == '[') h.erase(0, 1);
      section = trim(h);
      if (i == line) return section;
    }
  }
  std::string l = line_of(text, line);
  size_t eq = l.find('=');
  std::string key = eq == std::string::npos ? "" : trim(l.substr(0, eq));
  if (key.empty()) return section;
  return section.empty() ? key : section + "." + key;
}

void report_syntax(const toml::parse_error& e, std::string_view text, const std::string& file, Context& cx) {
  SourceLocation loc{file, e.source().begin.line ? e.source().begin.line : 1,
                     e.source().begin.column ? e.source().begin.column : 1, 1};
  std::string desc(e.description());
  Diagnostic& d = cx.report(ErrorCode::ConfigSyntax, Severity::Error, loc, key_near(text, loc.line),
                            "invalid TOML: " + desc);
  d.expected = "valid TOML (https://toml.io/en/v1.0.0)";
  std::string rest = line_of(text, loc.line);
  rest = loc.column - 1 < rest.size() ? trim(rest.substr(loc.column - 1)) : "";
  if (rest.size() > 40) rest = rest.substr(0, 40) + "...";
  d.found = rest.empty() ? "end of line" : "`" + rest + "`";
  d.help = "fix the TOML syntax at " + file + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.column) +
           " (strings need quotes, arrays and inline tables must be closed, a key may be set only once)";
}

std::optional<toml::table> parse_toml(std::string_view text, const std::string& file, Context& cx) {
  try {
    return toml::parse(text, std::string_view(file));
  } catch (const toml::parse_error& e) {
    report_syntax(e, text, file, cx);
    return std::nullopt;
  }
}

// dst wins; src's values fill what dst lacks (moved, so they keep their source regions).
void merge_under(toml::table& dst, toml::table& src) {
  for (auto&& [k, v] : src) {
    toml::node* have = dst.get(k.str());
    if (!have) {
      dst.insert(k, std::move(v));
    } else if (have->is_table() && v.is_table()) {
      merge_under(*have->as_table(), *v.as_table());
    }
  }
}

std::string default_state_dir(const EnvMap& env) {
  if (std::string s = get(env, detail::kStateDirVar); !s.empty()) return s;
  if (std::string s = get(env, "XDG_RUNTIME_DIR"); !s.empty()) return (fs::path(s) / "torvyn").string();
  return "/tmp/torvyn-" + std::to_string(::getuid());
}

fs::path default_user_config(const EnvMap& env) {
  if (std::string s = get(env, "XDG_CONFIG_HOME"); !s.empty()) return fs::path(s) / "torvyn" / "config.toml";
  if (std::string s = get(env, "HOME"); !s.empty()) return fs::path(s) / ".config" / "torvyn" / "config.toml";
  return {};
}

// Reading order: the manifest top to bottom, then the user config, then environment and command
// line (stable, so diagnostics about one place keep the order they were found in).
void sort_diagnostics(std::vector<Diagnostic>& ds, const std::string& manifest) {
  auto rank = [&](const SourceLocation& l) {
    if (l.file == manifest) return 0;
    if (l.file == detail::kEnvironment) return 2;
    if (l.file == detail::kCommandLine) return 3;
    return 1;
  };
  std::stable_sort(ds.begin(), ds.end(), [&](const Diagnostic& a, const Diagnostic& b) {
    const SourceLocation &x = a.location, &y = b.location;
    return std::tuple(rank(x), x.file, x.line, x.column) < std::tuple(rank(y), y.file, y.line, y.column);
  });
}

LoadResult run(std::string_view text, const std::string& file_name, const fs::path& manifest, const LoadOptions& opts) {
  LoadResult result;
  result.source = std::string(text);
  result.sources[file_name] = result.source;
  Context cx(file_name, result.diagnostics);
  const EnvMap env = opts.env.empty() && opts.use_process_env ? process_env() : opts.env;

  std::optional<toml::table> root = parse_toml(text, file_name, cx);

  // The user config, if any.
  fs::path user_path = opts.user_config;
  const bool explicit_user = !user_path.empty();
  if (!explicit_user) {
    fs::path def = default_user_config(env);
    std::error_code ec;
    if (!def.empty() && fs::is_regular_file(def, ec)) user_path = def;
  }
  std::optional<toml::table> user;
  detail::PathBases bases;
  std::error_code ec;
  fs::path abs_manifest = fs::absolute(manifest, ec);
  bases.project_dir = abs_manifest.parent_path();
  if (!user_path.empty()) {
    std::string err;
    const std::string user_name = user_path.string();
    if (auto utext = read_file(user_path, &err)) {
      result.sources[user_name] = *utext;
      user = parse_toml(*utext, user_name, cx);
      bases.user_config_file = user_name;
      bases.user_dir = fs::absolute(user_path, ec).parent_path();
    } else {
      Diagnostic& d = cx.report(ErrorCode::IoError, Severity::Error, SourceLocation{user_name, 0, 0, 1}, "",
                                "cannot read user config " + user_name + ": " + err);
      d.expected = "a readable TOML file";
      d.found = err;
      d.help = explicit_user ? "check the path given for the user config" : "fix the file's permissions or remove it";
    }
  }
  if (!root) return result;  // nothing to validate after a syntax error in the manifest

  detail::interpolate_tree(*root, env, cx);
  if (user) {
    detail::interpolate_tree(*user, env, cx);
    for (std::string_view section : kProjectOnly) {
      if (const toml::node* n = user->get(section)) {
        Diagnostic& d = cx.report(ErrorCode::ConfigUnknownKey, Severity::Warning, cx.where(n), std::string(section),
                                  "[" + std::string(section) + "] in the user config is ignored");
        d.expected = "only [runtime], [observability], [security] and [inspection] in a user config";
        d.found = "[" + std::string(section) + "]";
        d.help = "move it to the project's Torvyn.toml";
        user->erase(section);
      }
    }
    merge_under(*root, *user);
  }
  detail::apply_env(*root, env, cx);
  detail::apply_overrides(*root, opts.overrides, cx);

  Config cfg;
  cfg.manifest_path = abs_manifest;
  cfg.project_dir = bases.project_dir;
  cfg.state_dir = default_state_dir(env);
  detail::build_config(*root, bases, cx, cfg);
  if (!has_errors(result.diagnostics)) result.config = std::move(cfg);
  sort_diagnostics(result.diagnostics, file_name);
  return result;
}

}  // namespace

LoadResult load(const fs::path& manifest, const LoadOptions& opts) {
  std::string err;
  auto text = read_file(manifest, &err);
  if (!text) {
    LoadResult r;
    Diagnostic d;
    d.code = ErrorCode::IoError;
    d.message = "cannot read " + manifest.string() + ": " + err;
    d.location.file = manifest.string();
    d.expected = "a readable Torvyn.toml";
    d.found = err;
    d.help = "run in the project's directory, check the path, or create a project with `torvyn init`";
    r.diagnostics.push_back(std::move(d));
    return r;
  }
  return run(*text, manifest.string(), manifest, opts);
}

LoadResult parse(std::string_view text, const std::string& file_name, const LoadOptions& opts) {
  return run(text, file_name, fs::path(file_name), opts);
}

const std::string& LoadResult::source_for(const Diagnostic& d) const {
  static const std::string empty;
  auto it = sources.find(d.location.file);
  return it == sources.end() ? empty : it->second;
}

const ComponentDecl* Config::find_component(std::string_view name) const {
  for (const auto& c : components)
    if (c.name == name) return &c;
  return nullptr;
}

const FlowDecl* Config::find_flow(std::string_view name) const {
  for (const auto& f : flows)
    if (f.name == name) return &f;
  return nullptr;
}

const RegistryDecl* Config::find_registry(std::string_view host) const {
  for (const auto& r : registries)
    if (r.host == host) return &r;
  return nullptr;
}

const NodeDecl* FlowDecl::find_node(std::string_view id) const {
  for (const auto& n : nodes)
    if (n.id == id) return &n;
  return nullptr;
}

}  // namespace torvyn::config
