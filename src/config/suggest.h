// The config layer's "did you mean" is base's (torvyn/base/suggest.h), shared with the CLI.
#pragma once

#include "torvyn/base/suggest.h"

namespace torvyn::config::detail {
using torvyn::edit_distance;
using torvyn::suggest;
}  // namespace torvyn::config::detail
