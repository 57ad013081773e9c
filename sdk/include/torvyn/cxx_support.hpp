// Torvyn guest SDK, C++ API — freestanding support: the runtime hooks a C++ guest needs without a
// C++ library (operator new/delete, __cxa_*), move/forward, and the owning String/Bytes/Vec and
// Option types backed by the SDK allocator.
// Part of <torvyn/torvyn.hpp>; include that, not this file.
#ifndef TORVYN_CXX_SUPPORT_HPP
#define TORVYN_CXX_SUPPORT_HPP

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
  bool operator==(StringView o) const { return n_ == o.n_ && torvyn__equal_bytes(p_, o.p_, n_); }
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
  /// Appends `v` in decimal (the SDK is freestanding: no std::to_string). One append, so one
  /// (re)allocation, however many digits.
  String& append_decimal(uint64_t v) {
    char digits[20];
    size_t n = sizeof digits;
    do digits[--n] = char('0' + v % 10); while (v /= 10);
    append(digits + n, sizeof digits - n);
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

}  // namespace torvyn

#endif  // TORVYN_CXX_SUPPORT_HPP
