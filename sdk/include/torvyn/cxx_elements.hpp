// Torvyn guest SDK, C++ API — elements: ElementMeta, StreamElement, OutputElement, ProcessResult.
// Part of <torvyn/torvyn.hpp>; include that, not this file.
#ifndef TORVYN_CXX_ELEMENTS_HPP
#define TORVYN_CXX_ELEMENTS_HPP

#include "cxx_buffers.hpp"

namespace torvyn {

// --------------------------------------------------------------------------------------------
// Elements
// --------------------------------------------------------------------------------------------

/// element-meta of an input element (views into call-scoped memory).
struct ElementMetaRef {
  uint64_t sequence = 0;
  uint64_t timestamp_ns = 0;
  StringView content_type;
};

/// An element's content type (owned). The few distinct types a component meets are interned
/// (torvyn_intern): copying one, as `{in.meta, buffer}` does for every element, allocates and frees
/// nothing. Reads like a StringView.
class ContentType {
 public:
  ContentType() = default;
  ContentType(StringView s) { set(s); }                        // NOLINT
  ContentType(const char* s) : ContentType(StringView(s)) {}  // NOLINT
  ContentType(const String& s) : ContentType(s.view()) {}     // NOLINT
  ContentType(const ContentType& o) { set(o.view()); }
  ContentType(ContentType&& o) noexcept : p_(o.p_), n_(o.n_) { o.p_ = nullptr, o.n_ = 0; }
  ContentType& operator=(const ContentType& o) {
    if (this != &o) reset(), set(o.view());
    return *this;
  }
  ContentType& operator=(ContentType&& o) noexcept {
    if (this != &o) reset(), p_ = o.p_, n_ = o.n_, o.p_ = nullptr, o.n_ = 0;
    return *this;
  }
  ~ContentType() { reset(); }

  StringView view() const { return StringView(p_, n_); }
  operator StringView() const { return view(); }  // NOLINT
  const char* data() const { return p_; }
  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  bool operator==(StringView o) const { return view() == o; }
  bool operator!=(StringView o) const { return view() != o; }
  bool starts_with(StringView o) const { return view().starts_with(o); }
  /// For a Canonical ABI result: the SDK frees it after the host has read it (an interned one is
  /// never freed).
  torvyn_string_t release() {
    torvyn_string_t s = {p_, n_};
    p_ = nullptr, n_ = 0;
    return s;
  }

 private:
  void set(StringView s) {
    torvyn_string_t t = torvyn_intern(s.data(), s.size());
    if (!t.ptr && s.size()) t = torvyn_string_dup_n(s.data(), s.size());  // the arena is full
    p_ = t.ptr, n_ = t.len;
  }
  void reset() {
    if (n_ && !torvyn__is_interned(p_)) torvyn_free(p_);  // (checked inline: most types are interned)
    p_ = nullptr, n_ = 0;
  }
  char* p_ = nullptr;
  size_t n_ = 0;
};

/// `record element-meta` (owned).
struct ElementMeta {
  uint64_t sequence = 0;
  uint64_t timestamp_ns = 0;
  ContentType content_type;

  ElementMeta() = default;
  ElementMeta(uint64_t seq, uint64_t ts, StringView ct) : sequence(seq), timestamp_ns(ts), content_type(ct) {}
  ElementMeta(const ElementMetaRef& m)  // NOLINT: copying an input's meta is the common case
      : sequence(m.sequence), timestamp_ns(m.timestamp_ns), content_type(m.content_type) {}
};

/// `record stream-element`: what process/push/evaluate/route/ingest receive. Borrowed: valid
/// only during the call.
struct StreamElement {
  ElementMetaRef meta;
  BufferRef payload;
  FlowContextRef context;

  static StreamElement lift(const torvyn_stream_element_t* in) {
    StreamElement e;
    e.meta.sequence = in->meta.sequence;
    e.meta.timestamp_ns = in->meta.timestamp_ns;
    e.meta.content_type = StringView(in->meta.content_type);
    e.payload = BufferRef(in->payload.handle);
    e.context = FlowContextRef(in->context.handle);
    return e;
  }
};

/// `record output-element`: the payload Buffer moves to the host when returned.
struct OutputElement {
  ElementMeta meta;
  Buffer payload;

  OutputElement() = default;
  OutputElement(ElementMeta m, Buffer b) : meta(torvyn::move(m)), payload(torvyn::move(b)) {}

  torvyn_output_element_t release() {
    torvyn_output_element_t o;
    o.meta.sequence = meta.sequence;
    o.meta.timestamp_ns = meta.timestamp_ns;
    o.meta.content_type = meta.content_type.release();
    o.payload = payload.release();
    return o;
  }
};

/// `enum backpressure-signal`.
enum class BackpressureSignal : uint8_t { Ready = 0, Pause = 1 };

/// result<process-result, process-error>: emit(element) | drop | error.
class [[nodiscard]] ProcessResult {
 public:
  static ProcessResult emit(OutputElement out) {
    ProcessResult r;
    r.tag_ = Tag::Emit;
    r.out_ = torvyn::move(out);
    return r;
  }
  static ProcessResult drop() {
    ProcessResult r;
    r.tag_ = Tag::Drop;
    return r;
  }
  ProcessResult(ProcessError e) : tag_(Tag::Error), err_(torvyn::move(e)) {}  // NOLINT
  ProcessResult(ProcessResult&&) noexcept = default;
  bool is_emit() const { return tag_ == Tag::Emit; }
  bool is_drop() const { return tag_ == Tag::Drop; }
  bool is_error() const { return tag_ == Tag::Error; }
  OutputElement& output() { return out_; }
  ProcessError& error() { return err_; }

 private:
  enum class Tag : uint8_t { Emit, Drop, Error };
  ProcessResult() = default;
  Tag tag_ = Tag::Drop;
  OutputElement out_;
  ProcessError err_;
};

}  // namespace torvyn

#endif  // TORVYN_CXX_ELEMENTS_HPP
