// A stage of a flow: what the driver calls for each element. Components implement it through
// ComponentNode; the runtime's built-in file source and sink (torvyn run --input/--output) too.
#pragma once

#include <cstdint>
#include <cstring>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "torvyn/base/error.h"
#include "torvyn/resources/types.h"

namespace torvyn::reactor {

enum class Role : uint8_t { Source, Processor, Filter, Router, Aggregator, Sink };
std::string_view role_name(Role r);

// Why a call did not succeed: the component's own process-error cases, or Trap for everything the
// host detected (the guest trapped, ran out of fuel or time, broke an ABI rule, misused a handle).
enum class FailKind : uint8_t { None, InvalidInput, Unavailable, Internal, DeadlineExceeded, Fatal, Trap };
std::string_view fail_kind_name(FailKind k);

// A failed call's text. A stage returns a CallStatus for every element, nearly always a success:
// an empty message is one null pointer to set and test, where a std::string costs a few stores to
// build and a branch to destroy, on every call.
class StatusMessage {
 public:
  StatusMessage() noexcept = default;
  StatusMessage(std::string_view s) { assign(s); }
  StatusMessage(const char* s) { assign(s); }
  StatusMessage(std::string&& s) {
    if (!s.empty()) text_ = std::make_unique<std::string>(std::move(s));
  }
  StatusMessage(const std::string& s) { assign(s); }
  StatusMessage(const StatusMessage& o) { assign(o.view()); }
  StatusMessage& operator=(const StatusMessage& o) {
    if (this != &o) assign(o.view());
    return *this;
  }
  StatusMessage(StatusMessage&&) noexcept = default;
  StatusMessage& operator=(StatusMessage&&) noexcept = default;

  const std::string& str() const;
  operator const std::string&() const { return str(); }
  std::string_view view() const { return text_ ? std::string_view(*text_) : std::string_view(); }
  bool empty() const { return !text_ || text_->empty(); }
  size_t find(std::string_view s) const { return view().find(s); }
  void clear() { text_.reset(); }
  // The text to write into (made empty when there is none).
  std::string& edit() {
    if (!text_) text_ = std::make_unique<std::string>();
    return *text_;
  }
  friend bool operator==(const StatusMessage& a, std::string_view b) { return a.view() == b; }
  friend std::ostream& operator<<(std::ostream& os, const StatusMessage& m);

