/*
 * Torvyn guest SDK — the batch forms (torvyn:batching@0.1.0, wit/batching, docs/batching.md).
 *
 * TORVYN_EXPORT_PROCESSOR / _SOURCE / _SINK (exports.h) export these next to the per-element
 * functions, from the same user function: the batch adapter loops over the batch and calls it once
 * per element with a stream-element whose payload is a batch-local buffer (local_buffers.h), so
 * the loop makes no host call per element. Emitted payloads are gathered into one output batch.
 * The build helper gives the component a `batch-*` world when its core module exports these.
 *
 * What the host lowers (metas, content types, payloads, ends) belongs to the guest: the adapter
 * frees it before returning. What the result holds is freed when the same export is entered again.
 */
#ifndef TORVYN_BATCH_EXPORTS_H
#define TORVYN_BATCH_EXPORTS_H

#include "abi.h"

#define TORVYN_IFACE_BATCH_PROCESSOR "torvyn:batching/processor@0.1.0"
#define TORVYN_IFACE_BATCH_SOURCE "torvyn:batching/source@0.1.0"
#define TORVYN_IFACE_BATCH_SINK "torvyn:batching/sink@0.1.0"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Canonical ABI layouts ---------------------------------------------------------------- */

/** `record element-meta { sequence: u64, timestamp-ns: u64, content-type: u32 }` */
typedef struct torvyn_batch_meta {
  uint64_t sequence;
  uint64_t timestamp_ns;
  uint32_t content_type; /* index into the batch's content-types */
} torvyn_batch_meta_t;
typedef struct torvyn_list_batch_meta {
  torvyn_batch_meta_t* ptr;
  size_t len;
} torvyn_list_batch_meta_t;
typedef struct torvyn_list_u32 {
  uint32_t* ptr;
  size_t len;
} torvyn_list_u32_t;

/** `record batch { metas, content-types, payloads, ends }` */
typedef struct torvyn_batch {
  torvyn_list_batch_meta_t metas;
  torvyn_list_string_t content_types;
  torvyn_list_u8_t payloads;
  torvyn_list_u32_t ends;
} torvyn_batch_t;

/** `variant element-outcome { emit, drop, error(process-error) }` and `variant pull-end { more,
 * done, failed(process-error) }` and `result<_, process-error>`: a tag and a process-error. */
enum { TORVYN_OUTCOME_EMIT = 0, TORVYN_OUTCOME_DROP = 1, TORVYN_OUTCOME_ERROR = 2 };
enum { TORVYN_PULL_MORE = 0, TORVYN_PULL_DONE = 1, TORVYN_PULL_FAILED = 2 };
typedef struct torvyn_batch_status {
  uint8_t tag;
  torvyn_process_error_t error; /* for ERROR / FAILED / err */
} torvyn_batch_status_t;
typedef struct torvyn_list_batch_status {
  torvyn_batch_status_t* ptr;
  size_t len;
} torvyn_list_batch_status_t;

/* Return areas. */
typedef struct torvyn_ret_process_batch { /* result<tuple<list<element-outcome>, batch>, process-error> */
  uint8_t is_err;
  union {
    struct {
      torvyn_list_batch_status_t outcomes;
      torvyn_batch_t out;
    } ok;
    torvyn_process_error_t err;
  } val;
} torvyn_ret_process_batch_t;
typedef struct torvyn_ret_pull_batch { /* tuple<batch, pull-end> */
  torvyn_batch_t batch;
  torvyn_batch_status_t end;
} torvyn_ret_pull_batch_t;
typedef struct torvyn_ret_push_batch { /* result<tuple<list<result<_, process-error>>, backpressure-signal>, process-error> */
  uint8_t is_err;
  union {
    struct {
      torvyn_list_batch_status_t results;
      uint8_t signal;
    } ok;
    torvyn_process_error_t err;
  } val;
} torvyn_ret_push_batch_t;

