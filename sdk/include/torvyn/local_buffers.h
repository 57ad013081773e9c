/*
 * Torvyn guest SDK — batch-local buffers (included by abi.h; not a header of its own).
 *
 * While a batch export (torvyn:batching, batch_exports.h) runs the user's per-element function,
 * the buffers that function sees and makes live in guest memory instead of the host: an input
 * payload is a view of the batch's bytes, and allocate / append / set-content-type / freeze build
 * output in SDK memory. The C API in abi.h (torvyn_buffer_size, torvyn_allocate, ...) serves
 * these "local" handles itself, so the same user code makes no host call per element in a batch
 * and exactly the host calls it always made under the per-element contract.
 *
 * A local handle has bit 30 set. Real handles are indices into the instance's handle table, whose
 * length the Canonical ABI caps at 2^28 - 1 (CanonicalABI.md, Table.MAX_LENGTH), so the two can
 * never be confused. A forged, stale or wrong-kind local handle traps, as the host would trap on
 * a bad handle.
 *
 * The input payload of the element being processed is not in the table: one record serves every
 * element in turn (an input lives exactly as long as the user's call on its element), and its
 * handle has bit 29 set and a number that changes with every element, so a handle kept from an
 * earlier element is stale and traps (as a borrow kept past its call would at the host).
 */
#ifndef TORVYN_LOCAL_BUFFERS_H
#define TORVYN_LOCAL_BUFFERS_H

#ifndef TORVYN_ABI_H
#error "include <torvyn/abi.h> (or torvyn.h / torvyn.hpp), not local_buffers.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define TORVYN__LOCAL_BIT 0x40000000
#define TORVYN__INPUT_BIT 0x20000000 /* with TORVYN__LOCAL_BIT: the current element's input */
/* What the host's mutable-buffer.capacity reports and the most a buffer may hold (16 MiB). */
#define TORVYN__MAX_BUFFER_BYTES ((size_t)16 << 20)

enum { TORVYN__LOCAL_FREE = 0, TORVYN__LOCAL_INPUT = 1, TORVYN__LOCAL_MUTABLE = 2, TORVYN__LOCAL_BUFFER = 3 };

typedef struct torvyn__local {
  uint8_t* data;  /* INPUT: a view of the batch's payloads; otherwise owned (unless `given`);
                   * NULL while `staged` (the bytes are in the output batch: torvyn__local_bytes) */
  size_t len;
  size_t cap;
  size_t off;     /* staged: where the bytes are in the output batch's payload bytes */
  char* ct;       /* content type: INPUT: a view; otherwise owned */
  size_t ct_len;
  uint8_t kind;
  uint8_t frozen; /* MUTABLE: freeze() handed `data` to a BUFFER; writes are rejected */
  uint8_t staged; /* BUFFER made by make_buffer in a batch: its bytes wait in the output batch */
  int32_t next_free;
} torvyn__local_t;

/* Staging. While a batch export that returns a batch (process-batch, pull-batch) runs the user's
 * function, make_buffer writes a buffer's bytes straight into that batch's payload bytes, past
 * what has been emitted: at `top`, which only grows while staged buffers live. Emitting the
 * oldest live staged buffer (the usual case: make a buffer, emit it) then costs no copy and no
 * allocation: its bytes are already where the batch wants them. Any other order moves the other
 * staged buffers' bytes to their own blocks first (torvyn__unstage_all); so does the end of the
 * batch, for buffers the user keeps past it. Staged buffers are referred to by offset: the
 * payload bytes move when they grow. */
typedef struct torvyn__stage {
  uint8_t** bytes; /* the batch's payload bytes (the builder's pointer, which growing moves) */
  size_t* len;     /* bytes emitted so far */
  size_t* cap;     /* their capacity */
  size_t top;      /* end of the staged bytes while any live (then >= *len); unused otherwise */
  uint32_t live;   /* staged buffers not yet emitted or dropped */
} torvyn__stage_t;

