#include "torvyn/observability/registry.h"

#include <mutex>

namespace torvyn::observability {

MetricsRegistry::Handle MetricsRegistry::add_flow(FlowProvider provider) {
  std::unique_lock lock(mu_);
  Handle h = next_++;
  flows_.emplace(h, std::move(provider));
  return h;
}

void MetricsRegistry::remove_flow(Handle handle) {
  std::unique_lock lock(mu_);
  flows_.erase(handle);
}

size_t MetricsRegistry::flow_count() const {
  std::shared_lock lock(mu_);
  return flows_.size();
}

void MetricsRegistry::set_pools(PoolsProvider provider) {
  std::unique_lock lock(mu_);
  pools_ = std::move(provider);
}

void MetricsRegistry::set_copies(CountProvider copies, CountProvider bytes) {
  std::unique_lock lock(mu_);
  copies_ = std::move(copies);
  copy_bytes_ = std::move(bytes);
}

void MetricsRegistry::set_components(ComponentsProvider provider) {
  std::unique_lock lock(mu_);
  components_ = std::move(provider);
}

void MetricsRegistry::set_tracing(TracingProvider provider) {
  std::unique_lock lock(mu_);
  tracing_ = std::move(provider);
}

std::optional<TracingSnapshot> MetricsRegistry::tracing() const {
  std::shared_lock lock(mu_);
  if (!tracing_) return std::nullopt;
  return tracing_();
}

std::vector<FlowSnapshot> MetricsRegistry::flows() const {
  std::shared_lock lock(mu_);
  std::vector<FlowSnapshot> out;
  out.reserve(flows_.size());
  for (const auto& [handle, provider] : flows_) out.push_back(provider());
  return out;
}

std::vector<PoolSnapshot> MetricsRegistry::pools() const {
  std::shared_lock lock(mu_);
  return pools_ ? pools_() : std::vector<PoolSnapshot>{};
}

uint64_t MetricsRegistry::copies_total() const {
  std::shared_lock lock(mu_);
  return copies_ ? copies_() : 0;
}

uint64_t MetricsRegistry::copies_bytes() const {
  std::shared_lock lock(mu_);
  return copy_bytes_ ? copy_bytes_() : 0;
}

std::vector<ComponentSnapshot> MetricsRegistry::components() const {
  std::shared_lock lock(mu_);
  return components_ ? components_() : std::vector<ComponentSnapshot>{};
}

}  // namespace torvyn::observability
