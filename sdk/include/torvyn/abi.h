/*
 * Torvyn guest SDK — C layer: Canonical ABI types, runtime and imports.
 *
 * Written from the Component Model Canonical ABI (design/mvp/CanonicalABI.md) for the
 * `torvyn:streaming@0.1.0` contract. Header-only: the runtime pieces (allocator, cabi_realloc,
 * mem* for WASI-free guests) are emitted as weak definitions so any number of translation
 * units may include this header.
 *
 * Layout: the C structs below ARE the Canonical ABI memory layouts on wasm32 (records are C
 * structs; a variant is a u8 discriminant followed by its payload aligned to the largest case
 * alignment, i.e. a struct { uint8_t tag; union {...} }). The static asserts pin them.
 *
 * Ownership rules (Canonical ABI):
 *  - A `(ptr, len)` string/list that the host returns from an import was allocated in guest
 *    memory through cabi_realloc: the guest owns it (torvyn_string_free / torvyn_list_u8_free).
 *  - Strings/lists the guest puts in an export's results must be allocated with torvyn_malloc
 *    (or torvyn_string_dup); the SDK frees them when the same export is entered the next time
 *    (the host has read them by then). A zero-length string/list is never allocated or freed.
 *  - `own<buffer>` / `own<mutable-buffer>` handles the guest receives must be dropped exactly
 *    once, or handed back to the host (returning an output-element moves its payload handle).
 *  - `borrow<...>` handles received as export parameters (stream-element.payload/context) must
 *    be dropped before the export returns; the SDK's export adapters do that after the user's
 *    function returns, so user code must never drop them (nor keep them past the call).
 */
#ifndef TORVYN_ABI_H
#define TORVYN_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if !defined(__wasm32__)
#error "torvyn/abi.h targets wasm32 (compile with --target=wasm32-unknown-unknown or wasm32-wasi)"
#endif

#ifdef __cplusplus
#define TORVYN_EXTERN_C extern "C"
#define TORVYN_STATIC_ASSERT(c, m) static_assert(c, m)
#define TORVYN_ALIGNOF(t) alignof(t)
#else
#define TORVYN_EXTERN_C
#define TORVYN_STATIC_ASSERT(c, m) _Static_assert(c, m)
#define TORVYN_ALIGNOF(t) _Alignof(t)
#endif

#define TORVYN_WEAK __attribute__((weak))
#define TORVYN_EXPORT(name) __attribute__((export_name(name)))
#define TORVYN_IMPORT(module, name) __attribute__((import_module(module), import_name(name)))
#define TORVYN_INLINE static inline __attribute__((always_inline))

#define TORVYN_TYPES_MODULE "torvyn:streaming/types@0.1.0"
#define TORVYN_ALLOCATOR_MODULE "torvyn:streaming/buffer-allocator@0.1.0"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Types (Canonical ABI layouts)                                                               */
/* ------------------------------------------------------------------------------------------ */

/** `string`: UTF-8 bytes, not NUL-terminated. */
typedef struct torvyn_string {
  char* ptr;
  size_t len;
} torvyn_string_t;

/** `list<u8>`. */
typedef struct torvyn_list_u8 {
  uint8_t* ptr;
  size_t len;
} torvyn_list_u8_t;

/** `list<string>`. */
typedef struct torvyn_list_string {
  torvyn_string_t* ptr;
  size_t len;
} torvyn_list_string_t;

/* Handles are i32 indices into the instance's handle table. Distinct structs keep own and
 * borrow apart at compile time. TORVYN_INVALID_HANDLE never names a live handle. */
#define TORVYN_INVALID_HANDLE ((int32_t)-1)
typedef struct torvyn_buffer { int32_t handle; } torvyn_buffer_t;                 /* own<buffer> */
typedef struct torvyn_borrow_buffer { int32_t handle; } torvyn_borrow_buffer_t;   /* borrow<buffer> */
typedef struct torvyn_mutable_buffer { int32_t handle; } torvyn_mutable_buffer_t; /* own<mutable-buffer> */
typedef struct torvyn_borrow_mutable_buffer { int32_t handle; } torvyn_borrow_mutable_buffer_t;
typedef struct torvyn_borrow_flow_context { int32_t handle; } torvyn_borrow_flow_context_t; /* borrow<flow-context> */

/** `variant buffer-error { capacity-exceeded, out-of-bounds, allocation-failed(string) }` */
enum {
  TORVYN_BUFFER_ERROR_CAPACITY_EXCEEDED = 0,
  TORVYN_BUFFER_ERROR_OUT_OF_BOUNDS = 1,
  TORVYN_BUFFER_ERROR_ALLOCATION_FAILED = 2,
};
typedef struct torvyn_buffer_error {
  uint8_t tag;
  torvyn_string_t message; /* valid only for ALLOCATION_FAILED */
} torvyn_buffer_error_t;

/** `record element-meta { sequence: u64, timestamp-ns: u64, content-type: string }` */
typedef struct torvyn_element_meta {
  uint64_t sequence;
  uint64_t timestamp_ns;
  torvyn_string_t content_type;
} torvyn_element_meta_t;

/** `record stream-element { meta, payload: borrow<buffer>, context: borrow<flow-context> }` */
typedef struct torvyn_stream_element {
  torvyn_element_meta_t meta;
  torvyn_borrow_buffer_t payload;
  torvyn_borrow_flow_context_t context;
} torvyn_stream_element_t;

/** `record output-element { meta: element-meta, payload: buffer }` (payload is own<buffer>) */
typedef struct torvyn_output_element {
  torvyn_element_meta_t meta;
  torvyn_buffer_t payload;
} torvyn_output_element_t;

/** `list<output-element>` */
typedef struct torvyn_list_output_element {
  torvyn_output_element_t* ptr;
  size_t len;
} torvyn_list_output_element_t;

/** `variant process-result { emit(output-element), drop }` */
enum { TORVYN_PROCESS_RESULT_EMIT = 0, TORVYN_PROCESS_RESULT_DROP = 1 };
typedef struct torvyn_process_result {
  uint8_t tag;
  torvyn_output_element_t emit; /* valid only for EMIT */
} torvyn_process_result_t;