/* The current element's input payload (kind TORVYN__LOCAL_INPUT while live, else FREE), and its
 * handle. */
TORVYN_WEAK torvyn__local_t torvyn__input;
TORVYN_WEAK int32_t torvyn__input_handle = TORVYN__LOCAL_BIT | TORVYN__INPUT_BIT;
TORVYN_WEAK torvyn__local_t* torvyn__locals;
TORVYN_WEAK int32_t torvyn__locals_len;
TORVYN_WEAK int32_t torvyn__locals_cap;
TORVYN_WEAK int32_t torvyn__locals_free = -1;
/* Set while a batch export runs the user's function: allocations are local then. */
TORVYN_WEAK int torvyn__batch_active;
/* The output batch make_buffer stages into (NULL: no staging; sinks have no output batch). */
TORVYN_WEAK torvyn__stage_t* torvyn__staging;

/* A buffer being built in place (torvyn_start_buffer .. torvyn_finish_buffer): staged at `at` in
 * the output batch, or in `scratch`. While one is built, nothing else may stage (the built bytes
 * would be overwritten, or moved by a growth under the caller's pointer): every staging step traps. */
typedef struct torvyn__build {
  uint8_t active;
  uint8_t staged;
  size_t at;        /* staged: where its bytes are in the output batch's payload bytes */
  size_t len;
  uint8_t* scratch; /* not staged: torvyn_malloc'd */
} torvyn__build_t;
TORVYN_WEAK torvyn__build_t torvyn__building;

static inline void torvyn__not_building(void) {
  if (torvyn__building.active) torvyn_trap(); /* a buffer is being built: finish it first */
}

/* Grows `*p` (elements of `size` bytes, `*cap` of them) to hold `want`. */
static inline void torvyn__grow(void** p, size_t* cap, size_t want, size_t size) {
  if (want <= *cap) return;
  size_t c = *cap ? *cap * 2 : 16;
  while (c < want) c *= 2;
  *p = torvyn_realloc(*cap ? *p : 0, c * size);
  *cap = c;
}

/* A local buffer's bytes, wherever they are. */
static inline uint8_t* torvyn__local_bytes(const struct torvyn__local* l) {
  return l->staged ? *torvyn__staging->bytes + l->off : l->data;
}

TORVYN_INLINE bool torvyn__is_local(int32_t handle) { return handle >= 0 && (handle & TORVYN__LOCAL_BIT) != 0; }

static inline int32_t torvyn__local_new(uint8_t kind) {
  int32_t i = torvyn__locals_free;
  if (i >= 0) {
    torvyn__locals_free = torvyn__locals[i].next_free;
  } else {
    if (torvyn__locals_len >= TORVYN__INPUT_BIT) torvyn_trap(); /* indices stay below the input bit */
    i = torvyn__locals_len++;
    if (i == torvyn__locals_cap) {
      torvyn__locals_cap = i ? 2 * i : 8;
      torvyn__locals = (torvyn__local_t*)torvyn_realloc(torvyn__locals, sizeof(torvyn__local_t) * (size_t)torvyn__locals_cap);
    }
  }
  torvyn__local_t* l = &torvyn__locals[i];
  __builtin_memset(l, 0, sizeof *l);
  l->kind = kind;
  l->next_free = -1;
  return i | TORVYN__LOCAL_BIT;
}

/* The live local of `handle` whose kind is `kind` (or either buffer kind for TORVYN__LOCAL_INPUT
 * with `any_buffer`); traps otherwise. */
