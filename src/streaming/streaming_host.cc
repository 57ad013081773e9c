#include "torvyn/streaming/streaming_host.h"

#include <chrono>
#include <cstring>

namespace torvyn::streaming {

using component::GuestAbi;
using component::HostInstance;
using resources::BufferId;
using resources::CopyKind;
using wasm::Slot;

namespace {

uint32_t u32(Slot s) { return static_cast<uint32_t>(s); }

resources::OwnerId owner_of(GuestAbi& abi) {
  auto* acct = static_cast<InstanceAccount*>(abi.instance().host_data());
  return acct ? acct->owner : resources::kHostOwner;
}

Error stale(const char* what) {
  return Error(ErrorCode::ResourceHandleError, std::string(what) + ": the buffer behind this handle no longer exists");
}

// Writes a (ptr, len) pair — a string or list result — into the guest's return area at `at`.
Status store_ptr_len(GuestAbi& abi, uint32_t at, uint32_t ptr, uint32_t len) {
  uint8_t* area = abi.try_span(at, 8, 4);
  if (!area) return abi.span(at, 8, 4).take_error();
  std::memcpy(area, &ptr, 4);
  std::memcpy(area + 4, &len, 4);
  return {};
}

// Writes a string result (ptr, len) at `at`.
Status store_string(GuestAbi& abi, uint32_t at, std::string_view s) {
  auto p = abi.lower_bytes(s.data(), s.size());
  if (!p) return p.take_error();
  return store_ptr_len(abi, at, *p, static_cast<uint32_t>(s.size()));
}

// buffer-error for a pool error: capacity-exceeded and out-of-bounds map to their cases, anything
// else (frozen, exhausted, over budget) is allocation-failed with the reason.
Status store_buffer_error(GuestAbi& abi, uint32_t at, uint32_t string_offset, const Error& e) {
  uint8_t kase = 2;
  if (e.code == ErrorCode::BufferCapacityExceeded) kase = 0;
  if (e.code == ErrorCode::BufferOutOfBounds) kase = 1;
  if (auto st = abi.store<uint8_t>(at, kase); !st) return st;
  if (kase != 2) return {};
  return store_string(abi, at + string_offset, e.message);
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
  auto method = [&](const std::string& name, std::vector<AbiTypePtr> params, std::vector<AbiTypePtr> results,
                    component::FastHostFunction fn) {
    AbiFuncType f;
    f.params = std::move(params);
    for (size_t i = 0; i < f.params.size(); ++i) f.param_names.push_back(i == 0 ? "self" : "arg" + std::to_string(i));
    f.results = std::move(results);
    h->add_fast_function(name, std::move(f), std::move(fn));
  };
  auto b_buf = borrow(buffer), b_mut = borrow(mutable_buffer), b_ctx = borrow(flow_context);
  auto unit_or_error = result(nullptr, t.buffer_error);
  const uint32_t err_at = payload_offset(*unit_or_error), err_str = t.buffer_error_payload;

  // ---- buffer (immutable; lent to components as borrow<buffer>) ----
  method("[method]buffer.size", {b_buf}, {t.u64}, [this, buffer](GuestAbi& abi, Slot* s) -> Status {
    auto rep = abi.lift_borrow(u32(s[0]), buffer);
    if (!rep) return rep.take_error();
    const resources::Buffer* b = pool_.get(BufferId{*rep});
    if (!b) return stale("buffer.size");
    s[0] = b->size;
    return {};
  });
  method("[method]buffer.content-type", {b_buf}, {t.str}, [this, buffer](GuestAbi& abi, Slot* s) -> Status {
    auto rep = abi.lift_borrow(u32(s[0]), buffer);
    if (!rep) return rep.take_error();
    const resources::Buffer* b = pool_.get(BufferId{*rep});
    if (!b) return stale("buffer.content-type");
    std::string ct = b->content_type;  // realloc runs guest code: do not hold `b` across it
    return store_string(abi, u32(s[1]), ct);
  });
  // read and read-all copy payload bytes into the guest: one HostToGuest copy each.
  auto read_into_guest = [this](GuestAbi& abi, BufferId id, uint64_t offset, uint64_t len, uint32_t retptr) -> Status {
    const resources::Buffer* b = pool_.get(id);
    if (!b) return stale("buffer.read");
    uint64_t n = offset >= b->size ? 0 : std::min(len, b->size - offset);
    bool short_read = false;
    auto p = abi.lower_bytes(n, [&](uint8_t* dst) {
      auto got = pool_.read(id, offset, dst, n);
      short_read = !got || *got != n;
    });
    if (!p) return p.take_error();
    if (short_read) return stale("buffer.read");
    if (n) ledger_.record(owner_of(abi), CopyKind::HostToGuest, n);
    return store_ptr_len(abi, retptr, *p, static_cast<uint32_t>(n));
  };
  method("[method]buffer.read", {b_buf, t.u64, t.u64}, {t.bytes}, [read_into_guest, buffer](GuestAbi& abi, Slot* s) -> Status {
    auto rep = abi.lift_borrow(u32(s[0]), buffer);
    if (!rep) return rep.take_error();
    return read_into_guest(abi, BufferId{*rep}, s[1], s[2], u32(s[3]));
  });
  method("[method]buffer.read-all", {b_buf}, {t.bytes}, [read_into_guest, buffer](GuestAbi& abi, Slot* s) -> Status {
    auto rep = abi.lift_borrow(u32(s[0]), buffer);
    if (!rep) return rep.take_error();
    return read_into_guest(abi, BufferId{*rep}, 0, UINT64_MAX, u32(s[1]));
  });

  // ---- mutable-buffer (owned by the component that allocated it) ----
  // write and append copy payload bytes out of the guest: one GuestToHost copy each.
  // (The pool reports a buffer that no longer exists as BufferStale: no lookup of our own first.)
  auto write_from_guest = [this, err_at, err_str](GuestAbi& abi, BufferId id, bool append, uint64_t offset, uint32_t ptr, uint32_t len,
                                                  uint32_t retptr) -> Status {
    auto src = abi.bytes(ptr, len);
    if (!src) return src.take_error();
    Status w = append ? pool_.append(id, *src, len) : pool_.write(id, offset, *src, len);
    if (!w) {
      if (w.error().code == ErrorCode::BufferStale) return stale("mutable-buffer.write");
      if (auto st = abi.store<uint8_t>(retptr, 1); !st) return st;
      return store_buffer_error(abi, retptr + err_at, err_str, w.error());
    }
    if (len) ledger_.record(owner_of(abi), CopyKind::GuestToHost, len);
    return abi.store<uint8_t>(retptr, 0);
  };
  method("[method]mutable-buffer.write", {b_mut, t.u64, t.bytes}, {unit_or_error},
         [write_from_guest, mutable_buffer](GuestAbi& abi, Slot* s) -> Status {
           auto rep = abi.lift_borrow(u32(s[0]), mutable_buffer);
           if (!rep) return rep.take_error();
           return write_from_guest(abi, BufferId{*rep}, false, s[1], u32(s[2]), u32(s[3]), u32(s[4]));
         });
  method("[method]mutable-buffer.append", {b_mut, t.bytes}, {unit_or_error},
         [write_from_guest, mutable_buffer](GuestAbi& abi, Slot* s) -> Status {
           auto rep = abi.lift_borrow(u32(s[0]), mutable_buffer);
           if (!rep) return rep.take_error();
           return write_from_guest(abi, BufferId{*rep}, true, 0, u32(s[1]), u32(s[2]), u32(s[3]));
         });
  method("[method]mutable-buffer.size", {b_mut}, {t.u64}, [this, mutable_buffer](GuestAbi& abi, Slot* s) -> Status {
    auto rep = abi.lift_borrow(u32(s[0]), mutable_buffer);
    if (!rep) return rep.take_error();
    const resources::Buffer* b = pool_.get(BufferId{*rep});
    if (!b) return stale("mutable-buffer.size");
    s[0] = b->size;
    return {};
  });
  method("[method]mutable-buffer.capacity", {b_mut}, {t.u64}, [this, mutable_buffer](GuestAbi& abi, Slot* s) -> Status {
    auto rep = abi.lift_borrow(u32(s[0]), mutable_buffer);
    if (!rep) return rep.take_error();
    const resources::Buffer* b = pool_.get(BufferId{*rep});
    if (!b) return stale("mutable-buffer.capacity");
    // Writes past the block grow the buffer (up to the 16 MiB cap), so that is what a component
    // may rely on; the block size is an implementation detail.
    s[0] = resources::kMaxBufferBytes;
    return {};
  });
  method("[method]mutable-buffer.set-content-type", {b_mut, t.str}, {}, [this, mutable_buffer](GuestAbi& abi, Slot* s) -> Status {
    auto rep = abi.lift_borrow(u32(s[0]), mutable_buffer);
    if (!rep) return rep.take_error();
    uint32_t len = u32(s[2]);
    if (len > kMaxContentTypeBytes) return content_type_too_long(len);
    auto text = abi.bytes(u32(s[1]), len);
    if (!text) return text.take_error();
    Status st = pool_.set_content_type(BufferId{*rep}, std::string_view(reinterpret_cast<const char*>(*text), len));
    if (!st && st.error().code == ErrorCode::BufferStale) return stale("mutable-buffer.set-content-type");
    return {};  // frozen: ignored, like every other change to a frozen buffer's metadata
  });
  method("[method]mutable-buffer.freeze", {b_mut}, {own(buffer)}, [this, mutable_buffer, buffer](GuestAbi& abi, Slot* s) -> Status {
    auto rep = abi.lift_borrow(u32(s[0]), mutable_buffer);
    if (!rep) return rep.take_error();
    const resources::Buffer* b = pool_.get(BufferId{*rep});
    if (!b) return stale("mutable-buffer.freeze");
    if (b->frozen)
      return Error(ErrorCode::ResourceHandleError, "mutable-buffer.freeze: this buffer was already frozen (freeze it once and pass the buffer on)");
    if (auto st = pool_.freeze(BufferId{*rep}); !st) return st;
    auto h = abi.lower_own(buffer, *rep);
    if (!h) return h.take_error();
    s[0] = *h;
    return {};
  });

  // ---- flow-context (one per flow, lent to every call) ----
  auto id_string = [this, flow_context](bool trace) {
    return [this, flow_context, trace](GuestAbi& abi, Slot* s) -> Status {
      auto rep = abi.lift_borrow(u32(s[0]), flow_context);
      if (!rep) return rep.take_error();
      char hex[32];
      size_t n = 0;
      if (trace && context_.trace_id.valid()) observability::write_hex(context_.trace_id, hex), n = 32;
      if (!trace && context_.span_id.valid()) observability::write_hex(context_.span_id, hex), n = 16;
      return store_string(abi, u32(s[1]), std::string_view(hex, n));
    };
  };
  method("[method]flow-context.trace-id", {b_ctx}, {t.str}, id_string(true));
  method("[method]flow-context.span-id", {b_ctx}, {t.str}, id_string(false));
  method("[method]flow-context.flow-id", {b_ctx}, {t.str}, [this, flow_context](GuestAbi& abi, Slot* s) -> Status {
    auto rep = abi.lift_borrow(u32(s[0]), flow_context);
    if (!rep) return rep.take_error();
    return store_string(abi, u32(s[1]), context_.flow_id);
  });
  method("[method]flow-context.deadline-ns", {b_ctx}, {t.u64}, [this, flow_context](GuestAbi& abi, Slot* s) -> Status {
    auto rep = abi.lift_borrow(u32(s[0]), flow_context);
    if (!rep) return rep.take_error();
    s[0] = 0;
    if (context_.deadline_ns) {
      uint64_t now = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                               std::chrono::steady_clock::now().time_since_epoch())
                                               .count());
      s[0] = context_.deadline_ns > now ? context_.deadline_ns - now : 1;  // 1: expired, but 0 would mean "none"
    }
    return {};
  });
  return h;
}

