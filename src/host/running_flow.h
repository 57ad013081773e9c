// A flow the host built: its streaming host, linkers, WASI hosts and the reactor flow. Shared by
// the runtime (which builds and runs it) and the monitoring bridge (which reads it).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "torvyn/component/runtime.h"
#include "torvyn/host/runtime.h"
#include "torvyn/reactor/flow.h"
#include "torvyn/reactor/streaming_host.h"
#include "torvyn/security/wasi_host.h"

namespace torvyn::host {

struct Runtime::RunningFlow {
  std::string name;
  // Declaration order matters: the flow's stages hold instances that use the linker and host.
  std::unique_ptr<reactor::StreamingHost> streaming;
  component::Linker linker;                                    // torvyn:streaming, shared by the flow's nodes
  std::vector<std::unique_ptr<component::Linker>> node_linkers;  // + each node's own WASI host
  std::vector<std::shared_ptr<security::WasiContext>> wasi;
  std::unique_ptr<reactor::Flow> flow;
  std::map<std::string, std::string> component_of;  // node id -> component reference
  bool started = false;
};

}  // namespace torvyn::host
