// ComponentNode's batch forms: the torvyn:batching@0.1.0 exports (wit/batching, docs/batching.md)
// on the fast path. A batch of n elements costs one export call, one cabi_realloc per lowered list
// (metas, content types and each distinct content type, payloads, ends) and the guest's drop of
// the flow-context borrow, whatever n is.
//
// Payload bytes are copied once each way, as under the per-element contract: into guest memory
// when the batch is lowered (one HostToGuest record per non-empty element) and out of it into a
// pool buffer allocated for the component (one GuestToHost record per non-empty output), so the
// copy ledger counts the same copies and bytes for both forms of an SDK-built component.
//
// What a guest returns is checked completely before anything is allocated for it: a malformed
// result (counts out of range, ends out of range or decreasing, more emits than outputs, a
// content-type index past the list) fails the call like a trap, and leaves no buffer behind.
#include <algorithm>
#include <cstring>

#include "torvyn/base/short_text.h"
#include "torvyn/streaming/batch_types.h"
#include "torvyn/streaming/component_node.h"

namespace torvyn::streaming {

using component::GuestAbi;
using resources::BufferId;
using resources::CopyKind;
using wasm::Slot;

namespace {

Error abi_trap(std::string what) { return Error(ErrorCode::AbiTrap, std::move(what)); }

// A checked window on guest memory; reads inside it need no further checks.
struct Area {
  const uint8_t* p;
  template <typename T>
  T get(uint64_t off) const {
    T v;
    std::memcpy(&v, p + off, sizeof(T));
    return v;
  }
};

// A (ptr, len) list at `at` whose elements are `stride` bytes aligned to `align`, at most `max` of them.
Result<Area> list_at(GuestAbi& abi, const Area& a, uint32_t at, uint32_t stride, uint32_t align, uint64_t max, const char* what,
                     uint32_t& len) {
  uint32_t ptr = a.get<uint32_t>(at);
  len = a.get<uint32_t>(at + 4);
  if (len > max) return abi_trap(std::string(what) + " has " + std::to_string(len) + " entries; at most " + std::to_string(max) + " are allowed here");
  auto span = abi.span(ptr, uint64_t{len} * stride, align);
  if (!span) return span.take_error();
  return Area{*span};
}

// A string (ptr, len) at `at`: bounds and UTF-8 checked; valid until the guest runs again.
Result<std::string_view> string_at(GuestAbi& abi, const Area& a, uint32_t at) {
  uint32_t ptr = a.get<uint32_t>(at), len = a.get<uint32_t>(at + 4);
  auto bytes = abi.bytes(ptr, len);
  if (!bytes) return bytes.take_error();
  if (!component::valid_utf8(*bytes, len)) return abi_trap("a string returned by the component is not valid UTF-8");
  return std::string_view(reinterpret_cast<const char*>(*bytes), len);
}

// A process-error at `at` (a 1-byte case, then the message at `at + message`) into `st`.
Status error_at(GuestAbi& abi, const Area& a, uint32_t at, uint32_t message, CallStatus& st) {
  static constexpr FailKind kinds[] = {FailKind::InvalidInput, FailKind::Unavailable, FailKind::Internal, FailKind::DeadlineExceeded,
                                       FailKind::Fatal};
  uint8_t kase = a.get<uint8_t>(at);
  if (kase > 4) return abi_trap("process-error discriminant " + std::to_string(kase) + " is out of range");
  st.kind = kinds[kase];
  st.message.clear();
  if (kase == 3) return {};
  auto m = string_at(abi, a, at + message);
  if (!m) return m.take_error();
  st.message = std::string(*m);
  return {};
}

// A pool error as the element's own failure, the way the SDK reports a failed allocate under the
// per-element contract (allocation-failed -> unavailable, capacity and bounds -> internal).
CallStatus allocation_failure(const Error& e) {
  bool internal = e.code == ErrorCode::BufferCapacityExceeded || e.code == ErrorCode::BufferOutOfBounds;
  return {internal ? FailKind::Internal : FailKind::Unavailable, e.message};
}

// The area of a result<T, process-error> the guest returned at `ptr`: the area itself for the ok
// case, null for the err case (lifted into `whole`).
Result<const uint8_t*> ok_area(GuestAbi& abi, uint32_t ptr, const BatchTypes::ResultArea& layout, uint32_t payload, uint32_t error_payload,
                               CallStatus& whole) {
  auto area = abi.span(ptr, layout.size, layout.align);
  if (!area) return area.take_error();
  Area a{*area};
  uint8_t disc = a.get<uint8_t>(0);
  if (disc == 1) {
    if (auto st = error_at(abi, a, payload, error_payload, whole); !st) return st.take_error();
    return static_cast<const uint8_t*>(nullptr);
  }
  if (disc != 0) return abi_trap("result discriminant " + std::to_string(disc) + " is out of range");
  return static_cast<const uint8_t*>(*area);
}

uint64_t saturating_mul(uint64_t a, uint64_t b) { return b && a > UINT64_MAX / b ? UINT64_MAX : a * b; }

}  // namespace

// An element of a source's batch the pool could not take yet, kept in host memory and handed over
// on the next pull_batch (the guest already counts it as produced; it must not be lost).
struct PendingOut {
  uint64_t sequence = 0, timestamp_ns = 0;
  std::string content_type;
  std::vector<uint8_t> payload;
};

// A guest's output batch, checked: everything piece_of and fill_output need, in guest memory.
struct BatchView {
  uint32_t count = 0;
  Area metas{nullptr}, ends{nullptr};
  const uint8_t* payloads = nullptr;
  std::vector<std::string_view> content_types;  // reused between calls
};

class BatchBinding {
 public:
  BatchBinding(const ContractTypes& t) : types(t) {}