static inline torvyn__local_t* torvyn__local_get(int32_t handle, uint8_t kind, bool any_buffer) {
  if (handle == torvyn__input_handle) {
    if (kind != TORVYN__LOCAL_INPUT || torvyn__input.kind != TORVYN__LOCAL_INPUT) torvyn_trap();
    return &torvyn__input;
  }
  int32_t i = handle & ~TORVYN__LOCAL_BIT;
  if (i & TORVYN__INPUT_BIT) torvyn_trap(); /* an earlier element's input */
  if (!torvyn__is_local(handle) || i >= torvyn__locals_len) torvyn_trap();
  torvyn__local_t* l = &torvyn__locals[i];
  if (l->kind == kind || (any_buffer && l->kind == TORVYN__LOCAL_BUFFER)) return l;
  torvyn_trap();
}

static inline void torvyn__local_free(int32_t handle) {
  if (handle == torvyn__input_handle && torvyn__input.kind == TORVYN__LOCAL_INPUT) {
    torvyn__input.kind = TORVYN__LOCAL_FREE;
    return;
  }
  int32_t i = handle & ~TORVYN__LOCAL_BIT;
  if (i & TORVYN__INPUT_BIT) torvyn_trap(); /* an earlier element's input, or this one's again */
  if (!torvyn__is_local(handle) || i >= torvyn__locals_len || torvyn__locals[i].kind == TORVYN__LOCAL_FREE) torvyn_trap();
  torvyn__local_t* l = &torvyn__locals[i];
  if (l->staged) {
    torvyn__staging->live--;  /* none left: the next one starts at the end of the emitted bytes */
  } else if (l->kind != TORVYN__LOCAL_INPUT && !l->frozen && l->cap) {
    torvyn_free(l->data);
  }
  /* (An interned type, the usual one, is not freed: checked here rather than by a call.) */
  if (l->kind != TORVYN__LOCAL_INPUT && l->ct_len && !torvyn__is_interned(l->ct)) torvyn_free(l->ct);
  l->staged = 0;
  l->kind = TORVYN__LOCAL_FREE;
  l->next_free = torvyn__locals_free;
  torvyn__locals_free = i;
}

/* An input element's payload: a view of `len` bytes with content type `ct` (valid for the call). */
static inline int32_t torvyn__local_input(uint8_t* data, size_t len, torvyn_string_t ct) {
  torvyn__local_t* l = &torvyn__input;
  if (l->kind != TORVYN__LOCAL_FREE) torvyn_trap(); /* the last element's input was not ended */
  l->data = data;
  l->len = len;
  l->ct = ct.ptr;
  l->ct_len = ct.len;
  l->kind = TORVYN__LOCAL_INPUT;
  /* A new number (29 bits, wrapping) for every element: the last one's handle goes stale. */
  int32_t n = ((torvyn__input_handle + 1) & (TORVYN__INPUT_BIT - 1)) | TORVYN__LOCAL_BIT | TORVYN__INPUT_BIT;
  torvyn__input_handle = n;
  return n;
}

static inline torvyn_string_t torvyn__local_dup(const void* p, size_t n) {
  torvyn_string_t s = {0, 0};
  if (!n) return s;
  s.ptr = (char*)torvyn_malloc(n);
  __builtin_memcpy(s.ptr, p, n);
  s.len = n;
  return s;
}

/* A local buffer's own content type: the interned text (no allocation, and torvyn_free ignores
 * it), or a copy when the intern table is full. Content types are few per stream, and make_buffer
 * in a batch would otherwise allocate, copy and free one per element. */
static inline torvyn_string_t torvyn__local_type(const char* s, size_t n) {
  torvyn_string_t t = {0, 0};
  if (!n) return t;
  if (torvyn__is_interned(s)) { /* an element's ContentType, passed on */
    t.ptr = (char*)s;
    t.len = n;
    return t;
  }
  t = torvyn_intern(s, n);
  return t.ptr ? t : torvyn__local_dup(s, n);
}

