/*
 * Torvyn guest SDK — C export adapters.
 *
 * Each TORVYN_EXPORT_* macro, used once at file scope, defines the core exports a world needs,
 * with the names and core signatures wit-component (jco new) expects:
 *
 *   "<interface>#<function>"            the lifted function; parameters flattened per the
 *                                       Canonical ABI (a stream-element is 6 flat values:
 *                                       i64 i64 i32 i32 i32 i32, well under MAX_FLAT_PARAMS 16);
 *                                       every result here flattens to more than MAX_FLAT_RESULTS 1
 *                                       value, so the function returns an i32 pointer to a
 *                                       return area holding the result.
 *
 * There are no "cabi_post_<interface>#<function>" (post-return) exports: what a result holds is
 * freed when the same export is entered again (see TORVYN__RET_AREA).
 *
 * The user functions get C structs (see abi.h) and report success with `true` (filling `*out`)
 * or failure with `false` (filling `*err`). Everything placed in `*out` / `*err` is owned by the
 * result: strings must be torvyn_malloc'd (torvyn_string_dup), never pointers into the input
 * element, which is freed when the user function returns. Buffer handles placed in an output
 * element move to the host. The adapters end the input element's borrows themselves.
 */
#ifndef TORVYN_EXPORTS_H
#define TORVYN_EXPORTS_H

#include "abi.h"
#include "batch_exports.h"

#define TORVYN_IFACE_PROCESSOR "torvyn:streaming/processor@0.1.0"
#define TORVYN_IFACE_SOURCE "torvyn:streaming/source@0.1.0"
#define TORVYN_IFACE_SINK "torvyn:streaming/sink@0.1.0"
#define TORVYN_IFACE_LIFECYCLE "torvyn:streaming/lifecycle@0.1.0"
#define TORVYN_IFACE_FILTER "torvyn:filtering/filter@0.1.0"
#define TORVYN_IFACE_ROUTER "torvyn:filtering/router@0.1.0"
#define TORVYN_IFACE_AGGREGATOR "torvyn:aggregation/aggregator@0.1.0"

/* Return areas are static: an instance is never re-entered (Canonical ABI), and the host reads the
 * area before the next call. The structs carry the Canonical ABI alignment of the result type.
 *
 * No post-return functions: what a call's results hold (strings, lists) is freed when the same
 * export is entered the next time (TORVYN__TAKE), by then the host has long read them. That saves
 * the host a call into the guest after every export call; at most one result per export stays
 * allocated in between. */
#define TORVYN__RET_AREA(type, name, post)                                                                \
  static type name;                                                                                       \
  static int name##_pending;                                                                              \
  static void post(void* p)
/* The return area `name`, after freeing (`post`) what the previous call's results held. */
#define TORVYN__TAKE(name, post) ((name##_pending ? post(&name) : (void)0), name##_pending = 1, &name)

/* Post-return helpers shared by the adapters. */
TORVYN_INLINE void torvyn__post_option_output(torvyn_ret_option_output_t* r) {
  if (r->is_err) torvyn_process_error_free(&r->val.err);
  else if (r->val.ok.is_some) torvyn__post_output_element(&r->val.ok.val);
}
TORVYN_INLINE void torvyn__post_unit(torvyn_ret_unit_t* r) {
  if (r->is_err) torvyn_process_error_free(&r->val.err);
}

