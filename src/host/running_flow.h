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
#include "torvyn/streaming/streaming_host.h"
#include "torvyn/security/wasi_host.h"

namespace torvyn::host {

struct FlowCounters;  // flow_snapshot.h

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
  std::shared_ptr<const FlowCounters> warm;  // taken when the warm-up ended (flow thread), if it did
};

}  // namespace torvyn::host
