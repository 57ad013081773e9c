// TORVYN_<SECTION>_<KEY> environment variables and --config KEY=VALUE overrides, written into the
// parsed TOML tree (typed by the schema) so that validation treats them like file values. Values
// that cannot be typed, unknown keys and unwritable paths are reported here (E0506 / E0504).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "context.h"
#include "interpolate.h"

namespace torvyn::config::detail {

// Environment variables that are not config keys but are read by the loader itself.
inline constexpr const char* kStateDirVar = "TORVYN_STATE_DIR";

void apply_env(toml::table& root, const EnvMap& env, Context& cx);
void apply_overrides(toml::table& root, const std::vector<std::pair<std::string, std::string>>& overrides,
                     Context& cx);

// Every environment variable name apply_env understands (for suggestions and tests).
std::vector<std::string> env_variable_names();

}  // namespace torvyn::config::detail