/* ---------------------------------------------------------------------------------------- */
/* processor (worlds transform, managed-transform)                                           */
/*   bool fn(const torvyn_stream_element_t* in, torvyn_process_result_t* out,               */
/*           torvyn_process_error_t* err)                                                    */
/* ---------------------------------------------------------------------------------------- */
#define TORVYN__EXPORT_PROCESS(fn)                                                                        \
  TORVYN__RET_AREA(torvyn_ret_process_t, torvyn__ret_process, torvyn__post_process);                      \
  TORVYN_EXTERN_C TORVYN_EXPORT(TORVYN_IFACE_PROCESSOR "#process") void* torvyn__export_process(          \
      int64_t seq, int64_t ts, char* ct, size_t ct_len, int32_t payload, int32_t context) {               \
    torvyn__enter();                                                                                      \
    torvyn_stream_element_t in = torvyn__lift_stream_element(seq, ts, ct, ct_len, payload, context);      \
    torvyn_ret_process_t* r = TORVYN__TAKE(torvyn__ret_process, torvyn__post_process);                    \
    torvyn_process_result_t out;                                                                          \
    torvyn_process_error_t err;                                                                           \
    out.tag = TORVYN_PROCESS_RESULT_DROP;                                                                 \
    err.tag = TORVYN_PROCESS_ERROR_INTERNAL;                                                              \
    err.message.ptr = 0;                                                                                  \
    err.message.len = 0;                                                                                  \
    if ((fn)(&in, &out, &err)) {                                                                          \
      r->is_err = 0;                                                                                      \
      r->val.ok = out;                                                                                    \
    } else {                                                                                              \
      r->is_err = 1;                                                                                      \
      r->val.err = err;                                                                                   \
    }                                                                                                     \
    torvyn__release_stream_element(&in);                                                                  \
    return r;                                                                                             \
  }                                                                                                       \
  static void torvyn__post_process(void* p) {                                                             \
    torvyn_ret_process_t* r = (torvyn_ret_process_t*)p;                                                   \
    if (r->is_err) torvyn_process_error_free(&r->val.err);                                                \
    else if (r->val.ok.tag == TORVYN_PROCESS_RESULT_EMIT) torvyn__post_output_element(&r->val.ok.emit);   \
  }

/* ---------------------------------------------------------------------------------------- */
/* lifecycle (every world but transform)                                                     */
/*   bool init(torvyn_string_t config, torvyn_process_error_t* err)   config valid during   */
/*                                                                    the call only          */
/*   void teardown(void)                                                                     */
/* ---------------------------------------------------------------------------------------- */
#define TORVYN_EXPORT_LIFECYCLE(init_fn, teardown_fn)                                                     \
  TORVYN__RET_AREA(torvyn_ret_unit_t, torvyn__ret_init, torvyn__post_init);                               \
  TORVYN_EXTERN_C TORVYN_EXPORT(TORVYN_IFACE_LIFECYCLE "#init") void* torvyn__export_init(char* ptr,      \
                                                                                         size_t len) {    \
    torvyn__enter();                                                                                      \
    torvyn_string_t config;                                                                               \
    config.ptr = ptr;                                                                                     \
    config.len = len;                                                                                     \
    torvyn_process_error_t err;                                                                           \
    err.tag = TORVYN_PROCESS_ERROR_INTERNAL;                                                              \
    err.message.ptr = 0;                                                                                  \
    err.message.len = 0;                                                                                  \
    torvyn_ret_unit_t* r = TORVYN__TAKE(torvyn__ret_init, torvyn__post_init);                             \
    if ((init_fn)(config, &err)) {                                                                        \
      r->is_err = 0;                                                                                      \
    } else {                                                                                              \
      r->is_err = 1;                                                                                      \
      r->val.err = err;                                                                                   \
    }                                                                                                     \
    torvyn_string_free(&config);                                                                          \
    return r;                                                                                             \
  }                                                                                                       \
  static void torvyn__post_init(                                                                          \
      void* p) {                                                                                          \
    torvyn__post_unit((torvyn_ret_unit_t*)p);                                                             \
  }                                                                                                       \
  TORVYN_EXTERN_C TORVYN_EXPORT(TORVYN_IFACE_LIFECYCLE "#teardown") void torvyn__export_teardown(void) {  \
    torvyn__enter();                                                                                      \
    (teardown_fn)();                                                                                      \
  }