  BatchTypes types;
  component::ExportedFunc f;  // process-batch, pull-batch or push-batch (by role)
  BatchLimits limits;

  // Per-call scratch, kept to avoid allocating per batch. The per-element arrays only grow: their
  // first n entries are the planned batch's (plan_batch).
  std::vector<std::string_view> in_types;  // distinct content types of the lowered elements
  std::vector<uint32_t> in_type_of;        // index into in_types, per element
  std::vector<uint32_t> in_size;           // payload size, per element
  // Payload bytes, per element: the flow holds the inputs (frozen, in transit) through the call,
  // so what plan_batch found stays where it is until lower_elements copies it.
  std::vector<const uint8_t*> in_bytes;
  BatchView out;
  std::vector<BufferId> created;           // outputs of the current call (released if it fails after all)
  std::vector<resources::BufferPool::TransitPiece> pieces;  // the output batch's elements, for the pool
  std::vector<BufferId> made;              // the pool's buffers for them, by output index

  // Source: elements the pool refused, and how the guest's pull ended after them.
  std::vector<PendingOut> pending;
  uint8_t pending_end = 0;  // pull-end case
  CallStatus pending_failure;

  // Scales the store's per-invocation fuel and timeout to n elements for one call.
  struct Scaled {
    Scaled(wasm::Store& s, const BatchLimits& l, size_t n) : store(s), limits(l) {
      if (l.fuel_per_element) s.set_fuel_per_invocation(saturating_mul(l.fuel_per_element, n));
      if (l.timeout_per_element.count())
        s.set_timeout(std::chrono::nanoseconds(static_cast<int64_t>(
            std::min<uint64_t>(saturating_mul(static_cast<uint64_t>(l.timeout_per_element.count()), n), INT64_MAX))));
    }
    ~Scaled() {
      if (limits.fuel_per_element) store.set_fuel_per_invocation(limits.fuel_per_element);
      if (limits.timeout_per_element.count()) store.set_timeout(limits.timeout_per_element);
    }
    wasm::Store& store;
    const BatchLimits& limits;
  };
};

void BatchBindingDeleter::operator()(BatchBinding* b) const { delete b; }

Status ComponentNode::bind_batch() {
  const char* iface = nullptr;
  const char* fn = nullptr;
  switch (role_) {
    case Role::Processor: iface = kBatchProcessorInterface, fn = "process-batch"; break;
    case Role::Source: iface = kBatchSourceInterface, fn = "pull-batch"; break;
    case Role::Sink: iface = kBatchSinkInterface, fn = "push-batch"; break;
    default: return {};  // filters, routers and aggregators have no batch form
  }
  // Again after a move: the same export of the new core instances, into the binding there is
  // (its limits and pending elements stay).
  std::unique_ptr<BatchBinding, BatchBindingDeleter> fresh;
  if (!batch_) fresh.reset(new BatchBinding(t_));
  BatchBinding& b = batch_ ? *batch_ : *fresh;
  const component::AbiFuncType& want = role_ == Role::Processor ? b.types.process_batch
                                       : role_ == Role::Source  ? b.types.pull_batch
                                                                : b.types.push_batch;
  auto bound = bind_export(iface, fn, want, false);
  if (!bound) return bound.take_error();
  b.f = bound->f;
  if (fresh && b.f) batch_ = std::move(fresh);
  return {};
}

void ComponentNode::unbind_all() {
  init_ = teardown_ = pull_ = notify_ = process_ = evaluate_ = route_ = ingest_ = flush_ = push_ = complete_ = Bound{};
  if (batch_) batch_->f = {};  // every call then fails (no such export) instead of reaching a freed function
}

void ComponentNode::set_batch_limits(const BatchLimits& limits) {
  if (!batch_) return;
  batch_->limits = limits;
  batch_->limits.max_batch = std::clamp<uint32_t>(limits.max_batch, 1, kMaxBatch);
}

uint32_t ComponentNode::max_batch() const { return batch_ ? batch_->limits.max_batch : 1; }

// ---- lowering a batch (processor, sink) ----

namespace {

// cabi_realloc(0, 0, align, bytes), and the new block checked to lie in memory.
Result<uint8_t*> allocate_in_guest(GuestAbi& abi, uint32_t align, uint64_t bytes, uint32_t& ptr) {
  if (bytes > component::kMaxStringBytes) return abi_trap("a batch list of " + std::to_string(bytes) + " bytes is too long to lower");
  auto p = abi.realloc(0, 0, align, static_cast<uint32_t>(bytes));
  if (!p) return p.take_error();
  ptr = *p;
  return abi.span(ptr, bytes, align);
}

// How many of `in` one call takes: all, up to kMaxBatch, unless their payloads pass
// kMaxBatchPayloadBytes (at least one element). Sizes and content types land in `b`, in its first
// n entries: the per-element arrays only grow (written by index, no push_back per element), and
// in_types holds the batch's distinct types.
Result<size_t> plan_batch(BatchBinding& b, const resources::BufferPool& pool, std::span<const InElement> in) {
  size_t n = std::min<size_t>(in.size(), kMaxBatch);
  b.in_types.clear();
  if (b.in_size.size() < n) {
    b.in_size.resize(n);
    b.in_bytes.resize(n);
    b.in_type_of.resize(n);
  }
  uint64_t total = 0;
  uint32_t last = 0;  // the previous element's type (when i > 0)
  for (size_t i = 0; i < n; ++i) {
    const resources::Buffer* buf = pool.get(in[i].payload);
    if (!buf) return Error(ErrorCode::ResourceHandleError, "element " + std::to_string(in[i].sequence) + ": its payload buffer no longer exists");
    if (i > 0 && total + buf->size > kMaxBatchPayloadBytes) {
      n = i;
      break;
    }
    total += buf->size;
    b.in_size[i] = static_cast<uint32_t>(buf->size);
    b.in_bytes[i] = buf->data;
    std::string_view ct = in[i].content_type;
    // Usually one content type per stream: try the previous element's first.
    if (i == 0 || !same_short_text(b.in_types[last], ct)) {
      last = static_cast<uint32_t>(std::find(b.in_types.begin(), b.in_types.end(), ct) - b.in_types.begin());
      if (last == b.in_types.size()) b.in_types.push_back(ct);
    }
    b.in_type_of[i] = last;
  }
  return n;
}

// The arguments of process-batch and push-batch: the planned elements as a `batch` (args[0..8)),
// payloads copied into the guest, then the flow-context lent for the call (args[8]).
Status lower_elements(GuestAbi& abi, BatchBinding& b, resources::CopyLedger& ledger,
                      resources::OwnerId owner, std::span<const InElement> in, Slot* args) {
  const BatchTypes& T = b.types;
  const uint32_t n = static_cast<uint32_t>(in.size());
  uint32_t ptr = 0;

  // metas
  auto metas = allocate_in_guest(abi, T.meta.align, uint64_t{n} * T.meta.size, ptr);
  if (!metas) return metas.take_error();
  std::memset(*metas, 0, uint64_t{n} * T.meta.size);
  for (uint32_t i = 0; i < n; ++i) {
    uint8_t* m = *metas + uint64_t{i} * T.meta.size;
    std::memcpy(m + T.meta.sequence, &in[i].sequence, 8);
    std::memcpy(m + T.meta.timestamp, &in[i].timestamp_ns, 8);
    std::memcpy(m + T.meta.content_type, &b.in_type_of[i], 4);
  }
  args[0] = ptr;
  args[1] = n;

  // content-types: the list, then each string (each realloc may move memory: re-fetch the list).
  const uint32_t k = static_cast<uint32_t>(b.in_types.size());
  uint32_t list_ptr = 0;
  if (auto l = allocate_in_guest(abi, 4, uint64_t{k} * 8, list_ptr); !l) return l.take_error();
  for (uint32_t j = 0; j < k; ++j) {
    std::string_view s = b.in_types[j];
    uint32_t sp = 0;
    auto dst = allocate_in_guest(abi, 1, s.size(), sp);
    if (!dst) return dst.take_error();
    if (!s.empty()) std::memcpy(*dst, s.data(), s.size());
    auto l = abi.span(list_ptr, uint64_t{k} * 8, 4);
    if (!l) return l.take_error();
    uint32_t len = static_cast<uint32_t>(s.size());
    std::memcpy(*l + j * 8, &sp, 4);
    std::memcpy(*l + j * 8 + 4, &len, 4);
  }
  args[2] = list_ptr;
  args[3] = k;

  // payloads, back to back: the copies into the guest, one per non-empty element (one ledger update).
  uint64_t total = 0;
  for (uint32_t i = 0; i < n; ++i) total += b.in_size[i];
  auto payloads = allocate_in_guest(abi, 1, total, ptr);
  if (!payloads) return payloads.take_error();
  uint64_t off = 0;
  resources::CopyTally copies(ledger, owner, CopyKind::HostToGuest);
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t sz = b.in_size[i];
    if (sz) {
      std::memcpy(*payloads + off, b.in_bytes[i], sz);
      copies.add(sz);
    }
    off += sz;
  }
  args[4] = ptr;
  args[5] = static_cast<Slot>(total);

