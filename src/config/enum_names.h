// The accepted spellings of each config enum, in documentation order (for the schema, "expected"
// texts and suggestions). Defined next to the enum tables in enums.cc.
#pragma once

#include <string_view>
#include <vector>

namespace torvyn::config::detail {

const std::vector<std::string_view>& engine_names();
const std::vector<std::string_view>& backpressure_policy_names();
const std::vector<std::string_view>& error_policy_names();
const std::vector<std::string_view>& tracing_level_names();  // also metrics_level
const std::vector<std::string_view>& tracing_exporter_names();
const std::vector<std::string_view>& capability_policy_names();
const std::vector<std::string_view>& connector_names();  // built-in connector nodes

}  // namespace torvyn::config::detail
