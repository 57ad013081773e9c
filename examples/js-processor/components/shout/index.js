// A processor in JavaScript: each greeting becomes a JSON record with the text upper-cased and its
// length, e.g. "Hello, World! #1" -> {"seq":0,"text":"HELLO, WORLD! #1","length":16}.
//
// The module exports the `transform` world's `processor` interface (wit/streaming/processor.wit);
// componentize-js turns it into a component (`language = "js"` in Torvyn.toml). Record fields and
// variant cases follow componentize-js's mapping of WIT: kebab-case names become camelCase, u64 is
// a BigInt, result<T, E> is a returned value or a thrown error, a variant is {tag, val}.
import { allocate } from 'torvyn:streaming/buffer-allocator@0.1.0';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export const processor = {
  process(input) {
    const text = decoder.decode(input.payload.readAll());
    const record = { seq: Number(input.meta.sequence), text: text.toUpperCase(), length: text.length };
    const bytes = encoder.encode(JSON.stringify(record));
    const out = allocate(BigInt(bytes.length));
    out.append(bytes);
    // JSON lines, sent as text: the example's console sink accepts text/* only.
    out.setContentType(input.meta.contentType);
    const payload = out.freeze();
    return { tag: 'emit', val: { meta: input.meta, payload } };
  },
};
