// Internal: the resolver behind parse_directory()/parse_sources(). Takes source files already
// read and grouped into packages; parses, resolves and returns the model with diagnostics.
#pragma once

#include <cstdint>
#include <vector>

#include "torvyn/wit/resolve.h"

namespace torvyn::wit::detail {

struct Input {
  std::vector<SourceText> files;
  // Each group is one package folder (or one deps file): indices into `files`. Group 0 is the root.
  std::vector<std::vector<uint32_t>> groups;
  // Problems found while reading (I/O); reported first.
  std::vector<Diagnostic> diagnostics;
};

ResolveResult resolve(Input input);

}  // namespace torvyn::wit::detail
