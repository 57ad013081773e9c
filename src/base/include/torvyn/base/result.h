// Result<T>: a value or an Error. (std::expected is C++23; this is the small subset we need.)
#pragma once

#include <cassert>
#include <memory>
#include <utility>
#include <variant>

#include "torvyn/base/error.h"

namespace torvyn {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(v_); }
  Error take_error() { assert(!ok()); return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

// Success is the common case on hot paths: it holds nothing but a null pointer (no string to
// construct and destroy); the error, when there is one, lives on the heap.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : err_(std::make_unique<Error>(std::move(error))) {}
  Result(const Result& o) : err_(o.err_ ? std::make_unique<Error>(*o.err_) : nullptr) {}
  Result& operator=(const Result& o) {
    if (this != &o) err_ = o.err_ ? std::make_unique<Error>(*o.err_) : nullptr;
    return *this;
  }
  Result(Result&&) noexcept = default;
  Result& operator=(Result&&) noexcept = default;

  bool ok() const { return !err_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { assert(err_); return *err_; }
  Error take_error() { assert(err_); return std::move(*err_); }

 private:
  std::unique_ptr<Error> err_;
};

using Status = Result<void>;

}  // namespace torvyn