/** A lifecycle that accepts any config and does nothing on teardown. */
TORVYN_INLINE bool torvyn_default_init(torvyn_string_t config, torvyn_process_error_t* err) {
  (void)config;
  (void)err;
  return true;
}
TORVYN_INLINE void torvyn_default_teardown(void) {}
#define TORVYN_EXPORT_DEFAULT_LIFECYCLE() TORVYN_EXPORT_LIFECYCLE(torvyn_default_init, torvyn_default_teardown)

/* ---------------------------------------------------------------------------------------- */
/* source (world data-source)                                                                */
/*   bool pull(torvyn_option_output_element_t* out, torvyn_process_error_t* err)            */
/*        out->is_some = 0 means end of stream                                               */
/*   void notify(torvyn_backpressure_signal_t signal)                                        */
/* ---------------------------------------------------------------------------------------- */
#define TORVYN__EXPORT_PULL(pull_fn, notify_fn)                                                           \
  TORVYN__RET_AREA(torvyn_ret_option_output_t, torvyn__ret_pull, torvyn__post_pull);                      \
  TORVYN_EXTERN_C TORVYN_EXPORT(TORVYN_IFACE_SOURCE "#pull") void* torvyn__export_pull(void) {            \
    torvyn__enter();                                                                                      \
    torvyn_ret_option_output_t* r = TORVYN__TAKE(torvyn__ret_pull, torvyn__post_pull);                    \
    torvyn_option_output_element_t out;                                                                   \
    torvyn_process_error_t err;                                                                           \
    out.is_some = 0;                                                                                      \
    err.tag = TORVYN_PROCESS_ERROR_INTERNAL;                                                              \
    err.message.ptr = 0;                                                                                  \
    err.message.len = 0;                                                                                  \
    if ((pull_fn)(&out, &err)) {                                                                          \
      r->is_err = 0;                                                                                      \
      r->val.ok = out;                                                                                    \
    } else {                                                                                              \
      r->is_err = 1;                                                                                      \
      r->val.err = err;                                                                                   \
    }                                                                                                     \
    return r;                                                                                             \
  }                                                                                                       \
  static void torvyn__post_pull(void* p) {                                                                \
    torvyn__post_option_output((torvyn_ret_option_output_t*)p);                                           \
  }                                                                                                       \
  TORVYN_EXTERN_C TORVYN_EXPORT(TORVYN_IFACE_SOURCE "#notify-backpressure") void                          \
  torvyn__export_notify_backpressure(int32_t signal) {                                                    \
    torvyn__enter();                                                                                      \
    if ((uint32_t)signal > 1u) torvyn_trap();                                                             \
    (notify_fn)((torvyn_backpressure_signal_t)signal);                                                    \
  }

