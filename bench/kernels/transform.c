/* A byte-transform kernel, compiled twice from this one source: natively into the benchmark
 * binary and to wasm32 with clang, so the engines are compared against the same code. */
#include <stdint.h>

#ifdef __wasm__
#define EXPORT(name) __attribute__((export_name(name)))
#else
#define EXPORT(name)
#endif

EXPORT("transform")
uint32_t transform(uint8_t* buf, uint32_t len, uint32_t rounds) {
  uint32_t h = 2166136261u;
  for (uint32_t r = 0; r < rounds; ++r) {
    for (uint32_t i = 0; i < len; ++i) {
      uint8_t b = buf[i];
      b = (uint8_t)((b ^ 0x5a) * 31 + (b >> 3) + r);
      buf[i] = b;
      h = (h ^ b) * 16777619u;
    }
  }
  return h;
}