/** `variant process-error { invalid-input(string), unavailable(string), internal(string),
 *   deadline-exceeded, fatal(string) }` */
enum {
  TORVYN_PROCESS_ERROR_INVALID_INPUT = 0,
  TORVYN_PROCESS_ERROR_UNAVAILABLE = 1,
  TORVYN_PROCESS_ERROR_INTERNAL = 2,
  TORVYN_PROCESS_ERROR_DEADLINE_EXCEEDED = 3,
  TORVYN_PROCESS_ERROR_FATAL = 4,
};
typedef struct torvyn_process_error {
  uint8_t tag;
  torvyn_string_t message; /* unused for DEADLINE_EXCEEDED */
} torvyn_process_error_t;

/** `enum backpressure-signal { ready, pause }` */
typedef enum torvyn_backpressure_signal {
  TORVYN_BACKPRESSURE_READY = 0,
  TORVYN_BACKPRESSURE_PAUSE = 1,
} torvyn_backpressure_signal_t;

/** `option<output-element>` */
typedef struct torvyn_option_output_element {
  uint8_t is_some;
  torvyn_output_element_t val;
} torvyn_option_output_element_t;

/* Return areas of the exports (result<T, process-error>): discriminant 0 = ok, 1 = err. */
typedef struct torvyn_ret_process {
  uint8_t is_err;
  union { torvyn_process_result_t ok; torvyn_process_error_t err; } val;
} torvyn_ret_process_t;
typedef struct torvyn_ret_option_output {
  uint8_t is_err;
  union { torvyn_option_output_element_t ok; torvyn_process_error_t err; } val;
} torvyn_ret_option_output_t;
typedef struct torvyn_ret_backpressure {
  uint8_t is_err;
  union { uint8_t ok; torvyn_process_error_t err; } val;
} torvyn_ret_backpressure_t;
typedef struct torvyn_ret_unit {
  uint8_t is_err;
  union { torvyn_process_error_t err; } val;
} torvyn_ret_unit_t;
typedef struct torvyn_ret_bool {
  uint8_t is_err;
  union { uint8_t ok; torvyn_process_error_t err; } val;
} torvyn_ret_bool_t;
typedef struct torvyn_ret_list_string {
  uint8_t is_err;
  union { torvyn_list_string_t ok; torvyn_process_error_t err; } val;
} torvyn_ret_list_string_t;
typedef struct torvyn_ret_list_output {
  uint8_t is_err;
  union { torvyn_list_output_element_t ok; torvyn_process_error_t err; } val;
} torvyn_ret_list_output_t;

/* Return areas of the imports (written by the host). */
typedef struct torvyn_ret_import_unit_buffer_error { /* result<_, buffer-error> */
  uint8_t is_err;
  union { torvyn_buffer_error_t err; } val;
} torvyn_ret_import_unit_buffer_error_t;
typedef struct torvyn_ret_import_mutable_buffer { /* result<own<mutable-buffer>, buffer-error> */
  uint8_t is_err;
  union { int32_t ok; torvyn_buffer_error_t err; } val;
} torvyn_ret_import_mutable_buffer_t;