/* ---------------------------------------------------------------------------------------- */
/* sink (world data-sink)                                                                    */
/*   bool push(const torvyn_stream_element_t* in, torvyn_backpressure_signal_t* out,         */
/*             torvyn_process_error_t* err)                                                  */
/*   bool complete(torvyn_process_error_t* err)                                              */
/* ---------------------------------------------------------------------------------------- */
#define TORVYN__EXPORT_PUSH(push_fn, complete_fn)                                                          \
  TORVYN__RET_AREA(torvyn_ret_backpressure_t, torvyn__ret_push, torvyn__post_push);                       \
  TORVYN__RET_AREA(torvyn_ret_unit_t, torvyn__ret_complete, torvyn__post_complete);                       \
  TORVYN_EXTERN_C TORVYN_EXPORT(TORVYN_IFACE_SINK "#push") void* torvyn__export_push(                     \
      int64_t seq, int64_t ts, char* ct, size_t ct_len, int32_t payload, int32_t context) {               \
    torvyn__enter();                                                                                      \
    torvyn_stream_element_t in = torvyn__lift_stream_element(seq, ts, ct, ct_len, payload, context);      \
    torvyn_ret_backpressure_t* r = TORVYN__TAKE(torvyn__ret_push, torvyn__post_push);                     \
    torvyn_backpressure_signal_t out = TORVYN_BACKPRESSURE_READY;                                         \
    torvyn_process_error_t err;                                                                           \
    err.tag = TORVYN_PROCESS_ERROR_INTERNAL;                                                              \
    err.message.ptr = 0;                                                                                  \
    err.message.len = 0;                                                                                  \
    if ((push_fn)(&in, &out, &err)) {                                                                     \
      r->is_err = 0;                                                                                      \
      r->val.ok = (uint8_t)out;                                                                           \
    } else {                                                                                              \
      r->is_err = 1;                                                                                      \
      r->val.err = err;                                                                                   \
    }                                                                                                     \
    torvyn__release_stream_element(&in);                                                                  \
    return r;                                                                                             \
  }                                                                                                       \
  static void torvyn__post_push(void* p) {                                                                \
    torvyn_ret_backpressure_t* r = (torvyn_ret_backpressure_t*)p;                                         \
    if (r->is_err) torvyn_process_error_free(&r->val.err);                                                \
  }                                                                                                       \
  TORVYN_EXTERN_C TORVYN_EXPORT(TORVYN_IFACE_SINK "#complete") void* torvyn__export_complete(void) {      \
    torvyn__enter();                                                                                      \
    torvyn_ret_unit_t* r = TORVYN__TAKE(torvyn__ret_complete, torvyn__post_complete);                     \
    torvyn_process_error_t err;                                                                           \
    err.tag = TORVYN_PROCESS_ERROR_INTERNAL;                                                              \
    err.message.ptr = 0;                                                                                  \
    err.message.len = 0;                                                                                  \
    if ((complete_fn)(&err)) {                                                                            \
      r->is_err = 0;                                                                                      \
    } else {                                                                                              \
      r->is_err = 1;                                                                                      \
      r->val.err = err;                                                                                   \
    }                                                                                                     \
    return r;                                                                                             \
  }                                                                                                       \
  static void torvyn__post_complete(                                                                      \
      void* p) {                                                                                          \
    torvyn__post_unit((torvyn_ret_unit_t*)p);                                                             \
  }

/* ---------------------------------------------------------------------------------------- */
/* filter (world content-filter)                                                             */
/*   bool evaluate(const torvyn_stream_element_t* in, bool* pass, torvyn_process_error_t*)  */
/* ---------------------------------------------------------------------------------------- */
#define TORVYN_EXPORT_FILTER(fn)                                                                          \
  TORVYN__RET_AREA(torvyn_ret_bool_t, torvyn__ret_evaluate, torvyn__post_evaluate);                       \
  TORVYN_EXTERN_C TORVYN_EXPORT(TORVYN_IFACE_FILTER "#evaluate") void* torvyn__export_evaluate(           \
      int64_t seq, int64_t ts, char* ct, size_t ct_len, int32_t payload, int32_t context) {               \
    torvyn__enter();                                                                                      \
    torvyn_stream_element_t in = torvyn__lift_stream_element(seq, ts, ct, ct_len, payload, context);      \
    torvyn_ret_bool_t* r = TORVYN__TAKE(torvyn__ret_evaluate, torvyn__post_evaluate);                     \
    bool pass = false;                                                                                    \
    torvyn_process_error_t err;                                                                           \
    err.tag = TORVYN_PROCESS_ERROR_INTERNAL;                                                              \
    err.message.ptr = 0;                                                                                  \
    err.message.len = 0;                                                                                  \
    if ((fn)(&in, &pass, &err)) {                                                                         \
      r->is_err = 0;                                                                                      \
      r->val.ok = pass ? 1 : 0;                                                                           \
    } else {                                                                                              \
      r->is_err = 1;                                                                                      \
      r->val.err = err;                                                                                   \
    }                                                                                                     \
    torvyn__release_stream_element(&in);                                                                  \
    return r;                                                                                             \
  }                                                                                                       \
  static void torvyn__post_evaluate(                                                                      \
      void* p) {                                                                                          \
    torvyn_ret_bool_t* r = (torvyn_ret_bool_t*)p;                                                         \
    if (r->is_err) torvyn_process_error_free(&r->val.err);                                                \
  }