TORVYN__LAYOUT(torvyn_batch_meta_t, 24, 8);
TORVYN__LAYOUT(torvyn_batch_t, 32, 4);
TORVYN__LAYOUT(torvyn_batch_status_t, 16, 4);
TORVYN__LAYOUT(torvyn_ret_process_batch_t, 44, 4);
TORVYN__LAYOUT(torvyn_ret_pull_batch_t, 48, 4);
TORVYN__LAYOUT(torvyn_ret_push_batch_t, 16, 4);
TORVYN_STATIC_ASSERT(offsetof(torvyn_batch_status_t, error) == 4, "variant payload offset");
TORVYN_STATIC_ASSERT(offsetof(torvyn_ret_process_batch_t, val) == 4, "result payload offset");
TORVYN_STATIC_ASSERT(offsetof(torvyn_ret_pull_batch_t, end) == 32, "tuple field offset");

/* ---- Output batches ------------------------------------------------------------------------ */

/* Equal strings (interned ones are equal by pointer). */
static inline bool torvyn__same_string(torvyn_string_t a, torvyn_string_t b) {
  return a.len == b.len && (a.ptr == b.ptr || torvyn__equal_bytes(a.ptr, b.ptr, a.len));
}

typedef struct torvyn__batch_builder {
  torvyn_batch_t b;
  size_t metas_cap, types_cap, bytes_cap, ends_cap;
  torvyn__stage_t stage; /* make_buffer's staging into b.payloads (local_buffers.h) */
} torvyn__batch_builder_t;

/* The blocks of the last batch a batch export returned. The host has read that batch once the
 * export is entered again (post-return), so the next batch is built in the same blocks instead of
 * growing new ones from 16 entries (a 64-element batch of 64-byte payloads would otherwise
 * reallocate and copy its payload bytes 9 times). `lent`: the batch the host holds now; `spare`:
 * blocks waiting for the next batch (lengths 0). One of each suffices: an instance runs one export
 * at a time, and each role has one batch export that returns a batch. */
#define TORVYN__SPARE_BYTES_MAX ((size_t)1 << 20)
TORVYN_WEAK torvyn__batch_builder_t torvyn__batch_lent;
TORVYN_WEAK torvyn__batch_builder_t torvyn__batch_spare;

static inline bool torvyn__builder_has_blocks(const torvyn__batch_builder_t* bb) {
  return (bb->metas_cap | bb->types_cap | bb->bytes_cap | bb->ends_cap) != 0;
}

/* An empty builder, which make_buffer stages into until torvyn__batch_end. */
static inline void torvyn__batch_begin(torvyn__batch_builder_t* bb) {
  __builtin_memset(bb, 0, sizeof *bb);
  if (torvyn__builder_has_blocks(&torvyn__batch_spare)) {
    *bb = torvyn__batch_spare; /* lengths are 0 */
    __builtin_memset(&torvyn__batch_spare, 0, sizeof torvyn__batch_spare);
  }
  bb->stage.bytes = &bb->b.payloads.ptr;
  bb->stage.len = &bb->b.payloads.len;
  bb->stage.cap = &bb->bytes_cap;
  torvyn__staging = &bb->stage;
  torvyn__batch_active = 1;
}
/* The user's function has run for the batch: buffers it keeps past the batch get their own
 * blocks (the payload bytes go to the host). */
static inline void torvyn__batch_end(void) {
  torvyn__unstage_all(-1);
  torvyn__staging = 0;
  torvyn__batch_active = 0;
}

/* Appends an output element: its payload's bytes are copied into the batch and the payload handle
 * is dropped (a local one freed; a host one, which a batch-mode function should not have, read and
 * dropped); its content-type string is kept once per distinct type. Consumes `o`. */