 private:
  void assign(std::string_view s) {
    if (s.empty()) text_.reset();
    else text_ = std::make_unique<std::string>(s);
  }
  std::unique_ptr<std::string> text_;
};

struct CallStatus {
  FailKind kind = FailKind::None;
  StatusMessage message;
  // For a Trap, the code of what the host detected (GuestTrap, AbiTrap, FuelExhausted, ...): the
  // flow's failure takes it, so that a run reports one code, the most precise one.
  ErrorCode code = ErrorCode::ComponentFailed;
  explicit operator bool() const { return kind == FailKind::None; }
  // "kind: message" ("kind" alone when there is no message); a limit's trap says which limit
  // ("fuel exhausted: ...") and needs no "trap:" in front.
  std::string describe() const;
  // The code a flow fails with when this call fails it.
  ErrorCode failure_code() const { return kind == FailKind::Trap ? code : ErrorCode::ComponentFailed; }
  static CallStatus trap(const Error& e) { return {FailKind::Trap, e.message, e.code}; }
};

// An element as the host passes it in (stream-element: payload and context are lent).
struct InElement {
  uint64_t sequence = 0;
  uint64_t timestamp_ns = 0;
  std::string_view content_type;
  resources::BufferId payload;
  // Sinks only: the acknowledging source message this element derives from (its ack_id, see
  // OutElement) and that source's node id; 0 and "" when it derives from none. A sink that
  // publishes onward names what it publishes after it, so a redelivered message is recognised.
  uint64_t origin = 0;
  std::string_view origin_node;
};

// The content type of an element a stage hands back. Stored inline up to 63 bytes (every common
// MIME type, parameters included), so producing an element allocates nothing; longer ones go to
// the heap.
class ContentType {
 public:
  ContentType() noexcept {}
  ContentType(std::string_view s) { assign(s); }
  ContentType(const char* s) { assign(s); }
  ContentType(const std::string& s) { assign(s); }
  ContentType(const ContentType& o) { assign(o.view()); }
  ContentType& operator=(const ContentType& o) {
    if (this != &o) assign(o.view());
    return *this;
  }
  ContentType(ContentType&& o) noexcept { take(o); }
  ContentType& operator=(ContentType&& o) noexcept {
    if (this != &o) take(o);
    return *this;
  }
  ContentType& operator=(std::string_view s) {
    assign(s);
    return *this;
  }
  ContentType& operator=(const char* s) { return *this = std::string_view(s); }
  ContentType& operator=(const std::string& s) { return *this = std::string_view(s); }
  void assign(std::string_view s) {
    if (s.size() <= kInline) {
      std::memmove(inline_, s.data(), s.size());  // `s` may be this type's own inline text
      size_ = static_cast<uint8_t>(s.size());
      heap_.reset();
    } else {
      // A copy first: `s` may be this type's own heap text.
      std::unique_ptr<char[]> text(new char[s.size()]);
      std::memcpy(text.get(), s.data(), s.size());
      heap_ = std::move(text);
      heap_size_ = s.size();
      size_ = kOnHeap;
    }
  }
  // `o`'s text, leaving `o` empty.
  void take(ContentType& o) noexcept {
    size_ = o.size_;
    heap_ = std::move(o.heap_);
    heap_size_ = o.heap_size_;
    if (size_ != kOnHeap) std::memcpy(inline_, o.inline_, size_);
    o.size_ = 0;
  }
  std::string_view view() const { return size_ == kOnHeap ? std::string_view(heap_.get(), heap_size_) : std::string_view(inline_, size_); }
  operator std::string_view() const { return view(); }
  bool empty() const { return view().empty(); }
  friend bool operator==(const ContentType& a, std::string_view b) { return a.view() == b; }

 private:
  // A unique_ptr rather than a std::string for the rare long type: a stage makes and drops one
  // ContentType per element, and an empty unique_ptr is one word to set and test.
  static constexpr size_t kInline = 63;
  static constexpr uint8_t kOnHeap = 0xff;
  char inline_[kInline];
  uint8_t size_ = 0;
  std::unique_ptr<char[]> heap_;
  size_t heap_size_ = 0;
};

// An element a component handed back (output-element: the host now owns the payload).
struct OutElement {
  // Provided, not defaulted: a stage makes one per element (std::optional::emplace()), and
  // value-initialising the implicit one would zero all of ContentType's inline bytes first.
  OutElement() noexcept {}
  uint64_t sequence = 0;
  uint64_t timestamp_ns = 0;
  ContentType content_type;
  resources::BufferId payload;
  // Sources only: non-zero asks the flow to track this element and everything derived from it
  // (through fan-out, filters, routers and aggregators), and to call the source's settled(ack_id)
  // once all of it has been delivered, dropped, or failed and skipped (at-least-once connectors).
  uint64_t ack_id = 0;
};

// One element's outcome in a batch call, matched to its input by position (torvyn:batching,
// DESIGN.md §2a). `status` is that element's own error: the flow's error policy applies to it alone.
struct BatchOutcome {
  CallStatus status;
  std::optional<OutElement> out;  // processor: nullopt = dropped
};

// The calls a role uses; the others are never made (the driver dispatches on role()).
class Stage {
 public:
  virtual ~Stage() = default;
  virtual Role role() const = 0;
  virtual const std::string& name() const = 0;
  virtual resources::OwnerId owner() const = 0;