#define TORVYN__LAYOUT(t, sz, al) \
  TORVYN_STATIC_ASSERT(sizeof(t) == (sz) && TORVYN_ALIGNOF(t) == (al), "Canonical ABI layout of " #t)
TORVYN__LAYOUT(torvyn_string_t, 8, 4);
TORVYN__LAYOUT(torvyn_buffer_error_t, 12, 4);
TORVYN__LAYOUT(torvyn_element_meta_t, 24, 8);
TORVYN__LAYOUT(torvyn_stream_element_t, 32, 8);
TORVYN__LAYOUT(torvyn_output_element_t, 32, 8);
TORVYN__LAYOUT(torvyn_process_result_t, 40, 8);
TORVYN__LAYOUT(torvyn_process_error_t, 12, 4);
TORVYN__LAYOUT(torvyn_option_output_element_t, 40, 8);
TORVYN__LAYOUT(torvyn_ret_process_t, 48, 8);
TORVYN__LAYOUT(torvyn_ret_option_output_t, 48, 8);
TORVYN__LAYOUT(torvyn_ret_backpressure_t, 16, 4);
TORVYN__LAYOUT(torvyn_ret_unit_t, 16, 4);
TORVYN__LAYOUT(torvyn_ret_bool_t, 16, 4);
TORVYN__LAYOUT(torvyn_ret_list_string_t, 16, 4);
TORVYN__LAYOUT(torvyn_ret_list_output_t, 16, 4);
TORVYN__LAYOUT(torvyn_ret_import_unit_buffer_error_t, 16, 4);
TORVYN__LAYOUT(torvyn_ret_import_mutable_buffer_t, 16, 4);
TORVYN_STATIC_ASSERT(offsetof(torvyn_process_result_t, emit) == 8, "variant payload offset");
TORVYN_STATIC_ASSERT(offsetof(torvyn_ret_process_t, val) == 8, "result payload offset");
TORVYN_STATIC_ASSERT(offsetof(torvyn_ret_unit_t, val) == 4, "result payload offset");
TORVYN_STATIC_ASSERT(offsetof(torvyn_output_element_t, payload) == 24, "record field offset");

/* ------------------------------------------------------------------------------------------ */
/* Runtime: memory allocation, cabi_realloc, mem*                                              */
/* ------------------------------------------------------------------------------------------ */

/** Traps the instance (wasm `unreachable`). */
__attribute__((noreturn)) TORVYN_INLINE void torvyn_trap(void) { __builtin_trap(); }

/* Returned for zero-size requests: never allocated, never freed. */
TORVYN_WEAK uint8_t torvyn__empty_block[8] __attribute__((aligned(8)));

/* Interned strings (content types): a few distinct texts kept once for the instance's life in a
 * static arena, each behind a 4-byte length. torvyn_free ignores them and torvyn_realloc copies
 * them out, so an interned string can go wherever an owned one goes (an export's results, a
 * batch's content types) and copying an element's meta allocates nothing. */
#define TORVYN__INTERN_BYTES 2048
#define TORVYN__INTERN_MAX 32
TORVYN_WEAK char torvyn__intern_arena[TORVYN__INTERN_BYTES] __attribute__((aligned(4)));
TORVYN_WEAK uint32_t torvyn__intern_used;
TORVYN_WEAK torvyn_string_t torvyn__interned[TORVYN__INTERN_MAX];
TORVYN_WEAK uint32_t torvyn__interned_len;
TORVYN_WEAK uint32_t torvyn__intern_last; /* the last hit: an element's type is mostly the last one's */

void* torvyn_malloc(size_t n);
static void* torvyn__unintern(void* p, size_t n);
TORVYN_INLINE bool torvyn__is_interned(const void* p) {
  uintptr_t a = (uintptr_t)p, base = (uintptr_t)torvyn__intern_arena;
  return a - base < TORVYN__INTERN_BYTES; /* (wraps below base) */
}

#if defined(__wasi__)
/* WASI guests: wasi-libc's malloc. */
void* malloc(size_t);
void free(void*);
void* realloc(void*, size_t);
TORVYN_WEAK void* torvyn_malloc(size_t n) {
  if (n == 0) return torvyn__empty_block;
  void* p = malloc(n);
  if (!p) torvyn_trap();
  return p;
}
TORVYN_WEAK void torvyn_free(void* p) {
  if (p && p != (void*)torvyn__empty_block && !torvyn__is_interned(p)) free(p);
}
TORVYN_WEAK void* torvyn_realloc(void* p, size_t n) {
  if (!p || p == (void*)torvyn__empty_block) return torvyn_malloc(n);
  if (torvyn__is_interned(p)) return torvyn__unintern(p, n);
  if (n == 0) { free(p); return torvyn__empty_block; }
  void* q = realloc(p, n);
  if (!q) torvyn_trap();
  return q;
}
#else
/* WASI-free guests: a small size-class allocator on top of memory.grow.
 * Blocks are powers of two (16 B .. 1 GiB) with an 8-byte header holding the class; freed blocks
 * go to a per-class free list. Payloads are 8-byte aligned (the largest Canonical ABI alignment).
 * Freeing a block twice, or a pointer it did not hand out, traps. */
extern unsigned char __heap_base;
#define TORVYN__CLASSES 31
#define TORVYN__FREE_MARK 0x80000000u
TORVYN_WEAK uintptr_t torvyn__heap_next;
TORVYN_WEAK uintptr_t torvyn__heap_end;
TORVYN_WEAK void* torvyn__free_lists[TORVYN__CLASSES];

TORVYN_INLINE uint32_t torvyn__class_of(size_t total) {
  if (total <= 16) return 4;
  return 32u - (uint32_t)__builtin_clz((unsigned)(total - 1));
}

TORVYN_WEAK void* torvyn_malloc(size_t n) {
  if (n == 0) return torvyn__empty_block;
  if (n > ((size_t)1 << 30) - 8) torvyn_trap();
  uint32_t k = torvyn__class_of(n + 8);
  uint8_t* block = (uint8_t*)torvyn__free_lists[k];
  if (block) {
    torvyn__free_lists[k] = *(void**)(block + 8);
  } else {
    if (torvyn__heap_next == 0) {
      torvyn__heap_next = ((uintptr_t)&__heap_base + 7u) & ~(uintptr_t)7u;
      torvyn__heap_end = (uintptr_t)__builtin_wasm_memory_size(0) * 65536u;
    }
    uintptr_t size = (uintptr_t)1 << k;
    if (torvyn__heap_end - torvyn__heap_next < size) {
      uintptr_t need = size - (torvyn__heap_end - torvyn__heap_next);
      uintptr_t pages = (need + 65535u) / 65536u;
      if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) torvyn_trap();
      torvyn__heap_end += pages * 65536u;
    }
    block = (uint8_t*)torvyn__heap_next;
    torvyn__heap_next += size;
  }
  *(uint32_t*)block = k;
  return block + 8;
}

TORVYN_WEAK void torvyn_free(void* p) {
  if (!p || p == (void*)torvyn__empty_block || torvyn__is_interned(p)) return;
  uint8_t* block = (uint8_t*)p - 8;
  uint32_t k = *(uint32_t*)block;
  if ((uintptr_t)block < (uintptr_t)&__heap_base || k < 4 || k >= TORVYN__CLASSES) torvyn_trap();
  *(uint32_t*)block = k | TORVYN__FREE_MARK;
  *(void**)p = torvyn__free_lists[k];
  torvyn__free_lists[k] = block;
}

TORVYN_WEAK void* torvyn_realloc(void* p, size_t n) {
  if (!p || p == (void*)torvyn__empty_block) return torvyn_malloc(n);
  if (torvyn__is_interned(p)) return torvyn__unintern(p, n);
  if (n == 0) { torvyn_free(p); return torvyn__empty_block; }
  uint32_t k = *(uint32_t*)((uint8_t*)p - 8);
  if (k < 4 || k >= TORVYN__CLASSES) torvyn_trap();
  size_t cap = ((size_t)1 << k) - 8;
  if (n <= cap) return p;
  void* q = torvyn_malloc(n);
  __builtin_memcpy(q, p, cap);
  torvyn_free(p);
  return q;
}

/* The C library functions clang may emit calls to. no_builtin keeps clang from turning the
 * loops back into calls to themselves. Wasm loads/stores need no alignment, so the bulk of a copy
 * moves in 8-byte words through an unaligned, may_alias type (defined behaviour in C). */