  // ends
  auto ends = allocate_in_guest(abi, 4, uint64_t{n} * 4, ptr);
  if (!ends) return ends.take_error();
  uint32_t end = 0;
  for (uint32_t i = 0; i < n; ++i) {
    end += b.in_size[i];
    std::memcpy(*ends + uint64_t{i} * 4, &end, 4);
  }
  args[6] = ptr;
  args[7] = n;
  return {};
}

Result<size_t> lower_batch(GuestAbi& abi, BatchBinding& b, StreamingHost& host, resources::OwnerId owner, std::span<const InElement> in,
                           Slot* args) {
  if (auto st = lower_elements(abi, b, host.ledger(), owner, in, args); !st) return st.take_error();
  auto ctx = abi.lower_borrow(host.types().flow_context_res, StreamingHost::kContextRep);
  if (!ctx) return ctx.take_error();
  args[8] = *ctx;
  return size_t{9};
}

// The `batch` record at `at`, checked: `count` elements, or at most `max` when count is -1.
Status read_batch(GuestAbi& abi, const BatchTypes& T, const Area& a, uint32_t at, int64_t count, uint32_t max, BatchView& v) {
  uint32_t n = 0, ends_n = 0, payload_len = 0, types_n = 0;
  auto metas = list_at(abi, a, at + T.batch_at.metas, T.meta.size, T.meta.align, count >= 0 ? uint64_t(count) : max, "the batch's metas", n);
  if (!metas) return metas.take_error();
  if (count >= 0 && n != count)
    return abi_trap("the output batch has " + std::to_string(n) + " elements but the outcomes emit " + std::to_string(count));
  auto ends = list_at(abi, a, at + T.batch_at.ends, 4, 4, n, "the batch's ends", ends_n);
  if (!ends) return ends.take_error();
  if (ends_n != n) return abi_trap("the batch has " + std::to_string(n) + " metas but " + std::to_string(ends_n) + " ends");
  auto payloads = list_at(abi, a, at + T.batch_at.payloads, 1, 1, component::kMaxStringBytes, "the batch's payloads", payload_len);
  if (!payloads) return payloads.take_error();
  auto types = list_at(abi, a, at + T.batch_at.content_types, 8, 4, kMaxBatch, "the batch's content-types", types_n);
  if (!types) return types.take_error();
  v.content_types.clear();
  for (uint32_t j = 0; j < types_n; ++j) {
    auto s = string_at(abi, *types, j * 8);
    if (!s) return s.take_error();
    if (s->size() > kMaxContentTypeBytes) return content_type_too_long(s->size());
    v.content_types.push_back(*s);
  }
  uint32_t prev = 0;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t end = ends->get<uint32_t>(uint64_t{i} * 4);
    if (end < prev || end > payload_len)
      return abi_trap("batch element " + std::to_string(i) + " ends at byte " + std::to_string(end) + ", outside [" + std::to_string(prev) +
                      ", " + std::to_string(payload_len) + "]");
    prev = end;
    uint32_t ct = metas->get<uint32_t>(uint64_t{i} * T.meta.size + T.meta.content_type);
    if (ct >= types_n)
      return abi_trap("batch element " + std::to_string(i) + " names content type " + std::to_string(ct) + " of " + std::to_string(types_n));
  }
  if (prev != payload_len)
    return abi_trap("the batch's payloads hold " + std::to_string(payload_len) + " bytes but its elements end at " + std::to_string(prev));
  v.count = n;
  v.metas = *metas;
  v.ends = *ends;
  v.payloads = payloads->p;
  return {};
}

