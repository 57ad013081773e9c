// A transform written in JavaScript: upper-cases ASCII letters of every element.
// Built by componentize-js against the `transform` world (wit/streaming/worlds.wit): the module
// exports the world's `processor` interface. Payloads are host buffers: `readAll()` copies the
// input, `allocate` + `append` + `freeze` make the output. No WASI: console, clocks and
// randomness are disabled in the built component.
import { allocate } from 'torvyn:streaming/buffer-allocator@0.1.0';

export const processor = {
  process(input) {
    const bytes = input.payload.readAll();
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i];
      if (c >= 0x61 && c <= 0x7a) bytes[i] = c - 0x20;
    }
    const out = allocate(BigInt(bytes.length));
    out.append(bytes);
    out.setContentType(input.meta.contentType);
    const payload = out.freeze();
    return { tag: 'emit', val: { meta: input.meta, payload } };
  },
};
