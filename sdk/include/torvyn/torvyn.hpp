// Torvyn guest SDK — C++ API.
//
// Thin RAII wrappers over the C layer (torvyn/torvyn.h) plus export macros. Works without a C++
// standard library (WASI-free guests are freestanding), so it brings its own small owning
// String/Bytes/Vec types backed by the SDK allocator. Build with -fno-exceptions -fno-rtti.
//
//   #include <torvyn/torvyn.hpp>
//   torvyn::ProcessResult my_process(const torvyn::StreamElement& in) { ... }
//   TORVYN_PROCESSOR(my_process)
//
// Ownership, in one place:
//   * StreamElement (the input of process/push/evaluate/route/ingest) holds BORROWED handles
//     (BufferRef, FlowContextRef) and a view of the content type. They are valid only during the
//     call; the SDK ends the borrows when your function returns (the Canonical ABI traps a callee
//     that returns while still holding a borrow). Never keep them.
//   * Buffer and MutableBuffer OWN a handle: the destructor drops it ([resource-drop]...).
//     Putting a Buffer in an OutputElement you return hands it to the host instead.
//   * MutableBuffer::freeze() returns a new owned Buffer; the MutableBuffer is still dropped by
//     its own destructor (the host marks it frozen).
//   * String/Bytes/Vec own guest memory; results are freed when the same export is entered again.
#ifndef TORVYN_TORVYN_HPP
#define TORVYN_TORVYN_HPP

#if !defined(__cplusplus) || __cplusplus < 201703L
#error "torvyn/torvyn.hpp needs C++17 or later"
#endif

#include "torvyn.h"

namespace torvyn::detail {
struct Placement {};
}  // namespace torvyn::detail
// A placement form of our own, so the SDK needs no <new> (and never clashes with it).
inline void* operator new(decltype(sizeof(0)), void* p, torvyn::detail::Placement) noexcept { return p; }
inline void operator delete(void*, void*, torvyn::detail::Placement) noexcept {}

// Runtime support the compiler may reference when no C++ runtime library is linked.
// Weak: a real libc++abi, if linked, wins.
__attribute__((weak)) void* operator new(decltype(sizeof(0)) n) { return torvyn_malloc(n ? n : 1); }
__attribute__((weak)) void* operator new[](decltype(sizeof(0)) n) { return torvyn_malloc(n ? n : 1); }
__attribute__((weak)) void operator delete(void* p) noexcept { torvyn_free(p); }
__attribute__((weak)) void operator delete[](void* p) noexcept { torvyn_free(p); }
__attribute__((weak)) void operator delete(void* p, decltype(sizeof(0))) noexcept { torvyn_free(p); }
__attribute__((weak)) void operator delete[](void* p, decltype(sizeof(0))) noexcept { torvyn_free(p); }
extern "C" {
__attribute__((weak)) void __cxa_pure_virtual() { __builtin_trap(); }
#if !defined(__wasi__)
// Static destructors never run in a component instance: registering them is a no-op.
__attribute__((weak)) int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }
#endif
}