static inline void torvyn__batch_add(torvyn__batch_builder_t* bb, torvyn_output_element_t* o) {
  torvyn__not_building(); /* the user's function returned with a buffer half built */
  torvyn_batch_t* b = &bb->b;
  uint32_t k = (uint32_t)b->content_types.len;
  torvyn_string_t ct = o->meta.content_type;
  if (k && torvyn__same_string(b->content_types.ptr[k - 1], ct)) {
    k = k - 1;
  } else {
    uint32_t j = 0;
    while (j < b->content_types.len && !torvyn__same_string(b->content_types.ptr[j], ct)) ++j;
    k = j;
  }
  if (k == b->content_types.len) {
    torvyn__grow((void**)&b->content_types.ptr, &bb->types_cap, k + 1, sizeof(torvyn_string_t));
    b->content_types.ptr[k] = ct; /* the batch owns it now */
    b->content_types.len = k + 1;
  } else {
    torvyn_string_free(&o->meta.content_type);
  }

  const uint8_t* data = 0;
  size_t len = 0;
  torvyn_list_u8_t host_bytes = {0, 0};
  torvyn__local_t* staged = 0; /* a buffer make_buffer staged in this batch's payload bytes */
  if (torvyn__is_local(o->payload.handle)) {
    torvyn__local_t* l = torvyn__local_get(o->payload.handle, TORVYN__LOCAL_BUFFER, false);
    if (l->staged) staged = l;
    data = l->data;
    len = l->len;
  } else {
    host_bytes = torvyn_buffer_read_all(torvyn_buffer_borrow(o->payload));
    data = host_bytes.ptr;
    len = host_bytes.len;
  }
  if (len > 0xffffffffu - b->payloads.len) torvyn_trap(); /* ends are u32 */
  if (staged) {
    if (staged->off != b->payloads.len) {
      /* Not the next bytes in line: the other staged buffers move out of the way, and these
       * bytes move down to the end of the emitted ones. */
      torvyn__unstage_all(o->payload.handle);
      __builtin_memmove(b->payloads.ptr + b->payloads.len, b->payloads.ptr + staged->off, len);
    }
    /* Now in place (the end of the emitted bytes; off + len <= top <= capacity). */
  } else {
    if (torvyn__staging && torvyn__staging->live) torvyn__unstage_all(-1); /* we write where they are */
    /* Growing keeps staged bytes: they are within the old capacity, which realloc copies. */
    torvyn__grow((void**)&b->payloads.ptr, &bb->bytes_cap, b->payloads.len + len, 1);
    if (len) __builtin_memcpy(b->payloads.ptr + b->payloads.len, data, len);
  }
  b->payloads.len += len;
  torvyn_list_u8_free(&host_bytes);
  torvyn_buffer_drop(o->payload); /* a staged one stops being staged */

  size_t i = b->metas.len;
  torvyn__grow((void**)&b->metas.ptr, &bb->metas_cap, i + 1, sizeof(torvyn_batch_meta_t));
  torvyn__grow((void**)&b->ends.ptr, &bb->ends_cap, i + 1, sizeof(uint32_t));
  b->metas.ptr[i].sequence = o->meta.sequence;
  b->metas.ptr[i].timestamp_ns = o->meta.timestamp_ns;
  b->metas.ptr[i].content_type = k;
  b->ends.ptr[i] = (uint32_t)b->payloads.len;
  b->metas.len = i + 1;
  b->ends.len = i + 1;
}

/* Frees what a batch holds (its lists and content-type strings; zero-length lists are never
 * allocated, nor freed: a host may pass a dummy pointer for them). */
