/* The ABI between the host and the per-module glue unit compiled next to wasm2c's output.
 * C, because the glue is C. wasm2c 1.0.32 makes imports global C symbols taking a pointer to an
 * "import module instance"; the glue defines that struct as a torvyn_import_ctx and forwards every
 * import through a per-instance table of slots, so any number of instances of any number of modules
 * can coexist (each .so is loaded RTLD_LOCAL). */
#ifndef TORVYN_GLUE_ABI_H_
#define TORVYN_GLUE_ABI_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A host function: arguments in slots[0..params), results to slots[0..results).
 * Returns 0, or a trap code that the glue raises with wasm_rt_trap. */
typedef int (*torvyn_host_fn_t)(void* env, void* owner, uint64_t* slots);

typedef struct torvyn_import_slot {
  torvyn_host_fn_t host; /* func: the generic host path */
  void* env;
  void* direct_fn;       /* func: a wasm2c export with the same C signature, called directly */
  void* target;          /* func: direct_fn's module instance; memory/table/global: the object */
} torvyn_import_slot;

typedef struct torvyn_import_ctx {
  /* Points at this struct. wasm2c 1.0.32 puts the *address of* an instance's import-context field
   * (not its value) into funcref table entries for imported functions, so an import thunk reached
   * through call_indirect receives a pointer to a pointer to this struct. Reading the first word
   * through either pointer yields the struct, so thunks start with `c = c->self`. */
  void* self;
  void* owner;               /* the host's Instance object (the caller seen by host functions) */
  torvyn_import_slot* slots; /* indexed by import index */
  int64_t* fuel;             /* the Store's fuel counter */
} torvyn_import_ctx;

/* Generic export invoker: arguments in slots, results written back to slots. */
typedef void (*torvyn_invoke_fn_t)(void* instance, uint64_t* slots);
/* Accessor for an exported memory/table/global: pointer to the object inside the instance. */
typedef void* (*torvyn_export_ptr_fn_t)(void* instance);

typedef struct torvyn_export_entry {
  void* raw;                  /* func: the wasm2c export function; others: torvyn_export_ptr_fn_t */
  torvyn_invoke_fn_t invoke;  /* func only */
} torvyn_export_entry;

/* Symbols every glue unit defines (looked up with dlsym). */
#define TORVYN_GLUE_ABI_VERSION 2

/* funcref values cross the slot boundary as handles interned by the host (0 = null). */
uint64_t torvyn_rt_funcref_to_slot(const void* funcref /* wasm_rt_funcref_t* */);
void torvyn_rt_slot_to_funcref(uint64_t slot, void* out /* wasm_rt_funcref_t* */);

#ifdef __cplusplus
}
#endif

#endif /* TORVYN_GLUE_ABI_H_ */
