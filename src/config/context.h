// What every loading stage shares: the diagnostics being collected and where each value came from.
// Values parsed from a file carry their source region (toml++ records file, line and column);
// values written by TORVYN_* variables or --config have none, so their origin is kept here by node
// and diagnostics about them point at "environment" / "command line" and name the variable.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include <toml++/toml.h>

#include "torvyn/base/diagnostic.h"

namespace torvyn::config::detail {

inline constexpr const char* kEnvironment = "environment";
inline constexpr const char* kCommandLine = "command line";

struct Origin {
  std::string file;    // kEnvironment or kCommandLine
  std::string detail;  // "TORVYN_RUNTIME_ENGINE=interp" or "--config runtime.engine=interp"
};

class Context {
 public:
  Context(std::string default_file, std::vector<Diagnostic>& out) : default_file_(std::move(default_file)), out_(out) {}

  void set_origin(const toml::node* n, Origin o) { origins_[n] = std::move(o); }
  void forget(const toml::node* n);  // before a node is replaced (its address may be reused)
  const Origin* origin(const toml::node* n) const;

  SourceLocation where(const toml::node* n) const;
  SourceLocation where(const toml::key& k) const;
  const std::string& default_file() const { return default_file_; }

  // Appends a diagnostic located at `at` (its file position, or its env/--config origin, noted).
  // The reference is valid until the next report.
  Diagnostic& report(ErrorCode code, Severity severity, const toml::node* at, std::string key, std::string message);
  Diagnostic& report(ErrorCode code, Severity severity, SourceLocation where, std::string key, std::string message);
  Diagnostic& error(ErrorCode code, const toml::node* at, std::string key, std::string message) {
    return report(code, Severity::Error, at, std::move(key), std::move(message));
  }
  Diagnostic& warning(ErrorCode code, const toml::node* at, std::string key, std::string message) {
    return report(code, Severity::Warning, at, std::move(key), std::move(message));
  }

 private:
  SourceLocation from_region(const toml::source_region& r) const;

  std::string default_file_;
  std::vector<Diagnostic>& out_;
  std::unordered_map<const toml::node*, Origin> origins_;
};

// `"four" (string)`, `0 (integer)`, `[...] (array)`, `a table`: a value as "found" shows it.
std::string describe_found(const toml::node& n);
// A TOML value as JSON text (tables become objects; dates and times become strings).
std::string to_json_text(const toml::node& n);
// "flow.main" + "nodes" -> "flow.main.nodes"; "" + "runtime" -> "runtime".
std::string join_key(const std::string& prefix, std::string_view key);

}  // namespace torvyn::config::detail