static inline void torvyn__batch_free(torvyn_batch_t* b) {
  for (size_t j = 0; j < b->content_types.len; ++j) torvyn_string_free(&b->content_types.ptr[j]);
  if (b->content_types.len) torvyn_free(b->content_types.ptr);
  if (b->metas.len) torvyn_free(b->metas.ptr);
  if (b->payloads.len) torvyn_free(b->payloads.ptr);
  if (b->ends.len) torvyn_free(b->ends.ptr);
  __builtin_memset(b, 0, sizeof *b);
}
/* Frees a builder's blocks, whatever their lengths. */
static inline void torvyn__builder_free(torvyn__batch_builder_t* bb) {
  if (bb->types_cap) torvyn_free(bb->b.content_types.ptr);
  if (bb->metas_cap) torvyn_free(bb->b.metas.ptr);
  if (bb->bytes_cap) torvyn_free(bb->b.payloads.ptr);
  if (bb->ends_cap) torvyn_free(bb->b.ends.ptr);
  __builtin_memset(bb, 0, sizeof *bb);
}

/* A builder's batch, for the host; its blocks (with their capacities) stay lent until
 * torvyn__batch_recycle. An empty list goes out as a null pointer (any pointer is valid for zero
 * elements; null keeps what the host sees independent of the blocks behind it). */
static inline torvyn_batch_t torvyn__batch_take(torvyn__batch_builder_t* bb) {
  torvyn__batch_lent = *bb;
  torvyn_batch_t b = bb->b;
  if (!b.content_types.len) b.content_types.ptr = 0;
  if (!b.metas.len) b.metas.ptr = 0;
  if (!b.payloads.len) b.payloads.ptr = 0;
  if (!b.ends.len) b.ends.ptr = 0;
  return b;
}

/* Post-return of a batch from torvyn__batch_take: its content-type strings are freed and its
 * blocks wait for the next batch. */
static inline void torvyn__batch_recycle(torvyn_batch_t* b) {
  torvyn__batch_builder_t* l = &torvyn__batch_lent;
  for (size_t j = 0; j < b->content_types.len; ++j) torvyn_string_free(&b->content_types.ptr[j]);
  l->b.metas.len = l->b.content_types.len = l->b.payloads.len = l->b.ends.len = 0;
  if (torvyn__builder_has_blocks(&torvyn__batch_spare)) {
    /* Cannot happen (one batch is lent at a time); free rather than leak. */
    torvyn__builder_free(&torvyn__batch_spare);
  }
  if (l->bytes_cap > TORVYN__SPARE_BYTES_MAX) { /* one batch of large payloads: not kept for the next */
    torvyn_free(l->b.payloads.ptr);
    l->b.payloads.ptr = 0;
    l->bytes_cap = 0;
  }
  __builtin_memset(&l->stage, 0, sizeof l->stage);
  torvyn__batch_spare = *l;
  __builtin_memset(l, 0, sizeof *l);
  __builtin_memset(b, 0, sizeof *b);
}

static inline void torvyn__statuses_free(torvyn_list_batch_status_t* l, uint8_t error_tag) {
  for (size_t i = 0; i < l->len; ++i)
    if (l->ptr[i].tag == error_tag) torvyn_process_error_free(&l->ptr[i].error);
  if (l->len) torvyn_free(l->ptr);
  l->ptr = 0;
  l->len = 0;
}

/* ---- Input batches ------------------------------------------------------------------------- */

/* The batch the host lowered, checked once (the per-element functions then see valid elements). */
typedef struct torvyn__batch_in {
  torvyn_batch_t b;
  int32_t context; /* borrow<flow-context>, ended when the call ends */
} torvyn__batch_in_t;

/* Checks the batch, and interns its content types (usually one): every element's metadata then
 * carries an interned type, which the user's function copies into its output (`{in.meta, ...}`)
 * by pointer instead of comparing its bytes once per element. */
static inline void torvyn__batch_in_check(torvyn__batch_in_t* in) {
  torvyn_batch_t* b = &in->b;
  for (size_t j = 0; j < b->content_types.len; ++j) {
    torvyn_string_t* ct = &b->content_types.ptr[j];
    torvyn_string_t t = torvyn_intern(ct->ptr, ct->len);
    if (!t.ptr) continue; /* empty, or the intern table is full: the element keeps the batch's copy */
    torvyn_string_free(ct);
    *ct = t;
  }
  if (b->ends.len != b->metas.len) torvyn_trap();
  uint32_t prev = 0;
  for (size_t i = 0; i < b->metas.len; ++i) {
    if (b->ends.ptr[i] < prev || b->ends.ptr[i] > b->payloads.len) torvyn_trap();
    if (b->metas.ptr[i].content_type >= b->content_types.len) torvyn_trap();
    prev = b->ends.ptr[i];
  }
}