/* A new local mutable buffer (allocate / clone-into-mutable), holding `len` bytes of `bytes`. */
static inline int32_t torvyn__local_mutable(const void* bytes, size_t len, size_t hint) {
  int32_t h = torvyn__local_new(TORVYN__LOCAL_MUTABLE);
  torvyn__local_t* l = &torvyn__locals[h & ~TORVYN__LOCAL_BIT];
  size_t cap = hint > len ? hint : len;
  if (cap > 65536 && cap > len) cap = len > 65536 ? len : 65536; /* a large hint grows on demand */
  if (cap) {
    l->data = (uint8_t*)torvyn_malloc(cap);
    l->cap = cap;
  }
  if (len) __builtin_memcpy(l->data, bytes, len);
  l->len = len;
  return h;
}

/* Room for `len` more staged bytes in the output batch: their offset in its payload bytes, past
 * the emitted bytes and any staged ones still live. The block may move when it grows: staged
 * bytes are addressed by offset. */
static inline size_t torvyn__stage_reserve(torvyn__stage_t* st, size_t len) {
  size_t at = st->live ? st->top : *st->len;
  torvyn__grow((void**)st->bytes, st->cap, at + len, 1);
  return at;
}

/* A frozen local buffer whose `len` bytes are staged at `at` (torvyn__stage_reserve, then
 * written), with content type `ct`. */
static inline int32_t torvyn__local_staged(size_t at, size_t len, const char* ct, size_t ct_len) {
  int32_t h = torvyn__local_new(TORVYN__LOCAL_BUFFER);
  torvyn__local_t* l = &torvyn__locals[h & ~TORVYN__LOCAL_BIT];
  torvyn__stage_t* st = torvyn__staging;
  l->staged = 1;
  l->off = at;
  l->len = len;
  st->top = at + len;
  st->live++;
  torvyn_string_t type = torvyn__local_type(ct, ct_len);
  l->ct = type.ptr;
  l->ct_len = type.len;
  return h;
}

/* A frozen local buffer holding a copy of `bytes` (make_buffer in a batch: no mutable buffer in
 * between), staged in the output batch when there is one. */
static inline int32_t torvyn__local_frozen(const void* bytes, size_t len, const char* ct, size_t ct_len) {
  torvyn__not_building();
  torvyn__stage_t* st = torvyn__staging;
  if (st && len) {
    /* `bytes` cannot point into the payload bytes: no API hands out a pointer to them. */
    size_t at = torvyn__stage_reserve(st, len);
    __builtin_memcpy(*st->bytes + at, bytes, len);
    return torvyn__local_staged(at, len, ct, ct_len);
  }
  int32_t h = torvyn__local_new(TORVYN__LOCAL_BUFFER);
  torvyn__local_t* l = &torvyn__locals[h & ~TORVYN__LOCAL_BIT];
  torvyn_string_t data = torvyn__local_dup(bytes, len);
  l->data = (uint8_t*)data.ptr;
  l->len = l->cap = data.len;
  torvyn_string_t type = torvyn__local_type(ct, ct_len);
  l->ct = type.ptr;
  l->ct_len = type.len;
  return h;
}

/* Moves every live staged buffer except `keep` (a handle, or -1) to a block of its own. */
static inline void torvyn__unstage_all(int32_t keep) {
  torvyn__not_building();
  torvyn__stage_t* st = torvyn__staging;
  if (!st || st->live == 0) return;
  for (int32_t i = 0; i < torvyn__locals_len; ++i) {
    torvyn__local_t* l = &torvyn__locals[i];
    if (!l->staged || (i | TORVYN__LOCAL_BIT) == keep) continue;
    torvyn_string_t copy = torvyn__local_dup(*st->bytes + l->off, l->len);
    l->data = (uint8_t*)copy.ptr;
    l->cap = copy.len;
    l->staged = 0;
    st->live--;
  }
}

/* buffer-error results, as the host reports them. */
static inline void torvyn__local_error(torvyn_buffer_error_t* err, uint8_t tag, const char* message) {
  if (!err) return;
  err->tag = tag;
  err->message.ptr = 0;
  err->message.len = 0;
  if (tag == TORVYN_BUFFER_ERROR_ALLOCATION_FAILED) err->message = torvyn__local_dup(message, torvyn_strlen(message));
}