namespace torvyn {

using size_t = decltype(sizeof(0));

// --------------------------------------------------------------------------------------------
// Utilities (no standard library)
// --------------------------------------------------------------------------------------------
namespace detail {
template <class T> struct remove_ref { using type = T; };
template <class T> struct remove_ref<T&> { using type = T; };
template <class T> struct remove_ref<T&&> { using type = T; };
template <class T> struct remove_cv { using type = T; };
template <class T> struct remove_cv<const T> { using type = T; };
template <class T> struct remove_cv<volatile T> { using type = T; };
template <class T> struct remove_cv<const volatile T> { using type = T; };
template <class T> using remove_cvref_t = typename remove_cv<typename remove_ref<T>::type>::type;
template <class A, class B> inline constexpr bool is_same_v = __is_same(A, B);
template <bool B, class T = void> struct enable_if {};
template <class T> struct enable_if<true, T> { using type = T; };
template <bool B, class T = void> using enable_if_t = typename enable_if<B, T>::type;
}  // namespace detail

template <class T> constexpr typename detail::remove_ref<T>::type&& move(T&& t) noexcept {
  return static_cast<typename detail::remove_ref<T>::type&&>(t);
}
template <class T> constexpr T&& forward(typename detail::remove_ref<T>::type& t) noexcept {
  return static_cast<T&&>(t);
}

/// Non-owning view of UTF-8 text.
class StringView {
 public:
  constexpr StringView() = default;
  constexpr StringView(const char* p, size_t n) : p_(p), n_(n) {}
  __attribute__((always_inline)) StringView(const char* cstr) : p_(cstr), n_(cstr ? torvyn_strlen(cstr) : 0) {}  // NOLINT
  constexpr StringView(torvyn_string_t s) : p_(s.ptr), n_(s.len) {}                    // NOLINT
  constexpr const char* data() const { return p_; }
  constexpr size_t size() const { return n_; }
  constexpr bool empty() const { return n_ == 0; }
  constexpr const char* begin() const { return p_; }
  constexpr const char* end() const { return p_ + n_; }
  constexpr char operator[](size_t i) const { return p_[i]; }
  bool operator==(StringView o) const { return n_ == o.n_ && (n_ == 0 || __builtin_memcmp(p_, o.p_, n_) == 0); }
  bool operator!=(StringView o) const { return !(*this == o); }
  bool starts_with(StringView o) const { return o.n_ <= n_ && StringView(p_, o.n_) == o; }
  bool ends_with(StringView o) const { return o.n_ <= n_ && StringView(p_ + n_ - o.n_, o.n_) == o; }
  /// Index of the first occurrence of `o`, or size() when absent.
  size_t find(StringView o) const {
    if (o.n_ == 0) return 0;
    for (size_t i = 0; i + o.n_ <= n_; ++i)
      if (__builtin_memcmp(p_ + i, o.p_, o.n_) == 0) return i;
    return n_;
  }
  bool contains(StringView o) const { return o.n_ == 0 || find(o) < n_; }

 private:
  const char* p_ = nullptr;
  size_t n_ = 0;
};

/// Non-owning view of bytes.
class BytesView {
 public:
  constexpr BytesView() = default;
  constexpr BytesView(const void* p, size_t n) : p_(static_cast<const uint8_t*>(p)), n_(n) {}
  BytesView(StringView s) : p_(reinterpret_cast<const uint8_t*>(s.data())), n_(s.size()) {}  // NOLINT
  BytesView(const char* cstr) : BytesView(StringView(cstr)) {}                                          // NOLINT
  constexpr const uint8_t* data() const { return p_; }
  constexpr size_t size() const { return n_; }
  constexpr bool empty() const { return n_ == 0; }
  constexpr const uint8_t* begin() const { return p_; }
  constexpr const uint8_t* end() const { return p_ + n_; }
  constexpr uint8_t operator[](size_t i) const { return p_[i]; }
  /// The bytes as text (no UTF-8 validation).
  StringView as_string() const { return StringView(reinterpret_cast<const char*>(p_), n_); }

