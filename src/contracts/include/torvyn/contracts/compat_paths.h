// `torvyn link --compat OLD NEW`: how a contract changed between two versions, and what that means
// for components built against the old one (the classes and rule table of torvyn/wit/compat.h).
//
// OLD and NEW are either WIT package folders (the *.wit files of one package, plus deps/) or
// single .wit files — their root packages are compared — or two component binaries (.wasm), whose
// worlds and every interface they both import or export are compared, e.g. to see whether a
// rebuilt component still fits where the old one ran.
#pragma once

#include <filesystem>
#include <string>

#include "torvyn/contracts/project.h"
#include "torvyn/wit/compat.h"

namespace torvyn::contracts {

struct CompatResult {
  std::string old_name, new_name;  // "torvyn:streaming@0.1.0", or the .wasm paths
  wit::CompatReport report;
  Report problems;                 // reading/parsing errors (then `report` is empty)
  bool ok() const { return problems.errors() == 0; }
};

CompatResult compare_versions(const std::filesystem::path& old_path, const std::filesystem::path& new_path);

// Human: a header line, one line per change ("breaking    torvyn:streaming/types.buffer.read:
// ..."), the overall class. JSON: {"old":..,"new":..,"classification":..,"changes":[{"severity",
// "path","description"}]}.
std::string render_compat_human(const CompatResult& r);
std::string render_compat_json(const CompatResult& r);

}  // namespace torvyn::contracts
