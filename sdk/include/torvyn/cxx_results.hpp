// Torvyn guest SDK, C++ API — errors and results: BufferError, ProcessError, Result.
// Part of <torvyn/torvyn.hpp>; include that, not this file.
#ifndef TORVYN_CXX_RESULTS_HPP
#define TORVYN_CXX_RESULTS_HPP

#include "cxx_support.hpp"

namespace torvyn {

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

}  // namespace torvyn

#endif  // TORVYN_CXX_RESULTS_HPP