 private:
  const uint8_t* p_ = nullptr;
  size_t n_ = 0;
};

namespace detail {
// Owned (ptr, len) storage in SDK memory; len 0 never allocates (Canonical ABI: zero-length
// strings/lists may use a dummy pointer and are never freed).
template <class Ch> class OwnedSpan {
 public:
  OwnedSpan() = default;
  OwnedSpan(const void* p, size_t n) { assign(p, n); }
  OwnedSpan(const OwnedSpan& o) { assign(o.p_, o.n_); }
  OwnedSpan(OwnedSpan&& o) noexcept : p_(o.p_), n_(o.n_) {
    o.p_ = nullptr;
    o.n_ = 0;
  }
  OwnedSpan& operator=(const OwnedSpan& o) {
    if (this != &o) {
      reset();
      assign(o.p_, o.n_);
    }
    return *this;
  }
  OwnedSpan& operator=(OwnedSpan&& o) noexcept {
    if (this != &o) {
      reset();
      p_ = o.p_;
      n_ = o.n_;
      o.p_ = nullptr;
      o.n_ = 0;
    }
    return *this;
  }
  ~OwnedSpan() { reset(); }
  void reset() {
    if (n_) torvyn_free(p_);
    p_ = nullptr;
    n_ = 0;
  }
  Ch* data() { return p_; }
  const Ch* data() const { return p_; }
  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  Ch* begin() { return p_; }
  Ch* end() { return p_ + n_; }
  const Ch* begin() const { return p_; }
  const Ch* end() const { return p_ + n_; }
  Ch& operator[](size_t i) { return p_[i]; }
  const Ch& operator[](size_t i) const { return p_[i]; }
  void append(const void* p, size_t n) {
    if (n == 0) return;
    Ch* q = static_cast<Ch*>(n_ ? torvyn_realloc(p_, n_ + n) : torvyn_malloc(n));
    __builtin_memcpy(q + n_, p, n);
    p_ = q;
    n_ += n;
  }
  void push_back(Ch c) { append(&c, 1); }

 protected:
  void adopt(Ch* p, size_t n) {
    reset();
    p_ = n ? p : nullptr;
    n_ = n;
  }
  void give(Ch** p, size_t* n) {
    *p = p_;
    *n = n_;
    p_ = nullptr;
    n_ = 0;
  }

 private:
  void assign(const void* p, size_t n) {
    if (n == 0) return;
    p_ = static_cast<Ch*>(torvyn_malloc(n));
    __builtin_memcpy(p_, p, n);
    n_ = n;
  }
  Ch* p_ = nullptr;
  size_t n_ = 0;
};
}  // namespace detail

/// Owned UTF-8 text (not NUL-terminated).
class String : public detail::OwnedSpan<char> {
 public:
  String() = default;
  String(StringView s) : OwnedSpan(s.data(), s.size()) {}                    // NOLINT
  String(const char* cstr) : String(StringView(cstr)) {}                     // NOLINT
  StringView view() const { return StringView(data(), size()); }
  operator StringView() const { return view(); }                             // NOLINT
  operator BytesView() const { return BytesView(data(), size()); }          // NOLINT
  bool operator==(StringView o) const { return view() == o; }
  bool operator!=(StringView o) const { return view() != o; }
  String& operator+=(StringView s) {
    append(s.data(), s.size());
    return *this;
  }
  /// Takes ownership of a string allocated in guest memory (e.g. returned by an import).
  static String adopt(torvyn_string_t s) {
    String r;
    r.OwnedSpan::adopt(s.ptr, s.len);
    return r;
  }
  /// Gives up ownership (for a Canonical ABI result; the SDK frees it at the export's next call).
  torvyn_string_t release() {
    torvyn_string_t s;
    give(&s.ptr, &s.len);
    return s;
  }
};

/// Owned bytes.
class Bytes : public detail::OwnedSpan<uint8_t> {
 public:
  Bytes() = default;
  Bytes(BytesView b) : OwnedSpan(b.data(), b.size()) {}                       // NOLINT
  BytesView view() const { return BytesView(data(), size()); }
  operator BytesView() const { return view(); }                              // NOLINT
  StringView as_string() const { return view().as_string(); }
  Bytes& operator+=(BytesView b) {
    append(b.data(), b.size());
    return *this;
  }
  static Bytes adopt(torvyn_list_u8_t l) {
    Bytes r;
    r.OwnedSpan::adopt(l.ptr, l.len);
    return r;
  }
  torvyn_list_u8_t release() {
    torvyn_list_u8_t l;
    give(&l.ptr, &l.len);
    return l;
  }
};

/// A growable array in SDK memory (move-only elements are fine).
template <class T> class Vec {
 public:
  Vec() = default;
  Vec(const Vec&) = delete;
  Vec& operator=(const Vec&) = delete;
  Vec(Vec&& o) noexcept : p_(o.p_), n_(o.n_), cap_(o.cap_) {
    o.p_ = nullptr;
    o.n_ = o.cap_ = 0;
  }
  Vec& operator=(Vec&& o) noexcept {
    if (this != &o) {
      clear_storage();
      p_ = o.p_;
      n_ = o.n_;
      cap_ = o.cap_;
      o.p_ = nullptr;
      o.n_ = o.cap_ = 0;
    }
    return *this;
  }
  ~Vec() { clear_storage(); }
  void push_back(T&& v) {
    reserve(n_ + 1);
    new (p_ + n_, detail::Placement{}) T(torvyn::move(v));
    ++n_;
  }
  void push_back(const T& v) {
    reserve(n_ + 1);
    new (p_ + n_, detail::Placement{}) T(v);
    ++n_;
  }
  void reserve(size_t want) {
    if (want <= cap_) return;
    size_t cap = cap_ ? cap_ * 2 : 4;
    while (cap < want) cap *= 2;
    T* q = static_cast<T*>(torvyn_malloc(cap * sizeof(T)));
    for (size_t i = 0; i < n_; ++i) {
      new (q + i, detail::Placement{}) T(torvyn::move(p_[i]));
      p_[i].~T();
    }
    if (cap_) torvyn_free(p_);
    p_ = q;
    cap_ = cap;
  }
  void clear() {
    for (size_t i = 0; i < n_; ++i) p_[i].~T();
    n_ = 0;
  }
  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  T* data() { return p_; }
  T* begin() { return p_; }
  T* end() { return p_ + n_; }
  const T* begin() const { return p_; }
  const T* end() const { return p_ + n_; }
  T& operator[](size_t i) { return p_[i]; }
  const T& operator[](size_t i) const { return p_[i]; }

 private:
  void clear_storage() {
    clear();
    if (cap_) torvyn_free(p_);
    p_ = nullptr;
    cap_ = 0;
  }
  T* p_ = nullptr;
  size_t n_ = 0;
  size_t cap_ = 0;
};

struct None {};
inline constexpr None none{};

/// option<T>.
template <class T> class Option {
 public:
  Option() : has_(false) {}
  Option(None) : has_(false) {}  // NOLINT
  Option(T&& v) : has_(true) { new (&val_, detail::Placement{}) T(torvyn::move(v)); }  // NOLINT
  Option(const T& v) : has_(true) { new (&val_, detail::Placement{}) T(v); }          // NOLINT
  Option(Option&& o) noexcept : has_(o.has_) {
    if (has_) new (&val_, detail::Placement{}) T(torvyn::move(o.val_));
  }
  Option(const Option&) = delete;
  Option& operator=(const Option&) = delete;
  Option& operator=(Option&& o) noexcept {
    if (this != &o) {
      reset();
      has_ = o.has_;
      if (has_) new (&val_, detail::Placement{}) T(torvyn::move(o.val_));
    }
    return *this;
  }
  ~Option() { reset(); }
  void reset() {
    if (has_) val_.~T();
    has_ = false;
  }
  bool has_value() const { return has_; }
  explicit operator bool() const { return has_; }
  T& value() { return val_; }
  const T& value() const { return val_; }
  T& operator*() { return val_; }
  T* operator->() { return &val_; }

 private:
  bool has_;
  union {
    T val_;
  };
};

// --------------------------------------------------------------------------------------------
// Errors and results
// --------------------------------------------------------------------------------------------

/// `variant buffer-error`.
struct BufferError {
  enum class Kind : uint8_t { CapacityExceeded = 0, OutOfBounds = 1, AllocationFailed = 2 };
  Kind kind = Kind::AllocationFailed;
  String message;  // for AllocationFailed

