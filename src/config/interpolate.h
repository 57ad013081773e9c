// ${VAR} and ${VAR:-default} in string values of config files. `$${` is a literal `${`; a `$` not
// followed by `{` is kept as it is. `:-` follows the shell: the default also applies when VAR is
// set but empty. Defaults are literal text (no nesting).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "context.h"

namespace torvyn::config::detail {

using EnvMap = std::map<std::string, std::string>;

struct InterpolationError {
  std::string variable;  // "" when the reference itself is malformed
  std::string message;
  size_t offset = 0;     // of the `$` in the input
  size_t length = 1;     // of the reference
};

struct Interpolated {
  std::string value;
  std::vector<InterpolationError> errors;
};

Interpolated interpolate(std::string_view text, const EnvMap& env);

// Interpolates every string value in `root` (not keys), reporting E0507 per bad reference.
void interpolate_tree(toml::table& root, const EnvMap& env, Context& cx);

}  // namespace torvyn::config::detail