/* Element i as the per-element functions take it; its payload is a new local input buffer. */
static inline torvyn_stream_element_t torvyn__batch_in_element(const torvyn__batch_in_t* in, size_t i) {
  const torvyn_batch_t* b = &in->b;
  uint32_t start = i ? b->ends.ptr[i - 1] : 0;
  torvyn_stream_element_t e;
  e.meta.sequence = b->metas.ptr[i].sequence;
  e.meta.timestamp_ns = b->metas.ptr[i].timestamp_ns;
  e.meta.content_type = b->content_types.ptr[b->metas.ptr[i].content_type];
  e.payload.handle = torvyn__local_input(b->payloads.ptr + start, b->ends.ptr[i] - start, e.meta.content_type);
  e.context.handle = in->context;
  return e;
}

/* End of the call: the lowered lists are ours to free, and the context borrow must be ended
 * before returning (Canonical ABI). */
static inline void torvyn__batch_in_release(torvyn__batch_in_t* in) {
  torvyn__batch_free(&in->b);
  torvyn_borrow_flow_context_t ctx = {in->context};
  torvyn_borrow_flow_context_drop(ctx);
}

static inline void torvyn__reset_error(torvyn_process_error_t* err) {
  err->tag = TORVYN_PROCESS_ERROR_INTERNAL;
  err->message.ptr = 0;
  err->message.len = 0;
}

/* ---- The adapters (one per role; the macros below bind them to the user's function) ------- */

typedef bool (*torvyn__process_fn)(const torvyn_stream_element_t*, torvyn_process_result_t*, torvyn_process_error_t*);
typedef bool (*torvyn__pull_fn)(torvyn_option_output_element_t*, torvyn_process_error_t*);
typedef bool (*torvyn__push_fn)(const torvyn_stream_element_t*, torvyn_backpressure_signal_t*, torvyn_process_error_t*);

/* process-batch: one call of `fn` per element, in order; stops after a fatal error (the host
 * tears the component down then, as after a fatal per-element call). */
static inline void torvyn__process_batch(torvyn__process_fn fn, torvyn__batch_in_t* in, torvyn_ret_process_batch_t* r) {
  torvyn__batch_in_check(in);
  size_t n = in->b.metas.len;
  torvyn_list_batch_status_t outcomes = {0, 0};
  if (n) outcomes.ptr = (torvyn_batch_status_t*)torvyn_malloc(n * sizeof(torvyn_batch_status_t));
  torvyn__batch_builder_t out;
  torvyn__batch_begin(&out);
  for (size_t i = 0; i < n; ++i) {
    torvyn_stream_element_t e = torvyn__batch_in_element(in, i);
    torvyn_process_result_t res;
    torvyn_process_error_t err;
    res.tag = TORVYN_PROCESS_RESULT_DROP;
    torvyn__reset_error(&err);
    bool ok = fn(&e, &res, &err);
    torvyn__local_free(e.payload.handle);
    torvyn_batch_status_t* o = &outcomes.ptr[outcomes.len++];
    if (!ok) {
      o->tag = TORVYN_OUTCOME_ERROR;
      o->error = err;
      if (err.tag == TORVYN_PROCESS_ERROR_FATAL) break;
    } else if (res.tag == TORVYN_PROCESS_RESULT_EMIT) {
      o->tag = TORVYN_OUTCOME_EMIT;
      torvyn__batch_add(&out, &res.emit);
    } else {
      o->tag = TORVYN_OUTCOME_DROP;
    }
  }
  torvyn__batch_end();
  if (!outcomes.len && outcomes.ptr) torvyn_free(outcomes.ptr), outcomes.ptr = 0;
  torvyn__batch_in_release(in);
  r->is_err = 0;
  r->val.ok.outcomes = outcomes;
  r->val.ok.out = torvyn__batch_take(&out);
}
static inline void torvyn__post_process_batch(torvyn_ret_process_batch_t* r) {
  if (r->is_err) {
    torvyn_process_error_free(&r->val.err);
    return;
  }
  torvyn__statuses_free(&r->val.ok.outcomes, TORVYN_OUTCOME_ERROR);
  torvyn__batch_recycle(&r->val.ok.out);
}