typedef uint64_t __attribute__((may_alias, aligned(1))) torvyn__word_t;
__attribute__((no_builtin)) TORVYN_WEAK void* memcpy(void* dst, const void* src, size_t n) {
  uint8_t* d = (uint8_t*)dst;
  const uint8_t* s = (const uint8_t*)src;
  for (; n >= 8; n -= 8, d += 8, s += 8) *(torvyn__word_t*)d = *(const torvyn__word_t*)s;
  while (n--) *d++ = *s++;
  return dst;
}
__attribute__((no_builtin)) TORVYN_WEAK void* memmove(void* dst, const void* src, size_t n) {
  uint8_t* d = (uint8_t*)dst;
  const uint8_t* s = (const uint8_t*)src;
  if (d == s || n == 0) return dst;
  if (d < s || d >= s + n) {
    for (; n >= 8; n -= 8, d += 8, s += 8) *(torvyn__word_t*)d = *(const torvyn__word_t*)s;
    while (n--) *d++ = *s++;
  } else { /* overlapping, destination after source: copy backwards */
    d += n;
    s += n;
    for (; n >= 8; n -= 8) {
      d -= 8;
      s -= 8;
      *(torvyn__word_t*)d = *(const torvyn__word_t*)s;
    }
    while (n--) *--d = *--s;
  }
  return dst;
}
__attribute__((no_builtin)) TORVYN_WEAK void* memset(void* dst, int c, size_t n) {
  uint8_t* d = (uint8_t*)dst;
  uint64_t w = (uint64_t)(uint8_t)c * 0x0101010101010101ull;
  for (; n >= 8; n -= 8, d += 8) *(torvyn__word_t*)d = w;
  while (n--) *d++ = (uint8_t)c;
  return dst;
}
__attribute__((no_builtin)) TORVYN_WEAK int memcmp(const void* a, const void* b, size_t n) {
  const uint8_t* x = (const uint8_t*)a;
  const uint8_t* y = (const uint8_t*)b;
  for (; n; --n, ++x, ++y)
    if (*x != *y) return *x < *y ? -1 : 1;
  return 0;
}
__attribute__((no_builtin)) TORVYN_WEAK size_t strlen(const char* s) {
  const char* p = s;
  while (*p) ++p;
  return (size_t)(p - s);
}
#endif /* __wasi__ */

/** `cabi_realloc`: the host allocates strings and lists in guest memory through it. */
TORVYN_WEAK TORVYN_EXPORT("cabi_realloc") void* cabi_realloc(void* old, size_t old_size, size_t align,
                                                             size_t new_size) {
  (void)old_size;
  if (align > 8 || (align & (align - 1)) != 0) torvyn_trap();
  return torvyn_realloc(old, new_size);
}

#if !defined(__wasi__)
/* WASI-free modules have no `_initialize`: run static constructors once, on the first export
 * call. (WASI reactors get them from crt1-reactor's `_initialize`, which the component runs.) */
void __wasm_call_ctors(void);
TORVYN_WEAK int torvyn__initialized;
TORVYN_INLINE void torvyn__enter(void) {
  if (!torvyn__initialized) {
    torvyn__initialized = 1;
    __wasm_call_ctors();
  }
}
#else
TORVYN_INLINE void torvyn__enter(void) {}
#endif

/* ------------------------------------------------------------------------------------------ */
/* String and list helpers                                                                     */
/* ------------------------------------------------------------------------------------------ */

/** strlen that folds to a constant for string literals. WASI-free guests are built with
 * -ffreestanding, which stops clang from folding strlen("literal"), so every literal would cost
 * a byte loop (with a fuel check per byte) at run time; __builtin_constant_p keeps the folding. */
TORVYN_INLINE size_t torvyn_strlen(const char* s) {
#if defined(__wasi__)
  return __builtin_strlen(s); /* hosted: clang folds literals and calls wasi-libc otherwise */
#else
  if (__builtin_constant_p(__builtin_strlen(s))) return __builtin_strlen(s);
  size_t n = 0; /* the same loop as the SDK's strlen; kept separate so the branch above folds */
  while (s[n]) ++n;
  return n;
#endif
}

/* Equal bytes, compared 8 at a time (the SDK's memcmp goes byte by byte, with a fuel check per
 * iteration). */
TORVYN_INLINE bool torvyn__equal_bytes(const void* a, const void* b, size_t n) {
  typedef uint64_t __attribute__((may_alias, aligned(1))) word_t;
  const char* x = (const char*)a;
  const char* y = (const char*)b;
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    if (*(const word_t*)(x + i) != *(const word_t*)(y + i)) return false;
  for (; i < n; ++i)
    if (x[i] != y[i]) return false;
  return true;
}

/* An interned string's bytes in a block of its own (torvyn_realloc of an interned pointer). */
static void* torvyn__unintern(void* p, size_t n) {
  uint32_t len = ((const uint32_t*)p)[-1];
  void* q = torvyn_malloc(n);
  __builtin_memcpy(q, p, n < len ? n : len);
  return q;
}

/* torvyn_intern past the last hit: the other interned texts, then a new entry. */
__attribute__((noinline)) TORVYN_WEAK torvyn_string_t torvyn__intern_slow(const char* s, size_t len) {
  torvyn_string_t r = {0, 0};
  uint32_t n = torvyn__interned_len;
  for (uint32_t j = 0; j < n; ++j) {
    torvyn_string_t t = torvyn__interned[j];
    if (t.len == len && torvyn__equal_bytes(t.ptr, s, len)) {
      torvyn__intern_last = j;
      return t;
    }
  }
  uint32_t at = (torvyn__intern_used + 3u) & ~3u;
  if (n == TORVYN__INTERN_MAX || len > TORVYN__INTERN_BYTES || at + 4 + len > TORVYN__INTERN_BYTES) return r;
  *(uint32_t*)(torvyn__intern_arena + at) = (uint32_t)len;
  r.ptr = torvyn__intern_arena + at + 4;
  r.len = len;
  __builtin_memcpy(r.ptr, s, len);
  torvyn__intern_used = at + 4 + (uint32_t)len;
  torvyn__interned[n] = r;
  torvyn__interned_len = n + 1;
  torvyn__intern_last = n;
  return r;
}

/** The interned copy of `len` bytes at `s` (see torvyn__is_interned): the same pointer for the same
 * text every time. {NULL, 0} for an empty text and when the arena is full (the caller copies then).
 * Inline: one comparison with the last hit (an element's type is mostly the last one's). */
TORVYN_INLINE torvyn_string_t torvyn_intern(const char* s, size_t len) {
  torvyn_string_t t = torvyn__interned[torvyn__intern_last];
  if (len == 0) {
    t.ptr = 0;
    t.len = 0;
    return t;
  }
  if (t.len == len && (t.ptr == s || torvyn__equal_bytes(t.ptr, s, len))) return t;
  return torvyn__intern_slow(s, len);
}

