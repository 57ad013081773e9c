// A MetricsSource assembled from providers: the host registers each flow when it starts and
// removes it when it is gone, and sets one provider each for pools, the copy ledger and components.
//
// Providers run on the reader's thread (a scrape, an API request) under a shared lock, so several
// readers run them concurrently; they must only read atomics or take their own locks.
// remove_flow() takes the lock exclusively: once it returns, that provider is not running and will
// not be called again, so the host may destroy what it captured. Snapshots already handed out stay
// valid through their keep_alive.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <shared_mutex>
#include <vector>

#include "torvyn/observability/metrics.h"

namespace torvyn::observability {

class MetricsRegistry final : public MetricsSource {
 public:
  using FlowProvider = std::function<FlowSnapshot()>;
  using PoolsProvider = std::function<std::vector<PoolSnapshot>()>;
  using CountProvider = std::function<uint64_t()>;
  using ComponentsProvider = std::function<std::vector<ComponentSnapshot>()>;
  using TracingProvider = std::function<TracingSnapshot()>;
  using Handle = uint64_t;

  // Flows are listed in registration order.
  Handle add_flow(FlowProvider provider);
  void remove_flow(Handle handle);
  size_t flow_count() const;

  void set_pools(PoolsProvider provider);
  void set_copies(CountProvider copies, CountProvider bytes);
  void set_components(ComponentsProvider provider);
  void set_tracing(TracingProvider provider);

  std::vector<FlowSnapshot> flows() const override;
  std::vector<PoolSnapshot> pools() const override;
  uint64_t copies_total() const override;
  uint64_t copies_bytes() const override;
  std::vector<ComponentSnapshot> components() const override;
  std::optional<TracingSnapshot> tracing() const override;

 private:
  mutable std::shared_mutex mu_;
  Handle next_ = 1;
  std::map<Handle, FlowProvider> flows_;
  PoolsProvider pools_;
  CountProvider copies_, copy_bytes_;
  ComponentsProvider components_;
  TracingProvider tracing_;
};

}  // namespace torvyn::observability