std::shared_ptr<HostInstance> StreamingHost::make_allocator() {
  auto h = std::make_shared<HostInstance>("torvyn:streaming/buffer-allocator@0.1.0");
  const ContractTypes& t = *types_;
  using namespace component::abi;
  auto alloc_result = result(own(t.mutable_buffer_res), t.buffer_error);
  const uint32_t at = payload_offset(*alloc_result), err_str = t.buffer_error_payload;
  uint32_t mutable_buffer = t.mutable_buffer_res, buffer = t.buffer_res;

  const uint32_t area_size = alloc_result->size, area_align = alloc_result->align;
  auto give = [this, at, err_str, mutable_buffer, area_size, area_align](GuestAbi& abi, Result<BufferId> id, uint32_t retptr) -> Status {
    if (!id) {
      if (auto st = abi.store<uint8_t>(retptr, 1); !st) return st;
      return store_buffer_error(abi, retptr + at, err_str, id.error());
    }
    // The whole return area must be valid (CanonicalABI.md lower_flat_values); checked before the
    // handle exists, so a bad pointer leaves nothing behind.
    uint8_t* area = abi.try_span(retptr, area_size, area_align);
    if (!area) {
      (void)pool_.release(*id);
      return abi.span(retptr, area_size, area_align).take_error();
    }
    auto h = abi.lower_own(mutable_buffer, id->raw);
    if (!h) {
      (void)pool_.release(*id);
      return h.take_error();
    }
    area[0] = 0;
    uint32_t handle = *h;
    std::memcpy(area + at, &handle, 4);
    return {};
  };

  AbiFuncType allocate;
  allocate.param_names = {"capacity-hint"};
  allocate.params = {t.u64};
  allocate.results = {alloc_result};
  h->add_fast_function("allocate", allocate, [this, give](GuestAbi& abi, Slot* s) -> Status {
    return give(abi, pool_.allocate(owner_of(abi), s[0]), u32(s[1]));
  });

  AbiFuncType clone;
  clone.param_names = {"source"};
  clone.params = {borrow(buffer)};
  clone.results = {alloc_result};
  h->add_fast_function("clone-into-mutable", clone, [this, give, buffer](GuestAbi& abi, Slot* s) -> Status {
    auto rep = abi.lift_borrow(u32(s[0]), buffer);
    if (!rep) return rep.take_error();
    BufferId src{*rep};
    const resources::Buffer* b = pool_.get(src);
    if (!b) return stale("clone-into-mutable");
    uint64_t n = b->size;
    std::string ct = b->content_type;
    auto id = pool_.allocate(owner_of(abi), n);
    if (id) {
      // Allocating touched only the new buffer: `b` is still the source.
      if (auto w = pool_.write(*id, 0, b->data, n); !w) {
        (void)pool_.release(*id);
        return w;
      }
      (void)pool_.set_content_type(*id, ct);
      if (n) ledger_.record(owner_of(abi), CopyKind::HostToHost, n);
    }
    return give(abi, std::move(id), u32(s[1]));
  });
  return h;
}

}  // namespace torvyn::streaming