/** Copies `len` bytes into a new torvyn_malloc'd string (len 0: no allocation). */
TORVYN_INLINE torvyn_string_t torvyn_string_dup_n(const char* s, size_t len) {
  torvyn_string_t out = {0, 0};
  if (len == 0) return out;
  out.ptr = (char*)torvyn_malloc(len);
  __builtin_memcpy(out.ptr, s, len);
  out.len = len;
  return out;
}
/** Copies a NUL-terminated C string. */
TORVYN_INLINE torvyn_string_t torvyn_string_dup(const char* s) {
  return torvyn_string_dup_n(s, torvyn_strlen(s));
}
/** Frees a string the guest owns (zero-length strings are never freed; nor are interned ones,
 * which are most content types: checked here, without the call). */
TORVYN_INLINE void torvyn_string_free(torvyn_string_t* s) {
  if (s->len && !torvyn__is_interned(s->ptr)) torvyn_free(s->ptr);
  s->ptr = 0;
  s->len = 0;
}
TORVYN_INLINE void torvyn_list_u8_free(torvyn_list_u8_t* l) {
  if (l->len) torvyn_free(l->ptr);
  l->ptr = 0;
  l->len = 0;
}
/** Frees the strings of a list<string> and the list itself. */
TORVYN_INLINE void torvyn_list_string_free(torvyn_list_string_t* l) {
  for (size_t i = 0; i < l->len; ++i) torvyn_string_free(&l->ptr[i]);
  if (l->len) torvyn_free(l->ptr);
  l->ptr = 0;
  l->len = 0;
}
TORVYN_INLINE bool torvyn_string_eq(torvyn_string_t s, const char* lit) {
  size_t n = torvyn_strlen(lit);
  return s.len == n && torvyn__equal_bytes(s.ptr, lit, n);
}

/** Builds a process-error; `message` is copied (ignored for DEADLINE_EXCEEDED). */
TORVYN_INLINE torvyn_process_error_t torvyn_process_error(uint8_t tag, const char* message) {
  torvyn_process_error_t e;
  e.tag = tag;
  e.message.ptr = 0;
  e.message.len = 0;
  if (tag != TORVYN_PROCESS_ERROR_DEADLINE_EXCEEDED && message) e.message = torvyn_string_dup(message);
  return e;
}
TORVYN_INLINE void torvyn_process_error_free(torvyn_process_error_t* e) {
  if (e->tag != TORVYN_PROCESS_ERROR_DEADLINE_EXCEEDED) torvyn_string_free(&e->message);
}
TORVYN_INLINE void torvyn_buffer_error_free(torvyn_buffer_error_t* e) {
  if (e->tag == TORVYN_BUFFER_ERROR_ALLOCATION_FAILED) torvyn_string_free(&e->message);
}

/* ------------------------------------------------------------------------------------------ */
/* Imports: torvyn:streaming/types@0.1.0 (legacy core name mangling, as jco 1.35 / wit-component   */
/* expect: "[method]<resource>.<name>", "[resource-drop]<resource>").                            */
/* Flattening: results with more than one flat value come back through a return-area pointer    */
/* passed as the last parameter; the host fills it and allocates strings/lists via cabi_realloc. */
/* ------------------------------------------------------------------------------------------ */

TORVYN_IMPORT(TORVYN_TYPES_MODULE, "[method]buffer.size")
int64_t torvyn__import_buffer_size(int32_t self);
TORVYN_IMPORT(TORVYN_TYPES_MODULE, "[method]buffer.content-type")
void torvyn__import_buffer_content_type(int32_t self, torvyn_string_t* ret);
TORVYN_IMPORT(TORVYN_TYPES_MODULE, "[method]buffer.read")
void torvyn__import_buffer_read(int32_t self, int64_t offset, int64_t len, torvyn_list_u8_t* ret);
TORVYN_IMPORT(TORVYN_TYPES_MODULE, "[method]buffer.read-all")
void torvyn__import_buffer_read_all(int32_t self, torvyn_list_u8_t* ret);
TORVYN_IMPORT(TORVYN_TYPES_MODULE, "[resource-drop]buffer")
void torvyn__import_buffer_drop(int32_t handle);

TORVYN_IMPORT(TORVYN_TYPES_MODULE, "[method]mutable-buffer.write")
void torvyn__import_mutable_buffer_write(int32_t self, int64_t offset, const uint8_t* ptr, size_t len,
                                         torvyn_ret_import_unit_buffer_error_t* ret);
TORVYN_IMPORT(TORVYN_TYPES_MODULE, "[method]mutable-buffer.append")
void torvyn__import_mutable_buffer_append(int32_t self, const uint8_t* ptr, size_t len,
                                          torvyn_ret_import_unit_buffer_error_t* ret);
TORVYN_IMPORT(TORVYN_TYPES_MODULE, "[method]mutable-buffer.size")
int64_t torvyn__import_mutable_buffer_size(int32_t self);
TORVYN_IMPORT(TORVYN_TYPES_MODULE, "[method]mutable-buffer.capacity")
int64_t torvyn__import_mutable_buffer_capacity(int32_t self);
TORVYN_IMPORT(TORVYN_TYPES_MODULE, "[method]mutable-buffer.set-content-type")
void torvyn__import_mutable_buffer_set_content_type(int32_t self, const char* ptr, size_t len);
TORVYN_IMPORT(TORVYN_TYPES_MODULE, "[method]mutable-buffer.freeze")
int32_t torvyn__import_mutable_buffer_freeze(int32_t self);
TORVYN_IMPORT(TORVYN_TYPES_MODULE, "[resource-drop]mutable-buffer")
void torvyn__import_mutable_buffer_drop(int32_t handle);

TORVYN_IMPORT(TORVYN_TYPES_MODULE, "[method]flow-context.trace-id")
void torvyn__import_flow_context_trace_id(int32_t self, torvyn_string_t* ret);
TORVYN_IMPORT(TORVYN_TYPES_MODULE, "[method]flow-context.span-id")
void torvyn__import_flow_context_span_id(int32_t self, torvyn_string_t* ret);
TORVYN_IMPORT(TORVYN_TYPES_MODULE, "[method]flow-context.deadline-ns")
int64_t torvyn__import_flow_context_deadline_ns(int32_t self);
TORVYN_IMPORT(TORVYN_TYPES_MODULE, "[method]flow-context.flow-id")
void torvyn__import_flow_context_flow_id(int32_t self, torvyn_string_t* ret);
TORVYN_IMPORT(TORVYN_TYPES_MODULE, "[resource-drop]flow-context")
void torvyn__import_flow_context_drop(int32_t handle);

