// Finding an external program (the C compiler for aot, clang-19 and node for `torvyn build`) the
// way a shell would, so that a missing one is reported up front as an environment problem.
#pragma once

#include <string>

namespace torvyn {

// `name` itself when it contains a slash and is an executable file; else the first executable regular file called `name`
// in a $PATH directory (an empty entry is the current directory; no $PATH: /usr/local/bin,
// /usr/bin, /bin). "" when there is none.
std::string find_program(const std::string& name);

}  // namespace torvyn
