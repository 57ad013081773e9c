// What to change when a flow failed on a limit the host enforces (fuel, the invocation timeout,
// the memory cap): the setting in effect for that node, where it came from, and the override that
// raises it. Empty for any other failure.
#pragma once

#include <string>

#include "torvyn/base/error.h"
#include "torvyn/config/config.h"

namespace torvyn::host {

std::string limit_help(const config::Config& config, const config::FlowDecl& flow, const std::string& node_id, ErrorCode code);

}  // namespace torvyn::host
