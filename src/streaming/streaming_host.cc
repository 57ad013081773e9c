#include "torvyn/streaming/streaming_host.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "torvyn/component/direct_host.h"

namespace torvyn::streaming {

using component::Caller;
using component::direct_function;
using component::DirectHostFunction;
using component::HostInstance;
using resources::BufferId;
using resources::CopyKind;

namespace {

// ---- The compiled crossings (component/direct_host.h) ---------------------------------------
// Every body below runs straight from guest code on aot. The rules that make that safe: locals are
// trivially destructible while guest code can run (c.allocate runs the guest's cabi_realloc, whose
// trap unwinds past this frame), nothing read from the pool is used after guest code ran (buffers
// are looked up again by id), and a failure is recorded in the Caller, which traps the guest once
// the body returns.

StreamingHost& host_of(Caller& c) { return c.env<StreamingHost>(); }

resources::OwnerId owner_of(Caller& c) {
  auto* acct = static_cast<InstanceAccount*>(c.instance().host_data());
  return acct ? acct->owner : resources::kHostOwner;
}

// Records a payload copy made for the calling component.
void record_copy(Caller& c, CopyKind kind, uint64_t bytes) {
  if (auto* acct = static_cast<InstanceAccount*>(c.instance().host_data())) [[likely]]
    acct->copies.record(kind, bytes);
  else
    host_of(c).ledger().record(resources::kHostOwner, kind, bytes);
}

[[gnu::cold]] void fail_stale(Caller& c, const char* what) {
  c.fail(Error(ErrorCode::ResourceHandleError, std::string(what) + ": the buffer behind this handle no longer exists"));
}

// The pool buffer behind a handle the guest lent (borrow<resource>), or null after recording why.
const resources::Buffer* buffer_of(Caller& c, uint32_t handle, uint32_t resource, const char* what, BufferId& id) {
  uint64_t rep;
  if (!c.borrow(handle, resource, rep)) return nullptr;
  id = BufferId{rep};
  const resources::Buffer* b = host_of(c).pool().get(id);
  if (!b) [[unlikely]] fail_stale(c, what);
  return b;
}

// Writes a (ptr, len) pair — a string or list result — into the guest's return area at `at`.
void store_ptr_len(Caller& c, uint32_t at, uint32_t ptr, uint32_t len) {
  if (uint8_t* area = c.span(at, 8, 4)) {
    std::memcpy(area, &ptr, 4);
    std::memcpy(area + 4, &len, 4);
  }
}

// A string result: lowered through cabi_realloc, its (ptr, len) stored at `at`.
void store_string(Caller& c, uint32_t at, const char* data, uint32_t len) {
  uint32_t p;
  if (c.lower_bytes(data, len, p)) store_ptr_len(c, at, p, len);
}

// A pool error as plain bytes: what a body keeps while guest code (cabi_realloc) may run and trap,
// which would unwind past an Error's destructor.
struct PoolFailure {
  ErrorCode code = ErrorCode::Internal;
  uint32_t len = 0;
  char text[256];  // the message, cut at 256 bytes
  PoolFailure() = default;
  explicit PoolFailure(const Error& e) : code(e.code), len(static_cast<uint32_t>(std::min<size_t>(e.message.size(), sizeof text))) {
    std::memcpy(text, e.message.data(), len);
  }
};

// buffer-error for a pool error at `at` (its payload at at + string_offset): capacity-exceeded and
// out-of-bounds map to their cases, anything else (frozen, exhausted, over budget) is
// allocation-failed with the reason.
void store_buffer_error(Caller& c, uint32_t at, uint32_t string_offset, const PoolFailure& e) {
  uint8_t kase = 2;
  if (e.code == ErrorCode::BufferCapacityExceeded) kase = 0;
  if (e.code == ErrorCode::BufferOutOfBounds) kase = 1;
  if (c.store<uint8_t>(at, kase) && kase == 2) store_string(c, at + string_offset, e.text, e.len);
}

// ---- buffer (immutable; lent to components as borrow<buffer>) ----

uint64_t buffer_size(Caller& c, uint32_t self) {
  BufferId id;
  const resources::Buffer* b = buffer_of(c, self, host_of(c).types().buffer_res, "buffer.size", id);
  return b ? b->size : 0;
}

void buffer_content_type(Caller& c, uint32_t self, uint32_t retptr) {
  BufferId id;
  const resources::Buffer* b = buffer_of(c, self, host_of(c).types().buffer_res, "buffer.content-type", id);
  if (!b) return;
  // Copied out first: the guest's realloc runs before the bytes are written (content types are
  // capped at kMaxContentTypeBytes when set, so this always fits).
  char ct[kMaxContentTypeBytes];
  uint32_t n = static_cast<uint32_t>(std::min<size_t>(b->content_type.size(), sizeof ct));
  std::memcpy(ct, b->content_type.data(), n);
  store_string(c, retptr, ct, n);
}

// read and read-all copy payload bytes into the guest: one HostToGuest copy each.
void read_into_guest(Caller& c, uint32_t self, uint64_t offset, uint64_t len, uint32_t retptr) {
  StreamingHost& h = host_of(c);
  BufferId id;
  const resources::Buffer* b = buffer_of(c, self, h.types().buffer_res, "buffer.read", id);
  if (!b) return;
  uint64_t n = offset >= b->size ? 0 : std::min(len, b->size - offset);
  uint32_t p;
  if (!c.allocate(n, 1, p)) return;
  // Guest code ran: the buffer is looked up again (pool.read checks the id).
  if (n) {
    auto got = h.pool().read(id, offset, c.span(p, n), n);
    if (!got || *got != n) return fail_stale(c, "buffer.read");
    record_copy(c, CopyKind::HostToGuest, n);
  }
  store_ptr_len(c, retptr, p, static_cast<uint32_t>(n));
}
void buffer_read(Caller& c, uint32_t self, uint64_t offset, uint64_t len, uint32_t retptr) { read_into_guest(c, self, offset, len, retptr); }
void buffer_read_all(Caller& c, uint32_t self, uint32_t retptr) { read_into_guest(c, self, 0, UINT64_MAX, retptr); }

// ---- mutable-buffer (owned by the component that allocated it) ----

// write and append copy payload bytes out of the guest: one GuestToHost copy each. (The pool
// reports a buffer that no longer exists as BufferStale: no lookup of our own first.)
void write_from_guest(Caller& c, uint32_t self, bool append, uint64_t offset, uint32_t ptr, uint32_t len, uint32_t retptr) {
  StreamingHost& h = host_of(c);
  uint64_t rep;
  if (!c.borrow(self, h.types().mutable_buffer_res, rep)) return;
  const uint8_t* src = c.span(ptr, len);
  if (!src) return;
  PoolFailure failure;
  {
    Status w = append ? h.pool().append(BufferId{rep}, src, len) : h.pool().write(BufferId{rep}, offset, src, len);
    if (w) [[likely]] {
      if (len) record_copy(c, CopyKind::GuestToHost, len);
      c.store<uint8_t>(retptr, 0);
      return;
    }
    if (w.error().code == ErrorCode::BufferStale) return fail_stale(c, "mutable-buffer.write");
    failure = PoolFailure(w.error());
  }  // the Error is gone before the guest's realloc runs for its text
  if (c.store<uint8_t>(retptr, 1)) store_buffer_error(c, retptr + h.types().unit_error_payload, h.types().buffer_error_payload, failure);
}
void mutable_write(Caller& c, uint32_t self, uint64_t offset, uint32_t ptr, uint32_t len, uint32_t retptr) {
  write_from_guest(c, self, false, offset, ptr, len, retptr);
}
void mutable_append(Caller& c, uint32_t self, uint32_t ptr, uint32_t len, uint32_t retptr) { write_from_guest(c, self, true, 0, ptr, len, retptr); }

uint64_t mutable_size(Caller& c, uint32_t self) {
  BufferId id;
  const resources::Buffer* b = buffer_of(c, self, host_of(c).types().mutable_buffer_res, "mutable-buffer.size", id);
  return b ? b->size : 0;
}

uint64_t mutable_capacity(Caller& c, uint32_t self) {
  BufferId id;
  if (!buffer_of(c, self, host_of(c).types().mutable_buffer_res, "mutable-buffer.capacity", id)) return 0;
  // Writes past the block grow the buffer (up to the 16 MiB cap), so that is what a component may
  // rely on; the block size is an implementation detail.
  return resources::kMaxBufferBytes;
}

void mutable_set_content_type(Caller& c, uint32_t self, uint32_t ptr, uint32_t len) {
  StreamingHost& h = host_of(c);
  uint64_t rep;
  if (!c.borrow(self, h.types().mutable_buffer_res, rep)) return;
  if (len > kMaxContentTypeBytes) return c.fail(content_type_too_long(len));
  const uint8_t* text = c.span(ptr, len);
  if (!text) return;
  Status st = h.pool().set_content_type(BufferId{rep}, std::string_view(reinterpret_cast<const char*>(text), len));
  if (!st && st.error().code == ErrorCode::BufferStale) fail_stale(c, "mutable-buffer.set-content-type");
  // frozen: ignored, like every other change to a frozen buffer's metadata
}

uint32_t mutable_freeze(Caller& c, uint32_t self) {
  StreamingHost& h = host_of(c);
  BufferId id;
  const resources::Buffer* b = buffer_of(c, self, h.types().mutable_buffer_res, "mutable-buffer.freeze", id);
  if (!b) return 0;
  if (b->frozen) {
    c.fail(Error(ErrorCode::ResourceHandleError, "mutable-buffer.freeze: this buffer was already frozen (freeze it once and pass the buffer on)"));
    return 0;
  }
  if (Status st = h.pool().freeze(id); !st) {
    c.fail(st.take_error());
    return 0;
  }
  return c.lower_own(h.types().buffer_res, id.raw);
}

// ---- flow-context (one per flow, lent to every call) ----

bool context_of(Caller& c, uint32_t self) {
  uint64_t rep;
  return c.borrow(self, host_of(c).types().flow_context_res, rep);
}
void context_id(Caller& c, uint32_t self, uint32_t retptr, bool trace) {
  if (!context_of(c, self)) return;
  const reactor::FlowContextState& ctx = host_of(c).context();
  char hex[32];
  uint32_t n = 0;
  if (trace && ctx.trace_id.valid()) observability::write_hex(ctx.trace_id, hex), n = 32;
  if (!trace && ctx.span_id.valid()) observability::write_hex(ctx.span_id, hex), n = 16;
  store_string(c, retptr, hex, n);
}
void context_trace_id(Caller& c, uint32_t self, uint32_t retptr) { context_id(c, self, retptr, true); }
void context_span_id(Caller& c, uint32_t self, uint32_t retptr) { context_id(c, self, retptr, false); }
void context_flow_id(Caller& c, uint32_t self, uint32_t retptr) {
  if (!context_of(c, self)) return;
  // Copied out first (the flow id is at most a config key's length; longer ids are cut).
  const std::string& id = host_of(c).context().flow_id;
  char text[kMaxContentTypeBytes];
  uint32_t n = static_cast<uint32_t>(std::min<size_t>(id.size(), sizeof text));
  std::memcpy(text, id.data(), n);
  store_string(c, retptr, text, n);
}
uint64_t context_deadline_ns(Caller& c, uint32_t self) {
  if (!context_of(c, self)) return 0;
  uint64_t deadline = host_of(c).context().deadline_ns;
  if (!deadline) return 0;
  uint64_t now = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
  return deadline > now ? deadline - now : 1;  // 1: expired, but 0 would mean "none"
}

// ---- buffer-allocator ----

// Hands a new buffer to the guest as result<own<mutable-buffer>, buffer-error>.
void give(Caller& c, BufferId id, uint32_t retptr) {
  StreamingHost& h = host_of(c);
  const ContractTypes& t = h.types();
  // The whole return area must be valid (CanonicalABI.md lower_flat_values); checked before the
  // handle exists, so a bad pointer leaves nothing behind.
  uint8_t* area = c.span(retptr, t.alloc_result_size, t.alloc_result_align);
  if (!area) {
    (void)h.pool().release(id);
    return;
  }
  area[0] = 0;
  uint32_t handle = c.lower_own(t.mutable_buffer_res, id.raw);
  std::memcpy(area + t.alloc_payload, &handle, 4);
}
// ... or the pool's error.
void refuse(Caller& c, const PoolFailure& e, uint32_t retptr) {
  const ContractTypes& t = host_of(c).types();
  if (c.store<uint8_t>(retptr, 1)) store_buffer_error(c, retptr + t.alloc_payload, t.buffer_error_payload, e);
}

void allocate(Caller& c, uint64_t capacity_hint, uint32_t retptr) {
  PoolFailure failure;
  {
    Result<BufferId> id = host_of(c).pool().allocate(owner_of(c), capacity_hint);
    if (id) [[likely]]
      return give(c, *id, retptr);
    failure = PoolFailure(id.error());
  }
  refuse(c, failure, retptr);
}

void clone_into_mutable(Caller& c, uint32_t source, uint32_t retptr) {
  StreamingHost& h = host_of(c);
  BufferId src;
  const resources::Buffer* b = buffer_of(c, source, h.types().buffer_res, "clone-into-mutable", src);
  if (!b) return;
  uint64_t n = b->size;
  BufferId copy;
  PoolFailure failure;
  {
    Result<BufferId> id = h.pool().allocate(owner_of(c), n);
    if (!id) {
      failure = PoolFailure(id.error());
    } else {
      copy = *id;
      b = h.pool().get(src);  // allocating may have moved the pool's records
      if (Status w = h.pool().write(copy, 0, b->data, n); !w) {
        (void)h.pool().release(copy);
        return c.fail(w.take_error());
      }
      (void)h.pool().set_content_type(copy, b->content_type);
      if (n) record_copy(c, CopyKind::HostToHost, n);
    }
  }
  if (copy.raw) give(c, copy, retptr);
  else refuse(c, failure, retptr);
}

}  // namespace

StreamingHost::StreamingHost(resources::BufferPool& pool, resources::CopyLedger& ledger) : pool_(pool), ledger_(ledger) {
  types_instance_ = make_types();
  allocator_instance_ = make_allocator();
}

void StreamingHost::define(component::Linker& linker) const {
  linker.define(types_instance_);
  linker.define(allocator_instance_);
}

std::shared_ptr<HostInstance> StreamingHost::make_types() {
  auto h = std::make_shared<HostInstance>("torvyn:streaming/types@0.1.0");
  // A frozen buffer's memory belongs to the `buffer` handle freeze() returned; dropping the
  // mutable handle afterwards releases nothing.
  uint32_t buffer = h->add_resource("buffer", [this](uint64_t rep) { (void)pool_.release(BufferId{rep}); });
  uint32_t mutable_buffer = h->add_resource("mutable-buffer", [this](uint64_t rep) {
    const resources::Buffer* b = pool_.get(BufferId{rep});
    if (b && !b->frozen) (void)pool_.release(BufferId{rep});
  });
  uint32_t flow_context = h->add_resource("flow-context", [](uint64_t) {});
  types_ = std::make_unique<ContractTypes>(buffer, mutable_buffer, flow_context);
  const ContractTypes& t = *types_;

  using namespace component::abi;
  auto method = [&](const std::string& name, std::vector<AbiTypePtr> params, std::vector<AbiTypePtr> results, DirectHostFunction fn) {
    AbiFuncType f;
    f.params = std::move(params);
    for (size_t i = 0; i < f.params.size(); ++i) f.param_names.push_back(i == 0 ? "self" : "arg" + std::to_string(i));
    f.results = std::move(results);
    h->add_direct_function(name, std::move(f), fn);
  };
  auto b_buf = borrow(buffer), b_mut = borrow(mutable_buffer), b_ctx = borrow(flow_context);
  auto unit_or_error = result(nullptr, t.buffer_error);
  method("[method]buffer.size", {b_buf}, {t.u64}, direct_function<&buffer_size>(this));
  method("[method]buffer.content-type", {b_buf}, {t.str}, direct_function<&buffer_content_type>(this));
  method("[method]buffer.read", {b_buf, t.u64, t.u64}, {t.bytes}, direct_function<&buffer_read>(this));
  method("[method]buffer.read-all", {b_buf}, {t.bytes}, direct_function<&buffer_read_all>(this));
  method("[method]mutable-buffer.write", {b_mut, t.u64, t.bytes}, {unit_or_error}, direct_function<&mutable_write>(this));
  method("[method]mutable-buffer.append", {b_mut, t.bytes}, {unit_or_error}, direct_function<&mutable_append>(this));
  method("[method]mutable-buffer.size", {b_mut}, {t.u64}, direct_function<&mutable_size>(this));
  method("[method]mutable-buffer.capacity", {b_mut}, {t.u64}, direct_function<&mutable_capacity>(this));
  method("[method]mutable-buffer.set-content-type", {b_mut, t.str}, {}, direct_function<&mutable_set_content_type>(this));
  method("[method]mutable-buffer.freeze", {b_mut}, {own(buffer)}, direct_function<&mutable_freeze>(this));
  method("[method]flow-context.trace-id", {b_ctx}, {t.str}, direct_function<&context_trace_id>(this));
  method("[method]flow-context.span-id", {b_ctx}, {t.str}, direct_function<&context_span_id>(this));
  method("[method]flow-context.flow-id", {b_ctx}, {t.str}, direct_function<&context_flow_id>(this));
  method("[method]flow-context.deadline-ns", {b_ctx}, {t.u64}, direct_function<&context_deadline_ns>(this));
  return h;
}

std::shared_ptr<HostInstance> StreamingHost::make_allocator() {
  auto h = std::make_shared<HostInstance>("torvyn:streaming/buffer-allocator@0.1.0");
  const ContractTypes& t = *types_;
  using namespace component::abi;
  h->add_direct_function("allocate", contract_function({"capacity-hint"}, {t.u64}, {t.alloc_result}), direct_function<&allocate>(this));
  h->add_direct_function("clone-into-mutable", contract_function({"source"}, {borrow(t.buffer_res)}, {t.alloc_result}),
                         direct_function<&clone_into_mutable>(this));
  return h;
}

}  // namespace torvyn::streaming