  static BufferError adopt(torvyn_buffer_error_t e) {
    BufferError r;
    r.kind = static_cast<Kind>(e.tag);
    if (e.tag == TORVYN_BUFFER_ERROR_ALLOCATION_FAILED) r.message = String::adopt(e.message);
    return r;
  }
  /// A short description ("capacity exceeded", "out of bounds" or the allocation message).
  StringView describe() const {
    switch (kind) {
      case Kind::CapacityExceeded: return "capacity exceeded";
      case Kind::OutOfBounds: return "out of bounds";
      default: return message.empty() ? StringView("allocation failed") : message.view();
    }
  }
};

/// `variant process-error`.
struct ProcessError {
  enum class Kind : uint8_t { InvalidInput = 0, Unavailable = 1, Internal = 2, DeadlineExceeded = 3, Fatal = 4 };
  Kind kind = Kind::Internal;
  String message;  // unused for DeadlineExceeded

  ProcessError() = default;
  ProcessError(Kind k, StringView m) : kind(k), message(k == Kind::DeadlineExceeded ? StringView() : m) {}
  static ProcessError invalid_input(StringView m) { return {Kind::InvalidInput, m}; }
  static ProcessError unavailable(StringView m) { return {Kind::Unavailable, m}; }
  static ProcessError internal(StringView m) { return {Kind::Internal, m}; }
  static ProcessError deadline_exceeded() { return {Kind::DeadlineExceeded, StringView()}; }
  static ProcessError fatal(StringView m) { return {Kind::Fatal, m}; }
  /// From a buffer error (as `internal`, or `unavailable` when the host is out of buffers).
  static ProcessError from(const BufferError& e) {
    return {e.kind == BufferError::Kind::AllocationFailed ? Kind::Unavailable : Kind::Internal, e.describe()};
  }

