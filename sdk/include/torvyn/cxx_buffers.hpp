// Torvyn guest SDK, C++ API — handles: BufferRef, Buffer, MutableBuffer, make_buffer, FlowContextRef.
// Part of <torvyn/torvyn.hpp>; include that, not this file.
#ifndef TORVYN_CXX_BUFFERS_HPP
#define TORVYN_CXX_BUFFERS_HPP

#include "cxx_results.hpp"

namespace torvyn {

// --------------------------------------------------------------------------------------------
// Handles
// --------------------------------------------------------------------------------------------

/// A payload's bytes to read, for the current call. When a batch brought them into guest memory
/// this is a view of them (no copy, no allocation); otherwise it holds one `read_all()`. Read-only:
/// to change the bytes, copy them (`Bytes(view)`) or use `read_all()`.
class PayloadView {
 public:
  explicit PayloadView(BytesView v) : p_(v.data()), n_(v.size()) {}
  explicit PayloadView(Bytes&& b) : owned_(static_cast<Bytes&&>(b)), p_(owned_.data()), n_(owned_.size()) {}
  // A moved Bytes keeps its block, so p_ stays valid in the moved-to view.
  PayloadView(PayloadView&&) = default;
  PayloadView& operator=(PayloadView&&) = default;
  const uint8_t* data() const { return p_; }
  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  const uint8_t* begin() const { return p_; }
  const uint8_t* end() const { return p_ + n_; }
  uint8_t operator[](size_t i) const { return p_[i]; }
  BytesView bytes() const { return BytesView(p_, n_); }
  operator BytesView() const { return bytes(); }  // NOLINT
  /// The bytes as text (no UTF-8 validation).
  StringView as_string() const { return bytes().as_string(); }

 private:
  Bytes owned_;
  const uint8_t* p_ = nullptr;
  size_t n_ = 0;
};

/// A borrowed `buffer` (an element's payload). Valid only during the current call; never dropped
/// by user code.
class BufferRef {
 public:
  constexpr BufferRef() = default;
  constexpr explicit BufferRef(int32_t h) : h_(h) {}
  bool valid() const { return h_ != TORVYN_INVALID_HANDLE; }
  int32_t handle() const { return h_; }
  torvyn_borrow_buffer_t c() const { return {h_}; }
  uint64_t size() const { return torvyn_buffer_size(c()); }
  String content_type() const { return String::adopt(torvyn_buffer_content_type(c())); }
  /// Up to `len` bytes from `offset` (short read past the end).
  Bytes read(uint64_t offset, uint64_t len) const { return Bytes::adopt(torvyn_buffer_read(c(), offset, len)); }
  Bytes read_all() const { return Bytes::adopt(torvyn_buffer_read_all(c())); }
  /// The bytes to read, without a copy when they are in guest memory already (see PayloadView).
  PayloadView view() const {
    const uint8_t* p;
    size_t n;
    if (torvyn_buffer_peek(c(), &p, &n)) return PayloadView(BytesView(p, n));
    return PayloadView(read_all());
  }

 private:
  int32_t h_ = TORVYN_INVALID_HANDLE;
};

/// An owned `buffer`. Dropped ([resource-drop]buffer) by the destructor unless moved into an
/// OutputElement that is returned to the host, or released.
class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(torvyn_buffer_t b) : h_(b.handle) {}
  Buffer(Buffer&& o) noexcept : h_(o.h_) { o.h_ = TORVYN_INVALID_HANDLE; }
  Buffer& operator=(Buffer&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = o.h_;
      o.h_ = TORVYN_INVALID_HANDLE;
    }
    return *this;
  }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  // The check is inline and the drop is not: most destructors run on moved-from handles (results,
  // options, output elements handed on), and the compiler then removes them entirely.
  ~Buffer() { reset(); }
  void reset() {
    if (h_ != TORVYN_INVALID_HANDLE) drop();
  }
  bool valid() const { return h_ != TORVYN_INVALID_HANDLE; }
  explicit operator bool() const { return valid(); }
  /// Lends the handle (for calls taking borrow<buffer>).
  BufferRef borrow() const { return BufferRef(h_); }
  uint64_t size() const { return borrow().size(); }
  String content_type() const { return borrow().content_type(); }
  Bytes read(uint64_t offset, uint64_t len) const { return borrow().read(offset, len); }
  Bytes read_all() const { return borrow().read_all(); }
  PayloadView view() const { return borrow().view(); }
  /// Gives up ownership without dropping.
  torvyn_buffer_t release() {
    torvyn_buffer_t b = {h_};
    h_ = TORVYN_INVALID_HANDLE;
    return b;
  }

 private:
  __attribute__((noinline)) void drop() {
    torvyn_buffer_drop({h_});
    h_ = TORVYN_INVALID_HANDLE;
  }
  int32_t h_ = TORVYN_INVALID_HANDLE;
};