/* Imports: torvyn:streaming/buffer-allocator@0.1.0 (worlds transform, managed-transform,
 * data-source, stream-aggregator). */
TORVYN_IMPORT(TORVYN_ALLOCATOR_MODULE, "allocate")
void torvyn__import_allocate(int64_t capacity_hint, torvyn_ret_import_mutable_buffer_t* ret);
TORVYN_IMPORT(TORVYN_ALLOCATOR_MODULE, "clone-into-mutable")
void torvyn__import_clone_into_mutable(int32_t source, torvyn_ret_import_mutable_buffer_t* ret);

/* Import: torvyn:capabilities/capability-query@0.1.0 (no Torvyn world imports it; a guest that
 * calls it needs a world of its own that does, via WIT_DIR). bool flattens to i32. */
TORVYN_IMPORT("torvyn:capabilities/capability-query@0.1.0", "has-capability")
int32_t torvyn__import_has_capability(const char* ptr, size_t len);

#ifdef __cplusplus
} /* extern "C" */
#endif

/* Batch-local buffers: what the C API below serves itself while a batch export runs. */
#include "local_buffers.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* C API over the imports                                                                      */
/* (a batch-local handle — local_buffers.h — is served in guest memory, without a host call)    */
/* ------------------------------------------------------------------------------------------ */

/** Lends an owned buffer as a borrow (for calling methods on it). */
TORVYN_INLINE torvyn_borrow_buffer_t torvyn_buffer_borrow(torvyn_buffer_t b) {
  torvyn_borrow_buffer_t r = {b.handle};
  return r;
}
TORVYN_INLINE torvyn_borrow_mutable_buffer_t torvyn_mutable_buffer_borrow(torvyn_mutable_buffer_t b) {
  torvyn_borrow_mutable_buffer_t r = {b.handle};
  return r;
}

/** `buffer.size`. */
TORVYN_INLINE uint64_t torvyn_buffer_size(torvyn_borrow_buffer_t self) {
  if (torvyn__is_local(self.handle)) return torvyn__local_get(self.handle, TORVYN__LOCAL_INPUT, true)->len;
  return (uint64_t)torvyn__import_buffer_size(self.handle);
}
/** `buffer.content-type`; the caller owns the string (torvyn_string_free). */
TORVYN_INLINE torvyn_string_t torvyn_buffer_content_type(torvyn_borrow_buffer_t self) {
  if (torvyn__is_local(self.handle)) {
    torvyn__local_t* l = torvyn__local_get(self.handle, TORVYN__LOCAL_INPUT, true);
    return torvyn__local_dup(l->ct, l->ct_len);
  }
  torvyn_string_t ret;
  torvyn__import_buffer_content_type(self.handle, &ret);
  return ret;
}
/** `buffer.read` (short read past the end); the caller owns the bytes (torvyn_list_u8_free). */
TORVYN_INLINE torvyn_list_u8_t torvyn_buffer_read(torvyn_borrow_buffer_t self, uint64_t offset, uint64_t len) {
  if (torvyn__is_local(self.handle)) return torvyn__local_read(self.handle, offset, len);
  torvyn_list_u8_t ret;
  torvyn__import_buffer_read(self.handle, (int64_t)offset, (int64_t)len, &ret);
  return ret;
}
/** `buffer.read-all`; the caller owns the bytes (torvyn_list_u8_free). */
TORVYN_INLINE torvyn_list_u8_t torvyn_buffer_read_all(torvyn_borrow_buffer_t self) {
  if (torvyn__is_local(self.handle)) return torvyn__local_read(self.handle, 0, UINT64_MAX);
  torvyn_list_u8_t ret;
  torvyn__import_buffer_read_all(self.handle, &ret);
  return ret;
}
/** The bytes of `self` without a copy, when they are already in guest memory: a batch brought
 * them (an input element of a batch export). `*data` and `*len` stay valid until the export call
 * returns. Returns false for every other buffer, whose bytes are in host memory: read those with
 * torvyn_buffer_read_all. */
TORVYN_INLINE bool torvyn_buffer_peek(torvyn_borrow_buffer_t self, const uint8_t** data, size_t* len) {
  if (!torvyn__is_local(self.handle)) return false;
  const torvyn__local_t* l = torvyn__local_get(self.handle, TORVYN__LOCAL_INPUT, true);
  if (l->kind != TORVYN__LOCAL_INPUT) return false; /* made in this call: its bytes may move */
  *data = l->data;
  *len = l->len;
  return true;
}
/** Drops an owned buffer handle (`[resource-drop]buffer`). */
TORVYN_INLINE void torvyn_buffer_drop(torvyn_buffer_t own) {
  if (torvyn__is_local(own.handle)) {
    torvyn__local_get(own.handle, TORVYN__LOCAL_BUFFER, false);  /* an owned buffer, not an input */
    torvyn__local_free(own.handle);
    return;
  }
  torvyn__import_buffer_drop(own.handle);
}
/** Ends a borrow the guest received as an export parameter (`[resource-drop]buffer` on a
 * borrow handle). The SDK's export adapters call this; user code normally never does. */
TORVYN_INLINE void torvyn_borrow_buffer_drop(torvyn_borrow_buffer_t b) {
  if (torvyn__is_local(b.handle)) return; /* a batch input: the batch adapter ends it */
  torvyn__import_buffer_drop(b.handle);
}