/* pull-batch: up to `max` calls of `fn`; ends at the first `none` (done) or error (failed). */
static inline void torvyn__pull_batch(torvyn__pull_fn fn, uint32_t max, torvyn_ret_pull_batch_t* r) {
  torvyn__batch_builder_t out;
  r->end.tag = TORVYN_PULL_MORE;
  torvyn__batch_begin(&out);
  for (uint32_t k = 0; k < max; ++k) {
    torvyn_option_output_element_t o;
    torvyn_process_error_t err;
    o.is_some = 0;
    torvyn__reset_error(&err);
    if (!fn(&o, &err)) {
      r->end.tag = TORVYN_PULL_FAILED;
      r->end.error = err;
      break;
    }
    if (!o.is_some) {
      r->end.tag = TORVYN_PULL_DONE;
      break;
    }
    torvyn__batch_add(&out, &o.val);
  }
  torvyn__batch_end();
  r->batch = torvyn__batch_take(&out);
}
static inline void torvyn__post_pull_batch(torvyn_ret_pull_batch_t* r) {
  if (r->end.tag == TORVYN_PULL_FAILED) torvyn_process_error_free(&r->end.error);
  torvyn__batch_recycle(&r->batch);
}

/* push-batch: one call of `fn` per element, in order. A `pause` does not stop the batch (the
 * elements are here already): the sink asks for the pause after the batch. Stops after a fatal
 * error. */
static inline void torvyn__push_batch(torvyn__push_fn fn, torvyn__batch_in_t* in, torvyn_ret_push_batch_t* r) {
  torvyn__batch_in_check(in);
  size_t n = in->b.metas.len;
  torvyn_list_batch_status_t results = {0, 0};
  if (n) results.ptr = (torvyn_batch_status_t*)torvyn_malloc(n * sizeof(torvyn_batch_status_t));
  uint8_t signal = TORVYN_BACKPRESSURE_READY;
  torvyn__batch_active = 1;
  for (size_t i = 0; i < n; ++i) {
    torvyn_stream_element_t e = torvyn__batch_in_element(in, i);
    torvyn_backpressure_signal_t s = TORVYN_BACKPRESSURE_READY;
    torvyn_process_error_t err;
    torvyn__reset_error(&err);
    bool ok = fn(&e, &s, &err);
    torvyn__local_free(e.payload.handle);
    torvyn_batch_status_t* o = &results.ptr[results.len++];
    if (!ok) {
      o->tag = 1;
      o->error = err;
      if (err.tag == TORVYN_PROCESS_ERROR_FATAL) break;
    } else {
      o->tag = 0;
      if (s == TORVYN_BACKPRESSURE_PAUSE) signal = TORVYN_BACKPRESSURE_PAUSE;
    }
  }
  torvyn__batch_active = 0;
  if (!results.len && results.ptr) torvyn_free(results.ptr), results.ptr = 0;
  torvyn__batch_in_release(in);
  r->is_err = 0;
  r->val.ok.results = results;
  r->val.ok.signal = signal;
}
static inline void torvyn__post_push_batch(torvyn_ret_push_batch_t* r) {
  if (r->is_err) {
    torvyn_process_error_free(&r->val.err);
    return;
  }
  torvyn__statuses_free(&r->val.ok.results, 1);
}

