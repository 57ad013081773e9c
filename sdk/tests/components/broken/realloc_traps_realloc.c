/* The strong cabi_realloc of broken/realloc_traps.c: a bump allocator that traps when armed. Kept
 * apart from abi.h, whose weak cabi_realloc it replaces. */
#include <stddef.h>

extern int realloc_traps_armed;

static _Alignas(16) unsigned char heap[1 << 18];
static size_t used;

__attribute__((export_name("cabi_realloc"))) void* cabi_realloc(void* old, size_t old_size, size_t align, size_t new_size) {
  if (realloc_traps_armed) __builtin_trap();
  used = (used + align - 1) & ~(align - 1);
  if (used + new_size > sizeof heap) __builtin_trap();
  unsigned char* p = heap + used;
  used += new_size;
  for (size_t i = 0; old && i < old_size && i < new_size; ++i) p[i] = ((unsigned char*)old)[i];
  return p;
}