// Output element i of a checked batch: its bytes and content type, for the pool.
[[gnu::always_inline]] inline resources::BufferPool::TransitPiece piece_of(const BatchTypes& T, const BatchView& v, uint32_t i) {
  uint32_t start = i ? v.ends.get<uint32_t>(uint64_t{i - 1} * 4) : 0;
  uint32_t size = v.ends.get<uint32_t>(uint64_t{i} * 4) - start;
  return {v.payloads + start, size, v.content_types[v.metas.get<uint32_t>(uint64_t{i} * T.meta.size + T.meta.content_type)]};
}

// Output element i around `id`, the pool buffer made of piece_of(i) (taken in transit). Written
// into `o` where the caller keeps it (an OutElement is ~130 bytes: no temporaries).
[[gnu::always_inline]] inline void fill_output(const BatchTypes& T, const BatchView& v, uint32_t i, const resources::BufferPool::TransitPiece& piece,
                                               BufferId id, OutElement& o) {
  o.sequence = v.metas.get<uint64_t>(uint64_t{i} * T.meta.size + T.meta.sequence);
  o.timestamp_ns = v.metas.get<uint64_t>(uint64_t{i} * T.meta.size + T.meta.timestamp);
  o.content_type = piece.content_type;
  o.payload = id;
  o.ack_id = 0;
}

}  // namespace

