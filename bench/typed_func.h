// Typed calls into guest exports without slot marshalling, for engine_bench: on aot a call is one
// direct call into the compiled function inside Store::run_guarded; on interp (no raw entry
// points) it falls back to Store::call.
//
//   TypedFunc<uint32_t(uint32_t, uint32_t)> add(store, instance->find_export("add").value());
//   uint32_t sum = 0;
//   Trap t = add.call(&sum, 40, 2);
#pragma once

#include <cstring>
#include <tuple>
#include <type_traits>

#include "torvyn/wasm/engine.h"

namespace torvyn::wasm {

namespace detail {
template <typename T>
Slot to_slot(T v) {
  if constexpr (std::is_same_v<T, float>) return slot_f32(v);
  else if constexpr (std::is_same_v<T, double>) return slot_f64(v);
  else return static_cast<Slot>(v);
}
template <typename T>
T from_slot(Slot s) {
  if constexpr (std::is_same_v<T, float>) return as_f32(s);
  else if constexpr (std::is_same_v<T, double>) return as_f64(s);
  else return static_cast<T>(s);
}
}  // namespace detail

template <typename Sig>
class TypedFunc;

template <typename R, typename... A>
class TypedFunc<R(A...)> {
  static_assert(((std::is_same_v<A, uint32_t> || std::is_same_v<A, uint64_t> || std::is_same_v<A, float> || std::is_same_v<A, double>) && ...),
                "parameters must be uint32_t, uint64_t, float or double");

 public:
  TypedFunc() = default;
  TypedFunc(Store& store, Extern func) : store_(&store), func_(func), raw_(store.raw_func(func)) {}

  // Top-level call (not from inside a host function). `out` may be null for void.
  Trap call(std::conditional_t<std::is_void_v<R>, void*, R*> out, A... args) {
    if (raw_) {
      // One guarded region around the direct call: all it holds is scalars (no destructors).
      struct Call {
        Fn fn;
        void* instance;
        Out out;
        std::tuple<A...> args;
      } c{reinterpret_cast<Fn>(raw_.fn), raw_.instance, out, {args...}};
      Trap t;
      auto region = [](void* p) {
        auto& c = *static_cast<Call*>(p);
        if constexpr (std::is_void_v<R>) std::apply([&](A... a) { c.fn(c.instance, a...); }, c.args);
        else *c.out = std::apply([&](A... a) { return c.fn(c.instance, a...); }, c.args);
      };
      return store_->run_guarded(region, &c, &t) ? Trap{} : t;
    }
    Slot slots[sizeof...(A) + 1] = {detail::to_slot(args)...};
    Slot res[1] = {0};
    Trap t = store_->call(func_, slots, res);
    if constexpr (!std::is_void_v<R>) {
      if (t.ok()) *out = detail::from_slot<R>(res[0]);
    }
    return t;
  }

 private:
  using Fn = R (*)(void*, A...);
  using Out = std::conditional_t<std::is_void_v<R>, void*, R*>;

  Store* store_ = nullptr;
  Extern func_;
  RawFunc raw_;
};

}  // namespace torvyn::wasm
