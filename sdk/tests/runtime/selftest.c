/* Self-test of the SDK runtime for WASI-free guests (abi.h: memcpy/memmove/memset and the
 * size-class allocator behind cabi_realloc). Built as a plain core module and run by
 * runtime.test.mjs under Node's WebAssembly: each export returns 0 on success or the number of
 * the failed check; double_free must trap. */
#include <torvyn/abi.h>

static uint8_t a[300], b[300];
TORVYN_EXPORT("selftest") int selftest(void) {
  for (int i = 0; i < 300; i++) a[i] = (uint8_t)i;
  for (size_t off = 0; off < 9; off++) for (size_t n = 0; n < 40; n++) {
    memset(b, 0xEE, sizeof b);
    memcpy(b + off, a + 3, n);
    for (size_t i = 0; i < 300; i++) { uint8_t want = (i >= off && i < off + n) ? a[3 + i - off] : 0xEE; if (b[i] != want) return 1; }
    for (int i = 0; i < 300; i++) b[i] = (uint8_t)i;
    memmove(b + off, b + 5, n);  /* may overlap both ways */
    for (size_t i = 0; i < n; i++) if (b[off + i] != (uint8_t)(5 + i)) return 2;
    for (int i = 0; i < 300; i++) b[i] = (uint8_t)i;
    memmove(b + 5, b + off, n);
    for (size_t i = 0; i < n; i++) if (b[5 + i] != (uint8_t)(off + i)) return 3;
    memset(b, 0, sizeof b); memset(b + off, 0x5A, n);
    for (size_t i = 0; i < 300; i++) if (b[i] != ((i >= off && i < off + n) ? 0x5A : 0)) return 4;
  }
  /* allocator: many sizes, reuse after free, realloc growth keeps contents */
  void* ps[64];
  for (int r = 0; r < 3; r++) {
    for (int i = 0; i < 64; i++) { ps[i] = torvyn_malloc((size_t)i * 37 + 1); if (((uintptr_t)ps[i] & 7) != 0) return 5; memset(ps[i], i, (size_t)i * 37 + 1); }
    for (int i = 0; i < 64; i++) { uint8_t* p = ps[i]; for (int j = 0; j < i * 37 + 1; j++) if (p[j] != (uint8_t)i) return 6; torvyn_free(p); }
  }
  char* s = torvyn_malloc(5); memcpy(s, "abcde", 5);
  s = torvyn_realloc(s, 100000); if (memcmp(s, "abcde", 5) != 0) return 7;
  torvyn_free(s);
  void* big = torvyn_malloc(3u << 20); if (!big) return 8; memset(big, 1, 3u << 20); torvyn_free(big);
  if (cabi_realloc(0, 0, 1, 0) != (void*)torvyn__empty_block) return 9;
  /* interned strings: one copy per text, the last hit first, and a full table answers {0, 0} */
  char text[16] = "text/plain";
  torvyn_string_t t1 = torvyn_intern(text, 10);
  torvyn_string_t h1 = torvyn_intern("text/html", 9);
  memcpy(text, "text/PLAIN", 10); /* the caller's bytes change: the interned copy does not */
  torvyn_string_t t2 = torvyn_intern("text/plain", 10);
  if (!t1.ptr || t1.ptr != t2.ptr || t1.ptr == text || memcmp(t2.ptr, "text/plain", 10) != 0) return 10;
  if (h1.ptr == t1.ptr || torvyn_intern("text/html", 9).ptr != h1.ptr) return 11;
  if (torvyn_intern("x", 0).ptr != 0 || torvyn_intern(text, 10).ptr == t1.ptr) return 12;
  torvyn_free(t1.ptr); /* ignored */
  torvyn_string_free(&t2);
  if (torvyn_intern("text/plain", 10).ptr != t1.ptr) return 13;
  char* grown = torvyn_realloc(h1.ptr, 64); /* copies out; the interned text stays */
  if (grown == h1.ptr || memcmp(grown, "text/html", 9) != 0 || memcmp(h1.ptr, "text/html", 9) != 0) return 14;
  torvyn_free(grown);
  char name[8] = "t/00";
  for (int i = 0; i < 40; i++) { name[2] = (char)('0' + i / 10); name[3] = (char)('0' + i % 10); (void)torvyn_intern(name, 4); }
  name[2] = 'z';
  if (torvyn_intern(name, 4).ptr != 0) return 15; /* 32 entries: full */
  if (torvyn_intern("t/07", 4).ptr == 0 || torvyn_intern(text, 10).ptr == 0) return 16; /* old ones still found */
  return 0;
}

TORVYN_EXPORT("double_free") int double_free(void) {
  void* p = torvyn_malloc(10);
  torvyn_free(p);
  torvyn_free(p); /* traps */
  return 0;
}

TORVYN_EXPORT("foreign_free") int foreign_free(void) {
  torvyn_free(a + 16); /* not from the allocator: traps */
  return 0;
}