// ---- processor ----

CallStatus ComponentNode::process_batch(std::span<const InElement> in, std::span<BatchOutcome> outcomes, size_t& completed) {
  at_boundary();
  completed = 0;
  if (!batch_ || role_ != Role::Processor || batch_->limits.max_batch <= 1) return Stage::process_batch(in, outcomes, completed);
  BatchBinding& b = *batch_;
  const BatchTypes& T = b.types;
  in = in.first(std::min(in.size(), outcomes.size()));  // (equal sizes, by contract)
  auto planned = plan_batch(b, host_.pool(), in);
  if (!planned) return CallStatus::trap(planned.error());
  const size_t n = *planned;
  if (n == 0) return {};
  std::span<const InElement> batch = in.first(n);
  b.created.clear();
  CallStatus whole;
  size_t done = 0;
  BatchBinding::Scaled scaled(instance_->store(), b.limits, n);
  Status s = instance_->call_fast(
      b.f,
      [&](GuestAbi& abi, Slot* args) { return lower_batch(abi, b, host_, account_.owner, batch, args); },
      [&](GuestAbi& abi, const Slot* results) -> Status {
        auto area = ok_area(abi, static_cast<uint32_t>(results[0]), T.process.area, T.process.ok, T.error_payload, whole);
        if (!area) return area.take_error();
        if (!*area) return {};  // the err case, in `whole`
        Area a{*area};
        // Pass 1: check everything (outcomes, then the output batch) before allocating anything.
        uint32_t count = 0;
        auto list = list_at(abi, a, T.process.ok + T.process.outcomes, T.outcome_size, 4, n, "process-batch's outcomes", count);
        if (!list) return list.take_error();
        int64_t emits = 0;
        for (uint32_t i = 0; i < count; ++i) {
          BatchOutcome& o = outcomes[i];
          o.status = {};
          o.out.reset();
          uint64_t at = uint64_t{i} * T.outcome_size;
          uint8_t kase = list->get<uint8_t>(at);
          if (kase == 0) ++emits;
          else if (kase == 2) {
            if (auto st = error_at(abi, *list, static_cast<uint32_t>(at + T.outcome_payload), T.error_payload, o.status); !st) return st;
          } else if (kase != 1)
            return abi_trap("element-outcome discriminant " + std::to_string(kase) + " is out of range");
        }
        if (auto st = read_batch(abi, T, a, T.process.ok + T.process.batch, emits, 0, b.out); !st) return st;
        // Pass 2: the emits take the output elements in order. The pool makes them in one step;
        // one it refuses fails alone, and the rest are made after it (as one by one).
        const uint32_t outs = b.out.count;
        b.pieces.resize(outs);
        b.made.resize(outs);
        for (uint32_t j = 0; j < outs; ++j) b.pieces[j] = piece_of(T, b.out, j);
        const std::span<const resources::BufferPool::TransitPiece> pieces(b.pieces);
        uint32_t next = 0;  // the next output element
        size_t ready = 0;   // outputs [next, ready) are made
        bool refused_next = false;  // output `ready` was refused, with `refused`
        Error refused(ErrorCode::Internal, "");
        resources::CopyTally copies(host_.ledger(), account_.owner, CopyKind::GuestToHost);
        for (uint32_t i = 0; i < count; ++i) {
          if (list->get<uint8_t>(uint64_t{i} * T.outcome_size) != 0) continue;
          if (next == ready && !refused_next) {
            ready = next + host_.pool().create_in_transit(account_.owner, pieces.subspan(next), b.made.data() + next, refused);
            refused_next = ready < outs;
          }
          if (next == ready) {  // refused
            outcomes[i].status = allocation_failure(refused);
            refused_next = false;
            ready = ++next;
            continue;
          }
          const resources::BufferPool::TransitPiece& piece = b.pieces[next];
          fill_output(T, b.out, next, piece, b.made[next], outcomes[i].out.emplace());
          if (piece.len) copies.add(piece.len);
          b.created.push_back(b.made[next]);
          ++next;
        }
        done = count;
        return {};
      });
  if (!s) {
    // The call failed after the outputs were made (post-return trapped, a borrow was kept): they
    // were never handed over.
    for (BufferId id : b.created) (void)host_.pool().release(id);
    for (size_t i = 0; i < n && i < outcomes.size(); ++i) outcomes[i].out.reset();
    return CallStatus::trap(s.error());
  }
  if (!whole) return whole;
  completed = done;
  return {};
}