/** `mutable-buffer.write`. On failure returns false and fills `*err` (caller frees it). */
TORVYN_INLINE bool torvyn_mutable_buffer_write(torvyn_borrow_mutable_buffer_t self, uint64_t offset,
                                               const void* bytes, size_t len, torvyn_buffer_error_t* err) {
  if (torvyn__is_local(self.handle)) return torvyn__local_write(self.handle, false, offset, bytes, len, err);
  torvyn_ret_import_unit_buffer_error_t ret;
  torvyn__import_mutable_buffer_write(self.handle, (int64_t)offset, (const uint8_t*)bytes, len, &ret);
  if (ret.is_err) {
    if (err) *err = ret.val.err;
    else torvyn_buffer_error_free(&ret.val.err);
    return false;
  }
  return true;
}
/** `mutable-buffer.append`. On failure returns false and fills `*err` (caller frees it). */
TORVYN_INLINE bool torvyn_mutable_buffer_append(torvyn_borrow_mutable_buffer_t self, const void* bytes, size_t len,
                                                torvyn_buffer_error_t* err) {
  if (torvyn__is_local(self.handle)) return torvyn__local_write(self.handle, true, 0, bytes, len, err);
  torvyn_ret_import_unit_buffer_error_t ret;
  torvyn__import_mutable_buffer_append(self.handle, (const uint8_t*)bytes, len, &ret);
  if (ret.is_err) {
    if (err) *err = ret.val.err;
    else torvyn_buffer_error_free(&ret.val.err);
    return false;
  }
  return true;
}
TORVYN_INLINE uint64_t torvyn_mutable_buffer_size(torvyn_borrow_mutable_buffer_t self) {
  if (torvyn__is_local(self.handle)) return torvyn__local_get(self.handle, TORVYN__LOCAL_MUTABLE, false)->len;
  return (uint64_t)torvyn__import_mutable_buffer_size(self.handle);
}
TORVYN_INLINE uint64_t torvyn_mutable_buffer_capacity(torvyn_borrow_mutable_buffer_t self) {
  if (torvyn__is_local(self.handle)) {
    torvyn__local_get(self.handle, TORVYN__LOCAL_MUTABLE, false);
    return TORVYN__MAX_BUFFER_BYTES;
  }
  return (uint64_t)torvyn__import_mutable_buffer_capacity(self.handle);
}
TORVYN_INLINE void torvyn_mutable_buffer_set_content_type(torvyn_borrow_mutable_buffer_t self, const char* s,
                                                          size_t len) {
  if (torvyn__is_local(self.handle)) {
    torvyn__local_set_content_type(self.handle, s, len);
    return;
  }
  torvyn__import_mutable_buffer_set_content_type(self.handle, s, len);
}
/** `mutable-buffer.freeze`: returns a new owned buffer; the mutable handle stays owned by the
 * caller and must still be dropped. */
TORVYN_INLINE torvyn_buffer_t torvyn_mutable_buffer_freeze(torvyn_borrow_mutable_buffer_t self) {
  if (torvyn__is_local(self.handle)) {
    torvyn_buffer_t lb = {torvyn__local_freeze(self.handle)};
    return lb;
  }
  torvyn_buffer_t b = {torvyn__import_mutable_buffer_freeze(self.handle)};
  return b;
}
TORVYN_INLINE void torvyn_mutable_buffer_drop(torvyn_mutable_buffer_t own) {
  if (torvyn__is_local(own.handle)) {
    torvyn__local_get(own.handle, TORVYN__LOCAL_MUTABLE, false);
    torvyn__local_free(own.handle);
    return;
  }
  torvyn__import_mutable_buffer_drop(own.handle);
}

TORVYN_INLINE torvyn_string_t torvyn_flow_context_trace_id(torvyn_borrow_flow_context_t self) {
  torvyn_string_t ret;
  torvyn__import_flow_context_trace_id(self.handle, &ret);
  return ret;
}
TORVYN_INLINE torvyn_string_t torvyn_flow_context_span_id(torvyn_borrow_flow_context_t self) {
  torvyn_string_t ret;
  torvyn__import_flow_context_span_id(self.handle, &ret);
  return ret;
}
TORVYN_INLINE uint64_t torvyn_flow_context_deadline_ns(torvyn_borrow_flow_context_t self) {
  return (uint64_t)torvyn__import_flow_context_deadline_ns(self.handle);
}
TORVYN_INLINE torvyn_string_t torvyn_flow_context_flow_id(torvyn_borrow_flow_context_t self) {
  torvyn_string_t ret;
  torvyn__import_flow_context_flow_id(self.handle, &ret);
  return ret;
}
/** Ends a borrowed flow-context received as an export parameter (SDK adapters call this). */
TORVYN_INLINE void torvyn_borrow_flow_context_drop(torvyn_borrow_flow_context_t b) {
  torvyn__import_flow_context_drop(b.handle);
}

/** `buffer-allocator.allocate`. On failure returns false and fills `*err` (caller frees it). */
TORVYN_INLINE bool torvyn_allocate(uint64_t capacity_hint, torvyn_mutable_buffer_t* out, torvyn_buffer_error_t* err) {
  torvyn__not_building();
  if (torvyn__batch_active) { /* in a batch: the host makes the pool buffer when the batch returns */
    if (capacity_hint > TORVYN__MAX_BUFFER_BYTES) {
      torvyn__local_error(err, TORVYN_BUFFER_ERROR_CAPACITY_EXCEEDED, 0);
      out->handle = TORVYN_INVALID_HANDLE;
      return false;
    }
    out->handle = torvyn__local_mutable(0, 0, (size_t)capacity_hint);
    return true;
  }
  torvyn_ret_import_mutable_buffer_t ret;
  torvyn__import_allocate((int64_t)capacity_hint, &ret);
  if (ret.is_err) {
    if (err) *err = ret.val.err;
    else torvyn_buffer_error_free(&ret.val.err);
    out->handle = TORVYN_INVALID_HANDLE;
    return false;
  }
  out->handle = ret.val.ok;
  return true;
}
/** `buffer-allocator.clone-into-mutable`. */
TORVYN_INLINE bool torvyn_clone_into_mutable(torvyn_borrow_buffer_t source, torvyn_mutable_buffer_t* out,
                                             torvyn_buffer_error_t* err) {
  if (torvyn__is_local(source.handle)) {
    torvyn__local_t* l = torvyn__local_get(source.handle, TORVYN__LOCAL_INPUT, true);
    uint8_t* data = torvyn__local_bytes(l); /* stays put: nothing below grows the batch */
    size_t len = l->len;
    torvyn_string_t ct = {l->ct, l->ct_len};
    out->handle = torvyn__local_mutable(data, len, len);  /* may move the table: `l` is stale now */
    if (ct.len) torvyn__local_set_content_type(out->handle, ct.ptr, ct.len);
    return true;
  }
  torvyn_ret_import_mutable_buffer_t ret;
  torvyn__import_clone_into_mutable(source.handle, &ret);
  if (ret.is_err) {
    if (err) *err = ret.val.err;
    else torvyn_buffer_error_free(&ret.val.err);
    out->handle = TORVYN_INVALID_HANDLE;
    return false;
  }
  out->handle = ret.val.ok;
  return true;
}

