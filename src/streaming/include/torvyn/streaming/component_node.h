// One instantiated component bound to its Torvyn role: the exports it implements, checked once
// against the contract types, and typed calls to them on the fast path (no Value trees).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "torvyn/component/runtime.h"
#include "torvyn/reactor/stage.h"
#include "torvyn/streaming/streaming_host.h"

namespace torvyn::streaming {

// The driver's vocabulary (reactor/stage.h) that a bound component speaks.
using reactor::BatchOutcome;
using reactor::CallStatus;
using reactor::FailKind;
using reactor::InElement;
using reactor::OutElement;
using reactor::Role;
using reactor::Stage;

// The batch forms' call limits (batch_binding.cc). A batch call of n elements gets n times the
// per-element fuel and wall-clock time, as n per-element invocations would (0 = leave the store's).
struct BatchLimits {
  uint32_t max_batch = 64;  // runtime.max_batch; 1 = per element
  uint64_t fuel_per_element = 0;
  std::chrono::nanoseconds timeout_per_element{0};
};
class BatchBinding;
struct BatchBindingDeleter {  // (BatchBinding is defined in batch_binding.cc)
  void operator()(BatchBinding* b) const;
};

// Tiering (runtime.tiering): a node starts on the interpreter while its component compiles in the
// background, then moves to the compiled code at an element boundary (component::Instance::move_to).
// The host fills `target` (or `failure`) and then sets `ready`; each node using the component moves
// at its first call after that and records what happened in its own TierMove.
struct TierUp {
  std::atomic<bool> ready{false};
  std::shared_ptr<component::LoadedComponent> target;  // set before ready; null when the compile failed
  std::string failure;                                 // why there is no target
};
struct TierMove {
  bool tiered = false;        // the node was given a compile to move to (move_when_ready)
  bool done = false;          // the node has tried (or had nothing to move to)
  bool moved = false;         // it runs on the target engine now
  uint64_t calls_before = 0;  // calls made on the first engine
  uint64_t move_ns = 0;       // how long the move held the node (instantiating, copying its state)
  std::string error;          // why it stays (the compile failed, or the move did)
};

// "torvyn:streaming/processor" (with or without @version) -> Processor.
std::optional<Role> role_from_interface(std::string_view interface);

class ComponentNode final : public Stage {
 public:
  // Binds `instance` (instantiated against host.define'd imports) to the role its exports
  // implement. `want` (from the flow's `interface`) picks one when it exports several; an export
  // with an unexpected signature is a ComponentUnlinkable error naming it.
  static Result<std::unique_ptr<ComponentNode>> bind(std::unique_ptr<component::Instance> instance, StreamingHost& host,
                                                     InstanceAccount account, std::optional<Role> want);

  Role role() const override { return role_; }
  const std::string& name() const override { return account_.name; }
  resources::OwnerId owner() const override { return account_.owner; }
  bool has_lifecycle() const { return bool(init_); }
  component::Instance& instance() { return *instance_; }

  CallStatus init(std::string_view config) override;  // no-op when the component has no lifecycle
  CallStatus teardown() override;
  CallStatus pull(std::optional<OutElement>& out) override;
  CallStatus notify_backpressure(bool pause) override;
  CallStatus process(const InElement& in, std::optional<OutElement>& out) override;
  CallStatus evaluate(const InElement& in, bool& keep) override;
  CallStatus route(const InElement& in, std::vector<std::string>& ports) override;
  CallStatus ingest(const InElement& in, std::optional<OutElement>& out) override;
  CallStatus flush(std::vector<OutElement>& out) override;
  CallStatus push(const InElement& in, bool& pause) override;
  CallStatus complete() override;
  // The batch forms (torvyn:batching, batch_binding.cc): used when the component exports its role's
  // batch form and the limit allows more than one element; the per-element calls otherwise.
  bool has_batch_form() const { return bool(batch_); }
  void set_batch_limits(const BatchLimits& limits);
  uint32_t max_batch() const override;
  CallStatus process_batch(std::span<const InElement> in, std::span<BatchOutcome> outcomes, size_t& completed) override;
  CallStatus push_batch(std::span<const InElement> in, std::span<BatchOutcome> outcomes, size_t& completed, bool& pause) override;
  CallStatus pull_batch(uint32_t max, std::vector<OutElement>& out, bool& done) override;
  // Tiering: move to `up->target` once `up->ready` (see TierUp); until then every call counts.
  void move_when_ready(std::shared_ptr<const TierUp> up) {
    tier_up_ = std::move(up);
    tier_move_.tiered = true;
  }
  const TierMove& tier_move() const { return tier_move_; }
  // Where the instance runs now. Any thread may ask (the inspection API does, while the flow's
  // thread may be moving the instance): kept apart from the instance, in an atomic.
  wasm::EngineKind engine_kind() const { return engine_.load(std::memory_order_relaxed); }
  uint64_t memory_bytes() override { return instance_->memory_bytes(); }
  uint64_t fuel_consumed() override { return instance_->store().fuel_consumed(); }
  bool meters_fuel() const override { return true; }

 private:
  ComponentNode(std::unique_ptr<component::Instance> instance, StreamingHost& host, InstanceAccount account);

  struct Bound {
    component::ExportedFunc f;
    uint32_t result_payload = 0;  // offset of a result's ok/error payload
    uint32_t result_size = 0, result_align = 1;
    explicit operator bool() const { return bool(f); }
  };
  Result<Bound> bind_export(std::string_view iface, std::string_view fn, const component::AbiFuncType& want, bool required);
  Status bind_exports();  // role_'s exports, its batch form and the lifecycle; again after a move
  Status bind_batch();    // batch_binding.cc; keeps an existing binding's limits and pending elements
  void unbind_all();      // batch_binding.cc: every export forgotten (a move that could not rebind)

  // Every call starts here: one test of a pointer unless a tiering move is pending.
  void at_boundary() {
    if (tier_up_) [[unlikely]] tier_step();
  }
  void tier_step();

  // Element-taking calls share argument lowering; `read` lifts the result area.
  template <typename Lower, typename Read>
  CallStatus call_result(const Bound& b, Lower&& lower, Read&& read);
  template <typename Read>
  CallStatus call_with_element(const Bound& b, const InElement& in, Read&& read);
  template <typename Read>
  CallStatus call_no_args(const Bound& b, Read&& read);

  std::unique_ptr<component::Instance> instance_;
  StreamingHost& host_;
  const ContractTypes& t_;
  InstanceAccount account_;
  Role role_ = Role::Processor;
  Bound init_, teardown_, pull_, notify_, process_, evaluate_, route_, ingest_, flush_, push_, complete_;
  std::unique_ptr<BatchBinding, BatchBindingDeleter> batch_;  // null: no batch form
  std::shared_ptr<const TierUp> tier_up_;  // null: no move pending
  TierMove tier_move_;
  std::atomic<wasm::EngineKind> engine_;
};

}  // namespace torvyn::streaming