// ---- sink ----

CallStatus ComponentNode::push_batch(std::span<const InElement> in, std::span<BatchOutcome> outcomes, size_t& completed, bool& pause) {
  at_boundary();
  completed = 0;
  pause = false;
  if (!batch_ || role_ != Role::Sink || batch_->limits.max_batch <= 1) return Stage::push_batch(in, outcomes, completed, pause);
  BatchBinding& b = *batch_;
  const BatchTypes& T = b.types;
  in = in.first(std::min(in.size(), outcomes.size()));  // (equal sizes, by contract)
  auto planned = plan_batch(b, host_.pool(), in);
  if (!planned) return CallStatus::trap(planned.error());
  const size_t n = *planned;
  if (n == 0) return {};
  std::span<const InElement> batch = in.first(n);
  CallStatus whole;
  size_t done = 0;
  bool paused = false;
  BatchBinding::Scaled scaled(instance_->store(), b.limits, n);
  Status s = instance_->call_fast(
      b.f,
      [&](GuestAbi& abi, Slot* args) { return lower_batch(abi, b, host_, account_.owner, batch, args); },
      [&](GuestAbi& abi, const Slot* results) -> Status {
        auto area = ok_area(abi, static_cast<uint32_t>(results[0]), T.push.area, T.push.ok, T.error_payload, whole);
        if (!area) return area.take_error();
        if (!*area) return {};  // the err case, in `whole`
        Area a{*area};
        uint32_t count = 0;
        auto list = list_at(abi, a, T.push.ok + T.push.results, T.element_result_size, 4, n, "push-batch's outcomes", count);
        if (!list) return list.take_error();
        for (uint32_t i = 0; i < count; ++i) {
          BatchOutcome& o = outcomes[i];
          o.status = {};
          o.out.reset();
          uint64_t at = uint64_t{i} * T.element_result_size;
          uint8_t kase = list->get<uint8_t>(at);
          if (kase == 1) {
            if (auto st = error_at(abi, *list, static_cast<uint32_t>(at + T.element_result_payload), T.error_payload, o.status); !st) return st;
          } else if (kase != 0)
            return abi_trap("result discriminant " + std::to_string(kase) + " is out of range");
        }
        uint8_t signal = a.get<uint8_t>(T.push.ok + T.push.signal);
        if (signal > 1) return abi_trap("backpressure-signal discriminant out of range");
        paused = signal == 1;
        done = count;
        return {};
      });
  if (!s) return CallStatus::trap(s.error());
  if (!whole) return whole;
  completed = done;
  pause = paused;
  return {};
}

