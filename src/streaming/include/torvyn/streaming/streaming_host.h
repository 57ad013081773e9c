// The host side of torvyn:streaming@0.1.0 `types` and `buffer-allocator` (DESIGN.md §4, §7),
// backed by the shared buffer pool. Every payload copy between a component and the host is
// recorded in the copy ledger; buffers move between stages by handle, never by copying.
//
// One StreamingHost serves one flow (its flow-context and linker are per flow); the pool and the
// ledger are shared by all flows. All host functions are on the fast path (no Value trees).
#pragma once

#include <memory>
#include <string>

#include "torvyn/component/runtime.h"
#include "torvyn/streaming/contract_types.h"
#include "torvyn/reactor/flow_context.h"
#include "torvyn/resources/buffer_pool.h"
#include "torvyn/resources/copy_ledger.h"

namespace torvyn::streaming {

// The host's identity for one component instance: who allocations and copies are charged to.
// Attached to the instance with Instance::set_host_data.
struct InstanceAccount {
  InstanceAccount() = default;
  InstanceAccount(resources::OwnerId o, std::string n) : owner(o), name(std::move(n)) {}
  resources::OwnerId owner = resources::kHostOwner;
  std::string name;
  resources::CopyLedger::Account copies;  // owner's place in the ledger (ComponentNode sets it)
};

class StreamingHost {
 public:
  StreamingHost(resources::BufferPool& pool, resources::CopyLedger& ledger);

  // Defines torvyn:streaming/types and buffer-allocator in `linker`.
  void define(component::Linker& linker) const;

  const ContractTypes& types() const { return *types_; }
  resources::BufferPool& pool() { return pool_; }
  resources::CopyLedger& ledger() { return ledger_; }
  reactor::FlowContextState& context() { return context_; }
  // The rep of the flow's one flow-context resource (lent to every call).
  static constexpr uint64_t kContextRep = 1;

 private:
  std::shared_ptr<component::HostInstance> make_types();
  std::shared_ptr<component::HostInstance> make_allocator();

  resources::BufferPool& pool_;
  resources::CopyLedger& ledger_;
  std::shared_ptr<component::HostInstance> types_instance_, allocator_instance_;
  std::unique_ptr<ContractTypes> types_;
  reactor::FlowContextState context_;
};

}  // namespace torvyn::streaming