/* mutable-buffer.write (append: offset = len). */
static inline bool torvyn__local_write(int32_t handle, bool append, uint64_t offset, const void* bytes, size_t len,
                                       torvyn_buffer_error_t* err) {
  torvyn__local_t* l = torvyn__local_get(handle, TORVYN__LOCAL_MUTABLE, false);
  if (l->frozen) {
    torvyn__local_error(err, TORVYN_BUFFER_ERROR_ALLOCATION_FAILED, "buffer is frozen");
    return false;
  }
  if (append) offset = l->len;
  if (offset > l->len) {
    torvyn__local_error(err, TORVYN_BUFFER_ERROR_OUT_OF_BOUNDS, 0);
    return false;
  }
  if (len > TORVYN__MAX_BUFFER_BYTES || offset > TORVYN__MAX_BUFFER_BYTES - len) {
    torvyn__local_error(err, TORVYN_BUFFER_ERROR_CAPACITY_EXCEEDED, 0);
    return false;
  }
  size_t end = (size_t)offset + len;
  if (end > l->cap) {
    size_t cap = l->cap ? l->cap : 64;
    while (cap < end) cap *= 2;
    l->data = (uint8_t*)torvyn_realloc(l->cap ? l->data : 0, cap);
    l->cap = cap;
  }
  if (len) __builtin_memcpy(l->data + offset, bytes, len);
  if (end > l->len) l->len = end;
  return true;
}

/* mutable-buffer.freeze: a new local buffer takes the bytes; the mutable handle stays (frozen). */
static inline int32_t torvyn__local_freeze(int32_t handle) {
  torvyn__local_t* m = torvyn__local_get(handle, TORVYN__LOCAL_MUTABLE, false);
  if (m->frozen) torvyn_trap(); /* the host traps a second freeze too */
  uint8_t* data = m->data;
  size_t len = m->len, cap = m->cap;
  torvyn_string_t ct = torvyn__local_type(m->ct, m->ct_len);
  m->frozen = 1;
  int32_t h = torvyn__local_new(TORVYN__LOCAL_BUFFER); /* may move the table: `m` is stale now */
  torvyn__local_t* b = &torvyn__locals[h & ~TORVYN__LOCAL_BIT];
  b->data = data;
  b->len = len;
  b->cap = cap;
  b->ct = ct.ptr;
  b->ct_len = ct.len;
  return h;
}

static inline void torvyn__local_set_content_type(int32_t handle, const char* s, size_t len) {
  torvyn__local_t* l = torvyn__local_get(handle, TORVYN__LOCAL_MUTABLE, false);
  if (l->frozen) return; /* ignored, as by the host */
  if (len > 1024) torvyn_trap(); /* the host's limit on a content type is a trap too */
  if (l->ct_len) torvyn_free(l->ct);
  torvyn_string_t ct = torvyn__local_type(s, len);
  l->ct = ct.ptr;
  l->ct_len = ct.len;
}

/* buffer.read: a copy of up to `len` bytes from `offset` (short read past the end). */
static inline torvyn_list_u8_t torvyn__local_read(int32_t handle, uint64_t offset, uint64_t len) {
  torvyn__local_t* l = torvyn__local_get(handle, TORVYN__LOCAL_INPUT, true);
  torvyn_list_u8_t r = {0, 0};
  if (offset >= l->len) return r;
  size_t n = l->len - (size_t)offset;
  if (len < n) n = (size_t)len;
  torvyn_string_t s = torvyn__local_dup(torvyn__local_bytes(l) + offset, n);
  r.ptr = (uint8_t*)s.ptr;
  r.len = s.len;
  return r;
}

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TORVYN_LOCAL_BUFFERS_H */