// ---- source ----

namespace {

// Moves the pending elements into pool buffers while the pool takes them (stream order kept).
CallStatus drain_pending(BatchBinding& b, resources::BufferPool& pool, resources::CopyLedger& ledger, resources::OwnerId owner,
                         uint32_t max, std::vector<OutElement>& out) {
  size_t taken = 0;
  CallStatus st;
  for (; taken < b.pending.size() && taken < max; ++taken) {
    PendingOut& p = b.pending[taken];
    auto id = pool.create_in_transit(owner, p.payload.data(), p.payload.size(), p.content_type);
    if (!id) {  // (leaves nothing allocated)
      st = allocation_failure(id.error());
      break;
    }
    // The copy out of guest memory happened when the element was kept; it is counted now, once.
    if (!p.payload.empty()) ledger.record(owner, CopyKind::GuestToHost, p.payload.size());
    OutElement o;
    o.sequence = p.sequence;
    o.timestamp_ns = p.timestamp_ns;
    o.content_type = p.content_type;
    o.payload = *id;
    out.push_back(std::move(o));
  }
  b.pending.erase(b.pending.begin(), b.pending.begin() + static_cast<std::ptrdiff_t>(taken));
  return st;
}

}  // namespace

CallStatus ComponentNode::pull_batch(uint32_t max, std::vector<OutElement>& out, bool& done) {
  at_boundary();
  done = false;
  if (!batch_ || role_ != Role::Source || batch_->limits.max_batch <= 1) return Stage::pull_batch(max, out, done);
  BatchBinding& b = *batch_;
  const BatchTypes& T = b.types;
  max = std::min(max, kMaxBatch);
  if (max == 0) return {};

  // Elements the pool refused last time come first; then how the guest's pull ended after them.
  if (!b.pending.empty()) {
    size_t before = out.size();
    if (CallStatus st = drain_pending(b, host_.pool(), host_.ledger(), account_.owner, max, out); !st) return st;
    if (!b.pending.empty()) return {};
    max -= static_cast<uint32_t>(out.size() - before);
    if (b.pending_end == 1) {
      done = true;
      return {};
    }
    if (b.pending_end == 2) return std::exchange(b.pending_failure, {});
    if (max == 0) return {};
  }

  uint8_t end = 0;
  CallStatus failure;
  b.created.clear();
  size_t first = out.size();
  BatchBinding::Scaled scaled(instance_->store(), b.limits, max);
  Status s = instance_->call_fast(
      b.f,
      [&](GuestAbi&, Slot* args) -> Result<size_t> {
        args[0] = max;
        return size_t{1};
      },
      [&](GuestAbi& abi, const Slot* results) -> Status {
        auto area = abi.span(static_cast<uint32_t>(results[0]), T.pull.area.size, T.pull.area.align);
        if (!area) return area.take_error();
        Area a{*area};
        end = a.get<uint8_t>(T.pull.end);
        if (end > 2) return abi_trap("pull-end discriminant " + std::to_string(end) + " is out of range");
        if (end == 2)
          if (auto st = error_at(abi, a, T.pull.end_payload, T.error_payload, failure); !st) return st;
        if (auto st = read_batch(abi, T, a, T.pull.batch, -1, max, b.out); !st) return st;
        const uint32_t outs = b.out.count;
        b.pieces.resize(outs);
        b.made.resize(outs);
        for (uint32_t j = 0; j < outs; ++j) b.pieces[j] = piece_of(T, b.out, j);
        Error refused(ErrorCode::Internal, "");
        const size_t ready = host_.pool().create_in_transit(account_.owner, b.pieces, b.made.data(), refused);
        resources::CopyTally copies(host_.ledger(), account_.owner, CopyKind::GuestToHost);
        for (uint32_t i = 0; i < ready; ++i) {
          const resources::BufferPool::TransitPiece& piece = b.pieces[i];
          fill_output(T, b.out, i, piece, b.made[i], out.emplace_back());
          if (piece.len) copies.add(piece.len);
          b.created.push_back(b.made[i]);
        }
        if (ready < outs) {
          // The pool refused: keep this element and the rest in host memory for the next call.
          b.pending_end = end;
          b.pending_failure = std::move(failure);  // the guest's own failure, when end is `failed`
          failure = allocation_failure(refused);
          for (uint32_t j = static_cast<uint32_t>(ready); j < outs; ++j) {
            const resources::BufferPool::TransitPiece& piece = b.pieces[j];
            PendingOut p;
            p.sequence = b.out.metas.get<uint64_t>(uint64_t{j} * T.meta.size + T.meta.sequence);
            p.timestamp_ns = b.out.metas.get<uint64_t>(uint64_t{j} * T.meta.size + T.meta.timestamp);
            p.content_type = std::string(piece.content_type);
            const uint8_t* bytes = static_cast<const uint8_t*>(piece.bytes);
            p.payload.assign(bytes, bytes + piece.len);
            b.pending.push_back(std::move(p));
          }
          end = 3;  // reported as `failure`; the guest's own end waits behind the pending elements
        }
        return {};
      });
  if (!s) {
    for (BufferId id : b.created) (void)host_.pool().release(id);
    out.resize(first);
    b.pending.clear();
    return CallStatus::trap(s.error());
  }
  if (end == 1) done = true;
  if (end >= 2) return failure;
  return {};
}

}  // namespace torvyn::streaming