/// An owned `mutable-buffer`. Dropped by the destructor (also after freeze()).
class MutableBuffer {
 public:
  MutableBuffer() = default;
  explicit MutableBuffer(torvyn_mutable_buffer_t b) : h_(b.handle) {}
  MutableBuffer(MutableBuffer&& o) noexcept : h_(o.h_) { o.h_ = TORVYN_INVALID_HANDLE; }
  MutableBuffer& operator=(MutableBuffer&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = o.h_;
      o.h_ = TORVYN_INVALID_HANDLE;
    }
    return *this;
  }
  MutableBuffer(const MutableBuffer&) = delete;
  MutableBuffer& operator=(const MutableBuffer&) = delete;
  ~MutableBuffer() { reset(); }

  /// `buffer-allocator.allocate` (worlds that import buffer-allocator).
  static Result<MutableBuffer, BufferError> allocate(uint64_t capacity_hint) {
    torvyn_mutable_buffer_t mb;
    torvyn_buffer_error_t err;
    if (!torvyn_allocate(capacity_hint, &mb, &err)) return BufferError::adopt(err);
    return MutableBuffer(mb);
  }
  /// `buffer-allocator.clone-into-mutable`.
  static Result<MutableBuffer, BufferError> clone(BufferRef source) {
    torvyn_mutable_buffer_t mb;
    torvyn_buffer_error_t err;
    if (!torvyn_clone_into_mutable(source.c(), &mb, &err)) return BufferError::adopt(err);
    return MutableBuffer(mb);
  }

  void reset() {  // inline check, out-of-line drop (as Buffer)
    if (h_ != TORVYN_INVALID_HANDLE) drop();
  }
  bool valid() const { return h_ != TORVYN_INVALID_HANDLE; }
  explicit operator bool() const { return valid(); }
  int32_t handle() const { return h_; }
  Result<void, BufferError> write(uint64_t offset, BytesView bytes) {
    torvyn_buffer_error_t err;
    if (!torvyn_mutable_buffer_write(b(), offset, bytes.data(), bytes.size(), &err)) return BufferError::adopt(err);
    return {};
  }
  Result<void, BufferError> append(BytesView bytes) {
    torvyn_buffer_error_t err;
    if (!torvyn_mutable_buffer_append(b(), bytes.data(), bytes.size(), &err)) return BufferError::adopt(err);
    return {};
  }
  uint64_t size() const { return torvyn_mutable_buffer_size(b()); }
  uint64_t capacity() const { return torvyn_mutable_buffer_capacity(b()); }
  void set_content_type(StringView ct) { torvyn_mutable_buffer_set_content_type(b(), ct.data(), ct.size()); }
  /// A new owned, immutable Buffer with the content; this handle stays owned (and is dropped by
  /// the destructor).
  Buffer freeze() { return Buffer(torvyn_mutable_buffer_freeze(b())); }
  torvyn_mutable_buffer_t release() {
    torvyn_mutable_buffer_t r = {h_};
    h_ = TORVYN_INVALID_HANDLE;
    return r;
  }

 private:
  torvyn_borrow_mutable_buffer_t b() const { return {h_}; }
  __attribute__((noinline)) void drop() {
    torvyn_mutable_buffer_drop({h_});
    h_ = TORVYN_INVALID_HANDLE;
  }
  int32_t h_ = TORVYN_INVALID_HANDLE;
};

/// Allocates a buffer holding `bytes` (content type `content_type`) and freezes it: allocate,
/// append (skipped when empty), set-content-type (skipped when empty: the default), freeze and
/// the drop of the mutable handle — through the C layer, with no wrapper objects in between.
inline Result<Buffer, BufferError> make_buffer(BytesView bytes, StringView content_type = StringView()) {
  torvyn_buffer_t out;
  torvyn_buffer_error_t err;
  if (!torvyn_make_buffer(bytes.data(), bytes.size(), content_type.data(), content_type.size(), &out, &err))
    return BufferError::adopt(err);
  return Buffer(out);
}

/// Makes a buffer of exactly `size` bytes in place: `fill(uint8_t* bytes, size_t size)` writes
/// them. What make_buffer does without a block of your own and its copy: in a batch the bytes are
/// written straight into the output batch; per element into a scratch block copied to the host.
/// `fill` must not make or allocate another buffer (the SDK traps: in a batch that would stage over
/// these bytes or move them). A transform that changes every byte:
///
///     PayloadView in_bytes = in.payload.view();
///     auto out = build_buffer(in_bytes.size(), in.meta.content_type, [&](uint8_t* p, size_t n) {
///       for (size_t i = 0; i < n; ++i) p[i] = upper(in_bytes[i]);
///     });
template <class Fill>
Result<Buffer, BufferError> build_buffer(size_t size, StringView content_type, Fill&& fill) {
  uint8_t* bytes;
  torvyn_buffer_error_t err;
  if (!torvyn_start_buffer(size, &bytes, &err)) return BufferError::adopt(err);
  fill(bytes, size);
  torvyn_buffer_t out;
  if (!torvyn_finish_buffer(content_type.data(), content_type.size(), &out, &err)) return BufferError::adopt(err);
  return Buffer(out);
}

/// `torvyn:capabilities/capability-query.has-capability` (needs a world importing it).
inline bool has_capability(StringView name) { return torvyn_has_capability(name.data(), name.size()); }

/// A borrowed `flow-context`. Valid only during the current call.
class FlowContextRef {
 public:
  constexpr FlowContextRef() = default;
  constexpr explicit FlowContextRef(int32_t h) : h_(h) {}
  int32_t handle() const { return h_; }
  torvyn_borrow_flow_context_t c() const { return {h_}; }
  String trace_id() const { return String::adopt(torvyn_flow_context_trace_id(c())); }
  String span_id() const { return String::adopt(torvyn_flow_context_span_id(c())); }
  uint64_t deadline_ns() const { return torvyn_flow_context_deadline_ns(c()); }
  String flow_id() const { return String::adopt(torvyn_flow_context_flow_id(c())); }

 private:
  int32_t h_ = TORVYN_INVALID_HANDLE;
};

}  // namespace torvyn

#endif  // TORVYN_CXX_BUFFERS_HPP