/* ---------------------------------------------------------------------------------------- */
/* router (world content-router)                                                             */
/*   bool route(const torvyn_stream_element_t* in, torvyn_list_string_t* ports,             */
/*              torvyn_process_error_t* err)     ports: torvyn_malloc'd array of            */
/*                                               torvyn_malloc'd strings (empty = drop)     */
/* ---------------------------------------------------------------------------------------- */
#define TORVYN_EXPORT_ROUTER(fn)                                                                          \
  TORVYN__RET_AREA(torvyn_ret_list_string_t, torvyn__ret_route, torvyn__post_route);                      \
  TORVYN_EXTERN_C TORVYN_EXPORT(TORVYN_IFACE_ROUTER "#route") void* torvyn__export_route(                 \
      int64_t seq, int64_t ts, char* ct, size_t ct_len, int32_t payload, int32_t context) {               \
    torvyn__enter();                                                                                      \
    torvyn_stream_element_t in = torvyn__lift_stream_element(seq, ts, ct, ct_len, payload, context);      \
    torvyn_ret_list_string_t* r = TORVYN__TAKE(torvyn__ret_route, torvyn__post_route);                    \
    torvyn_list_string_t ports;                                                                           \
    ports.ptr = 0;                                                                                        \
    ports.len = 0;                                                                                        \
    torvyn_process_error_t err;                                                                           \
    err.tag = TORVYN_PROCESS_ERROR_INTERNAL;                                                              \
    err.message.ptr = 0;                                                                                  \
    err.message.len = 0;                                                                                  \
    if ((fn)(&in, &ports, &err)) {                                                                        \
      r->is_err = 0;                                                                                      \
      r->val.ok = ports;                                                                                  \
    } else {                                                                                              \
      r->is_err = 1;                                                                                      \
      r->val.err = err;                                                                                   \
    }                                                                                                     \
    torvyn__release_stream_element(&in);                                                                  \
    return r;                                                                                             \
  }                                                                                                       \
  static void torvyn__post_route(                                                                         \
      void* p) {                                                                                          \
    torvyn_ret_list_string_t* r = (torvyn_ret_list_string_t*)p;                                           \
    if (r->is_err) torvyn_process_error_free(&r->val.err);                                                \
    else torvyn_list_string_free(&r->val.ok);                                                             \
  }

