/* The strong cabi_realloc of broken/realloc_calls_import.c: a bump allocator that, when armed,
 * first calls an import (buffer.size). Kept apart from abi.h, whose weak cabi_realloc it replaces. */
#include <stddef.h>
#include <stdint.h>

extern int realloc_calls_import_armed;

__attribute__((import_module("torvyn:streaming/types@0.1.0"), import_name("[method]buffer.size")))
int64_t realloc_calls_import_size(int32_t self);

static _Alignas(16) unsigned char heap[1 << 18];
static size_t used;

__attribute__((export_name("cabi_realloc"))) void* cabi_realloc(void* old, size_t old_size, size_t align, size_t new_size) {
  if (realloc_calls_import_armed) (void)realloc_calls_import_size(1);
  used = (used + align - 1) & ~(align - 1);
  if (used + new_size > sizeof heap) __builtin_trap();
  unsigned char* p = heap + used;
  used += new_size;
  for (size_t i = 0; old && i < old_size && i < new_size; ++i) p[i] = ((unsigned char*)old)[i];
  return p;
}