#ifdef __cplusplus
} /* extern "C" */
#endif

/* The flat parameters of a `batch` followed by `borrow<flow-context>`. */
#define TORVYN__BATCH_PARAMS                                                                           \
  torvyn_batch_meta_t *metas, size_t metas_len, torvyn_string_t *types, size_t types_len, uint8_t *payloads, \
      size_t payloads_len, uint32_t *ends, size_t ends_len, int32_t context
#define TORVYN__BATCH_IN                                                                               \
  {{{metas, metas_len}, {types, types_len}, {payloads, payloads_len}, {ends, ends_len}}, context}

/* process-batch export for `fn` (the per-element function of TORVYN_EXPORT_PROCESSOR). */
#define TORVYN__EXPORT_PROCESS_BATCH(fn)                                                              \
  TORVYN__RET_AREA(torvyn_ret_process_batch_t, torvyn__ret_process_batch, torvyn__post_process_batch_area); \
  TORVYN_EXTERN_C TORVYN_EXPORT(TORVYN_IFACE_BATCH_PROCESSOR "#process-batch") void* torvyn__export_process_batch( \
      TORVYN__BATCH_PARAMS) {                                                                         \
    torvyn__enter();                                                                                  \
    torvyn__batch_in_t in = TORVYN__BATCH_IN;                                                         \
    torvyn_ret_process_batch_t* r = TORVYN__TAKE(torvyn__ret_process_batch, torvyn__post_process_batch_area); \
    torvyn__process_batch(fn, &in, r);                                                                \
    return r;                                                                                         \
  }                                                                                                   \
  static void torvyn__post_process_batch_area(void* p) { torvyn__post_process_batch((torvyn_ret_process_batch_t*)p); }

/* pull-batch export for `fn` (the pull function of TORVYN_EXPORT_SOURCE). */
#define TORVYN__EXPORT_PULL_BATCH(fn)                                                                 \
  TORVYN__RET_AREA(torvyn_ret_pull_batch_t, torvyn__ret_pull_batch, torvyn__post_pull_batch_area);    \
  TORVYN_EXTERN_C TORVYN_EXPORT(TORVYN_IFACE_BATCH_SOURCE "#pull-batch") void* torvyn__export_pull_batch(int32_t max) { \
    torvyn__enter();                                                                                  \
    torvyn_ret_pull_batch_t* r = TORVYN__TAKE(torvyn__ret_pull_batch, torvyn__post_pull_batch_area);  \
    torvyn__pull_batch(fn, (uint32_t)max, r);                                                         \
    return r;                                                                                         \
  }                                                                                                   \
  static void torvyn__post_pull_batch_area(void* p) { torvyn__post_pull_batch((torvyn_ret_pull_batch_t*)p); }

/* push-batch export for `fn` (the push function of TORVYN_EXPORT_SINK). */
#define TORVYN__EXPORT_PUSH_BATCH(fn)                                                                 \
  TORVYN__RET_AREA(torvyn_ret_push_batch_t, torvyn__ret_push_batch, torvyn__post_push_batch_area);    \
  TORVYN_EXTERN_C TORVYN_EXPORT(TORVYN_IFACE_BATCH_SINK "#push-batch") void* torvyn__export_push_batch( \
      TORVYN__BATCH_PARAMS) {                                                                         \
    torvyn__enter();                                                                                  \
    torvyn__batch_in_t in = TORVYN__BATCH_IN;                                                         \
    torvyn_ret_push_batch_t* r = TORVYN__TAKE(torvyn__ret_push_batch, torvyn__post_push_batch_area);  \
    torvyn__push_batch(fn, &in, r);                                                                   \
    return r;                                                                                         \
  }                                                                                                   \
  static void torvyn__post_push_batch_area(void* p) { torvyn__post_push_batch((torvyn_ret_push_batch_t*)p); }

#endif /* TORVYN_BATCH_EXPORTS_H */
