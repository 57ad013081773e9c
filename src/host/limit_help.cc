#include "limit_help.h"

#include "torvyn/base/counts.h"
#include "torvyn/host/report.h"

namespace torvyn::host {
namespace {

// "200 ms", "5 s".
std::string millis(uint64_t ms) { return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms"; }

std::string node_key(const config::FlowDecl& flow, const std::string& node_id, const char* key) {
  return "flow." + flow.name + ".nodes." + node_id + "." + key;
}

}  // namespace

std::string limit_help(const config::Config& config, const config::FlowDecl& flow, const std::string& node_id, ErrorCode code) {
  const config::NodeDecl* node = flow.find_node(node_id);
  if (!node) return {};
  const config::RuntimeConfig& rt = config.runtime;
  switch (code) {
    case ErrorCode::FuelExhausted: {
      const uint64_t now = node->fuel_budget.value_or(rt.fuel_per_invocation);
      const char* from = node->fuel_budget ? "the node's `fuel_budget`" : "`runtime.fuel_per_invocation`";
      return "each call of `" + node_id + "` may use " + with_thousands(now) + " fuel per element (" + from +
             "); if the component is not stuck in a loop, raise it for this node: --config " + node_key(flow, node_id, "fuel_budget") + "=" +
             std::to_string(now * 10) + " (or `fuel_budget` in Torvyn.toml)";
    }
    case ErrorCode::InvocationTimeout: {
      const uint64_t ms = flow.invocation_timeout_ms.value_or(rt.invocation_timeout_ms);
      const char* from = flow.invocation_timeout_ms ? "the flow's `invocation_timeout`" : "`runtime.invocation_timeout`";
      return "each call may run " + millis(ms) + " (" + from +
             "); if the component is not stuck, raise it: --config flow." + flow.name + ".invocation_timeout=" + std::to_string(ms * 10) +
             "ms (0 = no wall-clock limit)";
    }
    case ErrorCode::MemoryCapReached: {
      const uint64_t bytes = node->max_memory.value_or(rt.max_memory_per_component);
      const char* from = node->max_memory ? "the node's `max_memory`" : "`runtime.max_memory_per_component`";
      return "`" + node_id + "` may use " + human_bytes(bytes) + " of linear memory (" + from +
             "); if it needs more, raise it for this node: --config " + node_key(flow, node_id, "max_memory") + "=" +
             std::to_string(bytes * 4 >> 20) + "MiB";
    }
    default: return {};
  }
}

}  // namespace torvyn::host
