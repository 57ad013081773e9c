// Diagnostics for user-facing input (Torvyn.toml, WIT, flows): where the problem is, what was
// expected and found, and how to fix it. Rendered rustc-style for people, or as JSON for tools.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "torvyn/base/error.h"

namespace torvyn {

enum class Severity { Error, Warning, Note };

struct SourceLocation {
  std::string file;    // path as the user gave it ("" when not from a file)
  uint32_t line = 0;   // 1-based; 0 = unknown
  uint32_t column = 0; // 1-based; 0 = unknown
  uint32_t length = 1; // caret width
};

struct Diagnostic {
  ErrorCode code = ErrorCode::Internal;
  Severity severity = Severity::Error;
  std::string message;   // one line: what is wrong
  SourceLocation location;
  std::string key;       // e.g. "runtime.worker_threads" or "flow.main.edges[2].to.node"
  std::string expected;  // e.g. "a positive integer"
  std::string found;     // e.g. "\"four\" (string)"
  std::string help;      // how to fix it
  std::vector<std::string> notes;
};

// error[E0500]: message
//   --> Torvyn.toml:12:17
//    |
// 12 | worker_threads = "four"
//    |                  ^^^^^^
//    = key: runtime.worker_threads
//    = expected: a positive integer, found: "four" (string)
//    = help: ...
// `source` is the file's text (for the caret line); pass "" when unavailable.
std::string render_human(const Diagnostic& d, const std::string& source = "");

// {"code":"E0500","severity":"error","message":...,"file":...,"line":..,"column":..,"key":...,
//  "expected":...,"found":...,"help":...,"notes":[...]} (empty fields omitted).
std::string render_json(const Diagnostic& d);
std::string render_json(const std::vector<Diagnostic>& ds);  // a JSON array

bool has_errors(const std::vector<Diagnostic>& ds);

}  // namespace torvyn
