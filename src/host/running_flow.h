// A flow the host built: its streaming host, linkers, WASI hosts and the reactor flow. Shared by
// the runtime (which builds and runs it) and the monitoring bridge (which reads it).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "torvyn/component/runtime.h"
#include "torvyn/connectors/connectors.h"
#include "torvyn/host/runtime.h"
#include "torvyn/reactor/flow.h"
#include "torvyn/reactor/host_stages.h"
#include "torvyn/streaming/component_node.h"
#include "torvyn/streaming/streaming_host.h"
#include "torvyn/security/wasi_host.h"

namespace torvyn::host {

// A flow's cumulative numbers at one moment. A report is the difference between two of them: the
// end of the run and its start (zeros), or the end of a warm-up (RunOptions::warmup).
struct FlowCounters {
  std::chrono::steady_clock::time_point at;
  uint64_t produced = 0, delivered = 0, dropped = 0, errors = 0, retries = 0;
  HistogramCounts latency;
  struct Stage {
    uint64_t invocations = 0, errors = 0, elements_in = 0, elements_out = 0, dropped = 0, copies = 0, copy_bytes = 0;
    HistogramCounts processing;
  };
  std::vector<Stage> stages;  // per node, in the flow's node order
  struct Queue {
    uint64_t backpressure_events = 0, backpressure_ns = 0, dropped = 0;
  };
  std::vector<Queue> queues;  // per edge, in the flow's edge order
};

struct Runtime::RunningFlow {
  std::string name;
  // Declaration order matters: the flow's stages hold instances that use the linker and host.
  std::unique_ptr<streaming::StreamingHost> streaming;
  component::Linker linker;                                    // torvyn:streaming, shared by the flow's nodes
  std::vector<std::unique_ptr<component::Linker>> node_linkers;  // + each node's own WASI host
  std::vector<std::shared_ptr<security::WasiContext>> wasi;
  std::unique_ptr<reactor::Flow> flow;
  std::map<std::string, std::string> component_of;  // node id -> component reference
  std::map<std::string, std::shared_ptr<connectors::ConnectorStats>> connectors;  // node id -> its connector's counters
  bool started = false;
  const reactor::FileSink* output = nullptr;  // the built-in sink of --output, if any
  std::optional<FlowCounters> warm;  // taken when the warm-up ended (flow thread), if it did
  std::map<std::string, streaming::ComponentNode*> tiering;  // node id -> its node, when it waits to move (runtime.tiering)
};

}  // namespace torvyn::host