/** `capability-query.has-capability`. */
TORVYN_INLINE bool torvyn_has_capability(const char* name, size_t len) {
  return torvyn__import_has_capability(name, len) != 0;
}

/** Allocates a buffer holding `bytes` with `content_type`, freezes it and drops the mutable
 * handle. Returns false (and fills `*err` if non-null) on failure. */
TORVYN_INLINE bool torvyn_make_buffer(const void* bytes, size_t len, const char* content_type, size_t ct_len,
                                      torvyn_buffer_t* out, torvyn_buffer_error_t* err) {
  torvyn__not_building();
  if (torvyn__batch_active) { /* what the four calls below would make, in one step */
    if (len > TORVYN__MAX_BUFFER_BYTES) {
      torvyn__local_error(err, TORVYN_BUFFER_ERROR_CAPACITY_EXCEEDED, 0);
      out->handle = TORVYN_INVALID_HANDLE;
      return false;
    }
    if (ct_len > 1024) torvyn_trap(); /* the host's limit on a content type */
    out->handle = torvyn__local_frozen(bytes, len, content_type, ct_len);
    return true;
  }
  torvyn_mutable_buffer_t mb;
  out->handle = TORVYN_INVALID_HANDLE;
  if (!torvyn_allocate(len, &mb, err)) return false;
  torvyn_borrow_mutable_buffer_t b = torvyn_mutable_buffer_borrow(mb);
  if (len && !torvyn_mutable_buffer_append(b, bytes, len, err)) {
    torvyn_mutable_buffer_drop(mb);
    return false;
  }
  if (ct_len) torvyn_mutable_buffer_set_content_type(b, content_type, ct_len);
  *out = torvyn_mutable_buffer_freeze(b);
  torvyn_mutable_buffer_drop(mb);
  return true;
}

/** Starts a buffer of exactly `len` bytes that the caller writes at `*bytes`, then makes it with
 * torvyn_finish_buffer: what torvyn_make_buffer does, without the caller's own block and its copy.
 * In a batch the bytes are written straight into the output batch (no allocation, no copy); per
 * element into a scratch block, copied to the host at the finish. Between start and finish no
 * other buffer may be made or allocated (in a batch it would stage over these bytes, or move
 * them): that traps, as does a second start, or a batch element returned with a buffer half built.
 * False (and `*err`) when `len` is over the buffer size limit. */
TORVYN_INLINE bool torvyn_start_buffer(size_t len, uint8_t** bytes, torvyn_buffer_error_t* err) {
  torvyn__not_building();
  if (len > TORVYN__MAX_BUFFER_BYTES) {
    torvyn__local_error(err, TORVYN_BUFFER_ERROR_CAPACITY_EXCEEDED, 0);
    *bytes = 0;
    return false;
  }
  torvyn__build_t* b = &torvyn__building;
  b->len = len;
  b->staged = 0;
  torvyn__stage_t* st = torvyn__batch_active ? torvyn__staging : 0;
  if (st && len) {
    b->staged = 1;
    b->at = torvyn__stage_reserve(st, len);
    *bytes = *st->bytes + b->at;
  } else {
    b->scratch = (uint8_t*)torvyn_malloc(len);
    *bytes = b->scratch;
  }
  b->active = 1;
  return true;
}
/** Makes the buffer torvyn_start_buffer started, with `content_type`: frozen, owned by the caller. */
TORVYN_INLINE bool torvyn_finish_buffer(const char* content_type, size_t ct_len, torvyn_buffer_t* out, torvyn_buffer_error_t* err) {
  torvyn__build_t* b = &torvyn__building;
  if (!b->active) torvyn_trap(); /* nothing was started */
  b->active = 0;
  if (b->staged) {
    if (ct_len > 1024) torvyn_trap(); /* the host's limit on a content type */
    out->handle = torvyn__local_staged(b->at, b->len, content_type, ct_len);
    return true;
  }
  uint8_t* scratch = b->scratch;
  b->scratch = 0;
  bool ok = torvyn_make_buffer(scratch, b->len, content_type, ct_len, out, err);
  torvyn_free(scratch);
  return ok;
}

/* ------------------------------------------------------------------------------------------ */
/* Export adapter support                                                                      */
/* ------------------------------------------------------------------------------------------ */

/** Builds the stream-element an export receives from its flat parameters
 * (i64 sequence, i64 timestamp-ns, i32 content-type ptr, i32 len, i32 payload, i32 context). */
TORVYN_INLINE torvyn_stream_element_t torvyn__lift_stream_element(int64_t seq, int64_t ts, char* ct, size_t ct_len,
                                                                  int32_t payload, int32_t context) {
  torvyn_stream_element_t e;
  e.meta.sequence = (uint64_t)seq;
  e.meta.timestamp_ns = (uint64_t)ts;
  e.meta.content_type.ptr = ct;
  e.meta.content_type.len = ct_len;
  e.payload.handle = payload;
  e.context.handle = context;
  return e;
}
/** End of an export call that received a stream-element: frees the content-type string the
 * host allocated in our memory and ends both borrows (Canonical ABI: a callee must drop every
 * borrow it was lent before returning, or the call traps). */
TORVYN_INLINE void torvyn__release_stream_element(torvyn_stream_element_t* e) {
  torvyn_string_free(&e->meta.content_type);
  torvyn_borrow_buffer_drop(e->payload);
  torvyn_borrow_flow_context_drop(e->context);
}
/** Frees what an output-element owns in guest memory (the payload handle went to the host). */
TORVYN_INLINE void torvyn__post_output_element(torvyn_output_element_t* o) {
  torvyn_string_free(&o->meta.content_type);
}

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TORVYN_ABI_H */