  torvyn_process_error_t release() {
    torvyn_process_error_t e;
    e.tag = static_cast<uint8_t>(kind);
    e.message = message.release();
    return e;
  }
};

/// result<T, E>. Converts implicitly from a T (or anything a T is built from) and from an E.
template <class T, class E = ProcessError> class [[nodiscard]] Result {
 public:
  template <class U, class = detail::enable_if_t<!detail::is_same_v<detail::remove_cvref_t<U>, Result> &&
                                                 !detail::is_same_v<detail::remove_cvref_t<U>, E> &&
                                                 __is_constructible(T, U&&)>>
  Result(U&& v) : ok_(true) {  // NOLINT
    new (&val_, detail::Placement{}) T(torvyn::forward<U>(v));
  }
  Result(E&& e) : ok_(false) { new (&err_, detail::Placement{}) E(torvyn::move(e)); }  // NOLINT
  Result(Result&& o) noexcept : ok_(o.ok_) {
    if (ok_) new (&val_, detail::Placement{}) T(torvyn::move(o.val_));
    else new (&err_, detail::Placement{}) E(torvyn::move(o.err_));
  }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  ~Result() {
    if (ok_) val_.~T();
    else err_.~E();
  }
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  T& value() { return val_; }
  const T& value() const { return val_; }
  T& operator*() { return val_; }
  T* operator->() { return &val_; }
  /// Moves the value out.
  T take() { return torvyn::move(val_); }
  E& error() { return err_; }
  const E& error() const { return err_; }

 private:
  bool ok_;
  union {
    T val_;
    E err_;
  };
};

/// result<_, E>. Default-constructed = ok.
template <class E> class [[nodiscard]] Result<void, E> {
 public:
  Result() : ok_(true) {}
  Result(E&& e) : ok_(false), err_(torvyn::move(e)) {}  // NOLINT
  Result(Result&&) noexcept = default;
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  E& error() { return err_; }
  const E& error() const { return err_; }

 private:
  bool ok_;
  E err_;
};

// --------------------------------------------------------------------------------------------
// Handles
// --------------------------------------------------------------------------------------------

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

// --------------------------------------------------------------------------------------------
// Elements
// --------------------------------------------------------------------------------------------

/// element-meta of an input element (views into call-scoped memory).
struct ElementMetaRef {
  uint64_t sequence = 0;
  uint64_t timestamp_ns = 0;
  StringView content_type;
};

/// `record element-meta` (owned).
struct ElementMeta {
  uint64_t sequence = 0;
  uint64_t timestamp_ns = 0;
  String content_type;

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

// --------------------------------------------------------------------------------------------
// Export glue (used by the macros below)
// --------------------------------------------------------------------------------------------
namespace detail {

inline bool fail(ProcessError& e, torvyn_process_error_t* err) {
  *err = e.release();
  return false;
}
inline void put_option(Option<OutputElement>& o, torvyn_option_output_element_t* out) {
  out->is_some = o.has_value() ? 1 : 0;
  if (o.has_value()) out->val = o.value().release();
}

template <class F>
bool run_process(F&& f, const torvyn_stream_element_t* in, torvyn_process_result_t* out, torvyn_process_error_t* err) {
  const StreamElement el = StreamElement::lift(in);
  ProcessResult r = f(el);
  if (r.is_error()) return fail(r.error(), err);
  if (r.is_emit()) {
    out->tag = TORVYN_PROCESS_RESULT_EMIT;
    out->emit = r.output().release();
  } else {
    out->tag = TORVYN_PROCESS_RESULT_DROP;
  }
  return true;
}

template <class F> bool run_init(F&& f, torvyn_string_t config, torvyn_process_error_t* err) {
  Result<void> r = f(StringView(config));
  if (!r) return fail(r.error(), err);
  return true;
}

template <class F> bool run_pull(F&& f, torvyn_option_output_element_t* out, torvyn_process_error_t* err) {
  Result<Option<OutputElement>> r = f();
  if (!r) return fail(r.error(), err);
  put_option(r.value(), out);
  return true;
}

template <class F>
bool run_push(F&& f, const torvyn_stream_element_t* in, torvyn_backpressure_signal_t* out, torvyn_process_error_t* err) {
  const StreamElement el = StreamElement::lift(in);
  Result<BackpressureSignal> r = f(el);
  if (!r) return fail(r.error(), err);
  *out = static_cast<torvyn_backpressure_signal_t>(r.value());
  return true;
}

template <class F> bool run_unit(F&& f, torvyn_process_error_t* err) {
  Result<void> r = f();
  if (!r) return fail(r.error(), err);
  return true;
}

template <class F> bool run_evaluate(F&& f, const torvyn_stream_element_t* in, bool* out, torvyn_process_error_t* err) {
  const StreamElement el = StreamElement::lift(in);
  Result<bool> r = f(el);
  if (!r) return fail(r.error(), err);
  *out = r.value();
  return true;
}

template <class F>
bool run_route(F&& f, const torvyn_stream_element_t* in, torvyn_list_string_t* out, torvyn_process_error_t* err) {
  const StreamElement el = StreamElement::lift(in);
  Result<Vec<String>> r = f(el);
  if (!r) return fail(r.error(), err);
  Vec<String>& ports = r.value();
  out->len = ports.size();
  out->ptr = ports.empty() ? nullptr : static_cast<torvyn_string_t*>(torvyn_malloc(ports.size() * sizeof(torvyn_string_t)));
  for (size_t i = 0; i < ports.size(); ++i) out->ptr[i] = ports[i].release();
  return true;
}

template <class F>
bool run_ingest(F&& f, const torvyn_stream_element_t* in, torvyn_option_output_element_t* out, torvyn_process_error_t* err) {
  const StreamElement el = StreamElement::lift(in);
  Result<Option<OutputElement>> r = f(el);
  if (!r) return fail(r.error(), err);
  put_option(r.value(), out);
  return true;
}

template <class F> bool run_flush(F&& f, torvyn_list_output_element_t* out, torvyn_process_error_t* err) {
  Result<Vec<OutputElement>> r = f();
  if (!r) return fail(r.error(), err);
  Vec<OutputElement>& els = r.value();
  out->len = els.size();
  out->ptr = els.empty() ? nullptr
                         : static_cast<torvyn_output_element_t*>(torvyn_malloc(els.size() * sizeof(torvyn_output_element_t)));
  for (size_t i = 0; i < els.size(); ++i) out->ptr[i] = els[i].release();
  return true;
}

inline Result<void> default_init(StringView) { return {}; }
inline void default_teardown() {}

}  // namespace detail
}  // namespace torvyn

// --------------------------------------------------------------------------------------------
// Export macros — use each at most once, at file scope, in one translation unit.
// --------------------------------------------------------------------------------------------

/// torvyn:streaming/processor: `torvyn::ProcessResult fn(const torvyn::StreamElement&)`.
#define TORVYN_PROCESSOR(fn)                                                                            \
  static bool torvyn__cxx_process(const torvyn_stream_element_t* in, torvyn_process_result_t* out,     \
                                  torvyn_process_error_t* err) {                                       \
    return ::torvyn::detail::run_process(fn, in, out, err);                                            \
  }                                                                                                    \
  TORVYN_EXPORT_PROCESSOR(torvyn__cxx_process)

/// torvyn:streaming/lifecycle: `torvyn::Result<void> init(torvyn::StringView config)`,
/// `void teardown()`.
#define TORVYN_LIFECYCLE(init_fn, teardown_fn)                                                         \
  static bool torvyn__cxx_init(torvyn_string_t config, torvyn_process_error_t* err) {                  \
    return ::torvyn::detail::run_init(init_fn, config, err);                                           \
  }                                                                                                    \
  static void torvyn__cxx_teardown(void) { (teardown_fn)(); }                                          \
  TORVYN_EXPORT_LIFECYCLE(torvyn__cxx_init, torvyn__cxx_teardown)

/// A lifecycle that accepts any config and does nothing on teardown.
#define TORVYN_DEFAULT_LIFECYCLE() \
  TORVYN_LIFECYCLE(::torvyn::detail::default_init, ::torvyn::detail::default_teardown)

/// torvyn:streaming/source: `torvyn::Result<torvyn::Option<torvyn::OutputElement>> pull()`
/// (torvyn::none = exhausted), `void notify(torvyn::BackpressureSignal)`.
#define TORVYN_SOURCE(pull_fn, notify_fn)                                                              \
  static bool torvyn__cxx_pull(torvyn_option_output_element_t* out, torvyn_process_error_t* err) {     \
    return ::torvyn::detail::run_pull(pull_fn, out, err);                                              \
  }                                                                                                    \
  static void torvyn__cxx_notify(torvyn_backpressure_signal_t s) {                                     \
    (notify_fn)(static_cast<::torvyn::BackpressureSignal>(s));                                         \
  }                                                                                                    \
  TORVYN_EXPORT_SOURCE(torvyn__cxx_pull, torvyn__cxx_notify)

/// torvyn:streaming/sink: `torvyn::Result<torvyn::BackpressureSignal> push(const StreamElement&)`,
/// `torvyn::Result<void> complete()`.
#define TORVYN_SINK(push_fn, complete_fn)                                                              \
  static bool torvyn__cxx_push(const torvyn_stream_element_t* in, torvyn_backpressure_signal_t* out,   \
                               torvyn_process_error_t* err) {                                          \
    return ::torvyn::detail::run_push(push_fn, in, out, err);                                          \
  }                                                                                                    \
  static bool torvyn__cxx_complete(torvyn_process_error_t* err) {                                      \
    return ::torvyn::detail::run_unit(complete_fn, err);                                               \
  }                                                                                                    \
  TORVYN_EXPORT_SINK(torvyn__cxx_push, torvyn__cxx_complete)

/// torvyn:filtering/filter: `torvyn::Result<bool> evaluate(const torvyn::StreamElement&)`.
#define TORVYN_FILTER(fn)                                                                              \
  static bool torvyn__cxx_evaluate(const torvyn_stream_element_t* in, bool* out,                       \
                                   torvyn_process_error_t* err) {                                      \
    return ::torvyn::detail::run_evaluate(fn, in, out, err);                                           \
  }                                                                                                    \
  TORVYN_EXPORT_FILTER(torvyn__cxx_evaluate)

/// torvyn:filtering/router:
/// `torvyn::Result<torvyn::Vec<torvyn::String>> route(const torvyn::StreamElement&)`.
#define TORVYN_ROUTER(fn)                                                                              \
  static bool torvyn__cxx_route(const torvyn_stream_element_t* in, torvyn_list_string_t* out,          \
                                torvyn_process_error_t* err) {                                         \
    return ::torvyn::detail::run_route(fn, in, out, err);                                              \
  }                                                                                                    \
  TORVYN_EXPORT_ROUTER(torvyn__cxx_route)

/// torvyn:aggregation/aggregator:
/// `torvyn::Result<torvyn::Option<torvyn::OutputElement>> ingest(const torvyn::StreamElement&)`,
/// `torvyn::Result<torvyn::Vec<torvyn::OutputElement>> flush()`.
#define TORVYN_AGGREGATOR(ingest_fn, flush_fn)                                                         \
  static bool torvyn__cxx_ingest(const torvyn_stream_element_t* in, torvyn_option_output_element_t* out, \
                                 torvyn_process_error_t* err) {                                        \
    return ::torvyn::detail::run_ingest(ingest_fn, in, out, err);                                      \
  }                                                                                                    \
  static bool torvyn__cxx_flush(torvyn_list_output_element_t* out, torvyn_process_error_t* err) {      \
    return ::torvyn::detail::run_flush(flush_fn, out, err);                                            \
  }                                                                                                    \
  TORVYN_EXPORT_AGGREGATOR(torvyn__cxx_ingest, torvyn__cxx_flush)

#endif  // TORVYN_TORVYN_HPP
