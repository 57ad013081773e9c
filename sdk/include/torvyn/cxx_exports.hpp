// Torvyn guest SDK, C++ API — the export glue and the TORVYN_PROCESSOR / _SOURCE / _SINK / ... macros
// that bind a user's functions to the component's exports (both the per-element and batch forms).
// Part of <torvyn/torvyn.hpp>; include that, not this file.
#ifndef TORVYN_CXX_EXPORTS_HPP
#define TORVYN_CXX_EXPORTS_HPP

#include "cxx_elements.hpp"

namespace torvyn {

// --------------------------------------------------------------------------------------------
// Export glue (used by the macros below)
// --------------------------------------------------------------------------------------------
namespace detail {

// The user's function inlined into the export adapters, the batch loop included: its result
// (an element, a Result) then stays in registers instead of being built in linear memory and
// copied out (clang's statement attribute; the guest toolchain is clang).
#if defined(__clang__)
#define TORVYN__INLINE_CALL(call) ([&]() -> decltype(auto) { [[clang::always_inline]] return call; }())
#else
#define TORVYN__INLINE_CALL(call) (call)
#endif

inline bool fail(ProcessError& e, torvyn_process_error_t* err) {
  *err = e.release();
  return false;
}
inline void put_option(Option<OutputElement>& o, torvyn_option_output_element_t* out) {
  out->is_some = o.has_value() ? 1 : 0;
  if (o.has_value()) out->val = o.value().release();
}

template <class F>
__attribute__((always_inline)) inline bool run_process(F&& f, const torvyn_stream_element_t* in, torvyn_process_result_t* out, torvyn_process_error_t* err) {
  const StreamElement el = StreamElement::lift(in);
  ProcessResult r = TORVYN__INLINE_CALL(f(el));
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

template <class F>
__attribute__((always_inline)) inline bool run_pull(F&& f, torvyn_option_output_element_t* out, torvyn_process_error_t* err) {
  Result<Option<OutputElement>> r = TORVYN__INLINE_CALL(f());
  if (!r) return fail(r.error(), err);
  put_option(r.value(), out);
  return true;
}

template <class F>
__attribute__((always_inline)) inline bool run_push(F&& f, const torvyn_stream_element_t* in, torvyn_backpressure_signal_t* out, torvyn_process_error_t* err) {
  const StreamElement el = StreamElement::lift(in);
  Result<BackpressureSignal> r = TORVYN__INLINE_CALL(f(el));
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
  __attribute__((always_inline)) static inline bool torvyn__cxx_process(                               \
      const torvyn_stream_element_t* in, torvyn_process_result_t* out, torvyn_process_error_t* err) {  \
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
  __attribute__((always_inline)) static inline bool torvyn__cxx_pull(                                  \
      torvyn_option_output_element_t* out, torvyn_process_error_t* err) {                              \
    return ::torvyn::detail::run_pull(pull_fn, out, err);                                              \
  }                                                                                                    \
  static void torvyn__cxx_notify(torvyn_backpressure_signal_t s) {                                     \
    (notify_fn)(static_cast<::torvyn::BackpressureSignal>(s));                                         \
  }                                                                                                    \
  TORVYN_EXPORT_SOURCE(torvyn__cxx_pull, torvyn__cxx_notify)

/// torvyn:streaming/sink: `torvyn::Result<torvyn::BackpressureSignal> push(const StreamElement&)`,
/// `torvyn::Result<void> complete()`.
#define TORVYN_SINK(push_fn, complete_fn)                                                              \
  __attribute__((always_inline)) static inline bool torvyn__cxx_push(                                  \
      const torvyn_stream_element_t* in, torvyn_backpressure_signal_t* out,                            \
      torvyn_process_error_t* err) {                                                                   \
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

#endif  // TORVYN_CXX_EXPORTS_HPP