  virtual CallStatus init(std::string_view config) = 0;
  virtual CallStatus teardown() = 0;
  virtual CallStatus pull(std::optional<OutElement>& out) { return unsupported("pull"); }
  virtual CallStatus notify_backpressure(bool pause) { return {}; }
  virtual CallStatus process(const InElement& in, std::optional<OutElement>& out) { return unsupported("process"); }  // nullopt: dropped
  virtual CallStatus evaluate(const InElement& in, bool& keep) { return unsupported("evaluate"); }
  virtual CallStatus route(const InElement& in, std::vector<std::string>& ports) { return unsupported("route"); }
  virtual CallStatus ingest(const InElement& in, std::optional<OutElement>& out) { return unsupported("ingest"); }
  virtual CallStatus flush(std::vector<OutElement>& out) { return unsupported("flush"); }
  virtual CallStatus push(const InElement& in, bool& pause) { return unsupported("push"); }
  virtual CallStatus complete() { return {}; }

  // Batch forms (the opt-in contract torvyn:batching@0.1.0). max_batch() > 1 when the stage has
  // them; the driver then hands over up to that many elements per call, never more than the free
  // credit of the stage's output queues. The defaults loop over the per-element calls, so the driver
  // may use the batch forms for every stage.
  //
  // Processor and sink: outcomes[i] is the outcome of in[i] (equal sizes), valid for i < `completed`;
  // inputs from `completed` on were not processed and are still the driver's, to hand over again or
  // release (the per-element default stops after an element that trapped or failed fatally, and a
  // sink's after the element it answered `pause` to). The driver hands every outcome slot over
  // clean (status ok, no output), so a stage need only write what differs. A non-ok return fails the call as a whole (a trap or a broken
  // ABI rule in a batch export): `completed` is 0 and every input is still the driver's to release.
  virtual uint32_t max_batch() const { return 1; }
  // A source whose pull_batch can answer "nothing now" but whose pull cannot (pull's empty answer
  // means exhausted): always pulled with pull_batch, on traced flows too (its elements are then
  // not traced) and however slow its calls are.
  virtual bool batch_only() const { return false; }
  virtual CallStatus process_batch(std::span<const InElement> in, std::span<BatchOutcome> outcomes, size_t& completed);
  // `pause`: the sink asked for a pause after this batch.
  virtual CallStatus push_batch(std::span<const InElement> in, std::span<BatchOutcome> outcomes, size_t& completed, bool& pause);
  // Source: appends up to `max` elements to `out`. `done`: exhausted, no more ever (an empty `out`
  // without `done` is "nothing now"). When the call fails, the elements already in `out` were
  // produced before the failure and belong to the driver.
  virtual CallStatus pull_batch(uint32_t max, std::vector<OutElement>& out, bool& done);

  // An element this source handed back with a non-zero ack_id is settled: every element derived
  // from it was delivered by every sink it reached or dropped on the way (filter, router, drop
  // policy, an aggregate that was delivered), or `failed` and skipped under the `skip` policy.
  // Never called for elements of a flow that failed or was torn down with them still in flight.
  virtual void settled(uint64_t ack_id, bool failed) {}

  // The flow's last round moved no element (its sources had nothing now, or everything waits): a
  // stage that holds output back (the file sink's stdio buffer) hands it on now.
  virtual void idle() {}

  // Linear memory the stage's component holds (0 for host stages); sampled by the flow thread.
  virtual uint64_t memory_bytes() { return 0; }
  // Fuel the stage's last invocation consumed, asked after every invocation of a stage that
  // meters_fuel() (components; a host stage has no fuel, and is not asked).
  virtual uint64_t fuel_consumed() { return 0; }
  virtual bool meters_fuel() const { return false; }

 protected:
  CallStatus unsupported(const char* call) const {
    return {FailKind::Fatal, std::string(call) + " is not part of the " + std::string(role_name(role())) + " role"};
  }
};

}  // namespace torvyn::reactor