/* ---------------------------------------------------------------------------------------- */
/* aggregator (world stream-aggregator)                                                      */
/*   bool ingest(const torvyn_stream_element_t* in, torvyn_option_output_element_t* out,     */
/*               torvyn_process_error_t* err)                                                */
/*   bool flush(torvyn_list_output_element_t* out, torvyn_process_error_t* err)             */
/*        out: torvyn_malloc'd array                                                         */
/* ---------------------------------------------------------------------------------------- */
#define TORVYN_EXPORT_AGGREGATOR(ingest_fn, flush_fn)                                                     \
  TORVYN__RET_AREA(torvyn_ret_option_output_t, torvyn__ret_ingest, torvyn__post_ingest);                  \
  TORVYN__RET_AREA(torvyn_ret_list_output_t, torvyn__ret_flush, torvyn__post_flush);                      \
  TORVYN_EXTERN_C TORVYN_EXPORT(TORVYN_IFACE_AGGREGATOR "#ingest") void* torvyn__export_ingest(           \
      int64_t seq, int64_t ts, char* ct, size_t ct_len, int32_t payload, int32_t context) {               \
    torvyn__enter();                                                                                      \
    torvyn_stream_element_t in = torvyn__lift_stream_element(seq, ts, ct, ct_len, payload, context);      \
    torvyn_ret_option_output_t* r = TORVYN__TAKE(torvyn__ret_ingest, torvyn__post_ingest);                \
    torvyn_option_output_element_t out;                                                                   \
    torvyn_process_error_t err;                                                                           \
    out.is_some = 0;                                                                                      \
    err.tag = TORVYN_PROCESS_ERROR_INTERNAL;                                                              \
    err.message.ptr = 0;                                                                                  \
    err.message.len = 0;                                                                                  \
    if ((ingest_fn)(&in, &out, &err)) {                                                                   \
      r->is_err = 0;                                                                                      \
      r->val.ok = out;                                                                                    \
    } else {                                                                                              \
      r->is_err = 1;                                                                                      \
      r->val.err = err;                                                                                   \
    }                                                                                                     \
    torvyn__release_stream_element(&in);                                                                  \
    return r;                                                                                             \
  }                                                                                                       \
  static void torvyn__post_ingest(                                                                        \
      void* p) {                                                                                          \
    torvyn__post_option_output((torvyn_ret_option_output_t*)p);                                           \
  }                                                                                                       \
  TORVYN_EXTERN_C TORVYN_EXPORT(TORVYN_IFACE_AGGREGATOR "#flush") void* torvyn__export_flush(void) {      \
    torvyn__enter();                                                                                      \
    torvyn_ret_list_output_t* r = TORVYN__TAKE(torvyn__ret_flush, torvyn__post_flush);                    \
    torvyn_list_output_element_t out;                                                                     \
    out.ptr = 0;                                                                                          \
    out.len = 0;                                                                                          \
    torvyn_process_error_t err;                                                                           \
    err.tag = TORVYN_PROCESS_ERROR_INTERNAL;                                                              \
    err.message.ptr = 0;                                                                                  \
    err.message.len = 0;                                                                                  \
    if ((flush_fn)(&out, &err)) {                                                                         \
      r->is_err = 0;                                                                                      \
      r->val.ok = out;                                                                                    \
    } else {                                                                                              \
      r->is_err = 1;                                                                                      \
      r->val.err = err;                                                                                   \
    }                                                                                                     \
    return r;                                                                                             \
  }                                                                                                       \
  static void torvyn__post_flush(                                                                         \
      void* p) {                                                                                          \
    torvyn_ret_list_output_t* r = (torvyn_ret_list_output_t*)p;                                           \
    if (r->is_err) {                                                                                      \
      torvyn_process_error_free(&r->val.err);                                                             \
    } else {                                                                                              \
      for (size_t i = 0; i < r->val.ok.len; ++i) torvyn__post_output_element(&r->val.ok.ptr[i]);          \
      if (r->val.ok.len) torvyn_free(r->val.ok.ptr);                                                      \
    }                                                                                                     \
  }

/* ---------------------------------------------------------------------------------------- */
/* The role macros: each exports the per-element function and, from the same user function,   */
/* its torvyn:batching form (batch_exports.h). -DTORVYN_NO_BATCH exports the per-element form  */
/* only.                                                                                        */
/* ---------------------------------------------------------------------------------------- */
#ifdef TORVYN_NO_BATCH
#define TORVYN_EXPORT_PROCESSOR(fn) TORVYN__EXPORT_PROCESS(fn)
#define TORVYN_EXPORT_SOURCE(pull_fn, notify_fn) TORVYN__EXPORT_PULL(pull_fn, notify_fn)
#define TORVYN_EXPORT_SINK(push_fn, complete_fn) TORVYN__EXPORT_PUSH(push_fn, complete_fn)
#else
#define TORVYN_EXPORT_PROCESSOR(fn) TORVYN__EXPORT_PROCESS(fn) TORVYN__EXPORT_PROCESS_BATCH(fn)
#define TORVYN_EXPORT_SOURCE(pull_fn, notify_fn) \
  TORVYN__EXPORT_PULL(pull_fn, notify_fn) TORVYN__EXPORT_PULL_BATCH(pull_fn)
#define TORVYN_EXPORT_SINK(push_fn, complete_fn) \
  TORVYN__EXPORT_PUSH(push_fn, complete_fn) TORVYN__EXPORT_PUSH_BATCH(push_fn)
#endif

#endif /* TORVYN_EXPORTS_H */
