// The shipped WIT contracts, embedded at build time by embed_wit.cmake.
#pragma once

#include <vector>

namespace torvyn::contracts::detail {

struct EmbeddedWitFile {
  const char* package_dir;  // "streaming", "filtering", ...
  const char* name;         // "types.wit"
  const char* text;
};

const std::vector<EmbeddedWitFile>& embedded_wit_files();

}  // namespace torvyn::contracts::detail
