// The merged TOML tree -> Config, checking every key's type and range, required keys, names and
// references, and reporting each problem with its location (nothing stops at the first error).
#pragma once

#include <filesystem>
#include <string>

#include "context.h"
#include "torvyn/config/config.h"

namespace torvyn::config::detail {

struct PathBases {
  std::filesystem::path project_dir;  // relative paths written in the manifest
  std::string user_config_file;       // the user config's name as it appears in source regions
  std::filesystem::path user_dir;     // relative paths written in the user config
};

// Fills `out` (whose defaults stand for keys that are absent) from `root`.
void build_config(const toml::table& root, const PathBases& bases, Context& cx, Config& out);

}  // namespace torvyn::config::detail
