// Torvyn reference host (JavaScript): implements the host side of `torvyn:streaming/types@0.1.0`
// and `torvyn:streaming/buffer-allocator@0.1.0` for components run under `jco transpile`.
// It follows DESIGN.md §4/§7 and is meant as the oracle for differential tests of the C++
// host's Canonical ABI: same inputs in, compare outputs, errors, traps and resource counts.
//
// Resources are plain JS classes (one set per ReferenceHost, so counters stay per host); jco's
// generated glue maps them to handles in the component's tables, calls their methods for the
// `[method]...` imports and calls `[Symbol.dispose]()` when the guest drops an own handle.

const enc = new TextEncoder();
const dec = new TextDecoder();

const KiB = 1024;
const MiB = 1024 * KiB;

/** Capacity the allocator grants for a hint: the pool tiers of DESIGN.md §6 (4 KiB, 64 KiB, 1 MiB), else the hint. */
export function tierCapacity(hint) {
  const n = Number(hint);
  if (n <= 4 * KiB) return 4 * KiB;
  if (n <= 64 * KiB) return 64 * KiB;
  if (n <= MiB) return MiB;
  return n;
}

// jco 1.35 does not validate the handle index when it lifts a borrow for a method call
// (`[method]buffer.size` with a forged or dropped handle): it fabricates an object from the
// class prototype. The brand checks below turn that into a clear trap instead of a TypeError
// about private fields.
const invalidHandle = (what) => new WebAssembly.RuntimeError(`unknown or dropped ${what} handle`);

const toBytes = (v) => (typeof v === 'string' ? enc.encode(v) : v instanceof Uint8Array ? v : new Uint8Array(v));

export class ReferenceHost {
  /**
   * @param {object} [opts]
   * @param {string} [opts.traceId]  32 hex digits, or '' (tracing off)
   * @param {string} [opts.spanId]
   * @param {string} [opts.flowId]
   * @param {bigint} [opts.deadlineNs] remaining time, 0n = none
   * @param {number} [opts.maxLiveBytes] allocation fails (`allocation-failed`) past this many live mutable bytes
   */
  constructor(opts = {}) {
    const host = this;
    this.opts = { traceId: '', spanId: '', flowId: 'flow-0', deadlineNs: 0n, maxLiveBytes: Infinity, ...opts };
    this.stats = {
      buffersCreated: 0, buffersDropped: 0,
      mutableCreated: 0, mutableDropped: 0,
      contextsCreated: 0, contextsDropped: 0,
      copies: 0, copiedBytes: 0, // payload copies between host and component (DESIGN.md §7 copy ledger)
      liveMutableBytes: 0,
    };
    this.log = []; // [ 'allocate 5', 'append 5', ... ] for debugging

    const copy = (n) => { host.stats.copies++; host.stats.copiedBytes += n; };

    class Buffer {
      #bytes; #contentType; #dropped = false;
      constructor(bytes, contentType = '') {
        this.#bytes = toBytes(bytes);
        this.#contentType = contentType;
        host.stats.buffersCreated++;
      }
      /** Host-side access (no copy counted). */
      get bytes() { return this.#bytes; }
      get text() { return dec.decode(this.#bytes); }
      get dropped() { return this.#dropped; }
      static #check(o) { if (!(#bytes in o) || o.#dropped) throw invalidHandle('buffer'); }
      size() { Buffer.#check(this); return BigInt(this.#bytes.length); }
      contentType() { Buffer.#check(this); return this.#contentType; }
      read(offset, len) {
        Buffer.#check(this);
        const start = Math.min(Number(offset), this.#bytes.length);
        const end = Math.min(start + Number(len), this.#bytes.length); // short read, no error
        const out = this.#bytes.slice(start, end);
        copy(out.length);
        return out;
      }
      readAll() {
        Buffer.#check(this);
        const out = this.#bytes.slice();
        copy(out.length);
        return out;
      }
      [Symbol.dispose]() {
        if (!(#bytes in this) || this.#dropped) throw invalidHandle('buffer');
        this.#dropped = true;
        host.stats.buffersDropped++;
      }
    }

    class MutableBuffer {
      #bytes; #size = 0; #capacity; #contentType = ''; #frozen = false; #dropped = false;
      constructor(capacity, initial) {
        this.#capacity = capacity;
        this.#bytes = new Uint8Array(capacity);
        if (initial) { this.#bytes.set(initial); this.#size = initial.length; }
        host.stats.mutableCreated++;
        host.stats.liveMutableBytes += capacity;
      }
      get frozen() { return this.#frozen; }
      static #check(o) { if (!(#bytes in o) || o.#dropped) throw invalidHandle('mutable-buffer'); }
      write(offset, bytes) {
        MutableBuffer.#check(this);
        if (this.#frozen) return { tag: 'err', val: { tag: 'allocation-failed', val: 'buffer is frozen' } };
        const off = Number(offset);
        if (off > this.#size) return { tag: 'err', val: { tag: 'out-of-bounds' } };
        if (off + bytes.length > this.#capacity) return { tag: 'err', val: { tag: 'capacity-exceeded' } };
        this.#bytes.set(bytes, off);
        this.#size = Math.max(this.#size, off + bytes.length);
        copy(bytes.length);
        return { tag: 'ok', val: undefined };
      }
      append(bytes) {
        MutableBuffer.#check(this);
        return this.write(BigInt(this.#size), bytes);
      }
      size() { MutableBuffer.#check(this); return BigInt(this.#size); }
      capacity() { MutableBuffer.#check(this); return BigInt(this.#capacity); }
      setContentType(ct) { MutableBuffer.#check(this); this.#contentType = ct; }
      freeze() {
        MutableBuffer.#check(this);
        this.#frozen = true; // later writes are rejected; the guest still owns and drops this handle
        return new Buffer(this.#bytes.slice(0, this.#size), this.#contentType);
      }
      [Symbol.dispose]() {
        if (!(#bytes in this) || this.#dropped) throw invalidHandle('mutable-buffer');
        this.#dropped = true;
        host.stats.mutableDropped++;
        host.stats.liveMutableBytes -= this.#capacity;
      }
    }

    class FlowContext {
      #o;
      constructor(o) { this.#o = o; host.stats.contextsCreated++; }
      static #check(o) { if (!(#o in o)) throw invalidHandle('flow-context'); }
      traceId() { FlowContext.#check(this); return this.#o.traceId; }
      spanId() { FlowContext.#check(this); return this.#o.spanId; }
      deadlineNs() { FlowContext.#check(this); return this.#o.deadlineNs; }
      flowId() { FlowContext.#check(this); return this.#o.flowId; }
      [Symbol.dispose]() { host.stats.contextsDropped++; }
    }

    const allocate = (capacityHint) => {
      const cap = tierCapacity(capacityHint);
      host.log.push(`allocate ${capacityHint}`);
      if (host.stats.liveMutableBytes + cap > host.opts.maxLiveBytes) {
        return { tag: 'err', val: { tag: 'allocation-failed', val: `budget of ${host.opts.maxLiveBytes} bytes exhausted` } };
      }
      return { tag: 'ok', val: new MutableBuffer(cap) };
    };
    const cloneIntoMutable = (source) => {
      if (!(source instanceof Buffer)) throw invalidHandle('buffer');
      const bytes = source.bytes;
      const cap = tierCapacity(bytes.length);
      if (host.stats.liveMutableBytes + cap > host.opts.maxLiveBytes) {
        return { tag: 'err', val: { tag: 'allocation-failed', val: `budget of ${host.opts.maxLiveBytes} bytes exhausted` } };
      }
      const mb = new MutableBuffer(cap, bytes);
      mb.setContentType(source.contentType()); // a host-internal copy: not in the copy ledger
      return { tag: 'ok', val: mb };
    };

    this.Buffer = Buffer;
    this.MutableBuffer = MutableBuffer;
    this.FlowContext = FlowContext;
    this.allocator = { allocate, cloneIntoMutable };
  }

  /** The import object for `instantiate()` of a component transpiled with `--instantiation`. */
  imports(extra = {}) {
    const types = { Buffer: this.Buffer, MutableBuffer: this.MutableBuffer, FlowContext: this.FlowContext };
    // jco 1.35's generated instantiate() looks imports up without the version
    // ('torvyn:streaming/types') while its .d.ts names them with it; provide both.
    return {
      'torvyn:streaming/types': types,
      'torvyn:streaming/types@0.1.0': types,
      'torvyn:streaming/buffer-allocator': this.allocator,
      'torvyn:streaming/buffer-allocator@0.1.0': this.allocator,
      ...extra,
    };
  }

  /** A host buffer (string or bytes). */
  buffer(bytes, contentType = '') {
    return new this.Buffer(bytes, contentType);
  }

  flowContext(overrides = {}) {
    const o = this.opts;
    return new this.FlowContext({ traceId: o.traceId, spanId: o.spanId, deadlineNs: o.deadlineNs, flowId: o.flowId, ...overrides });
  }

  /** A `stream-element` value: payload and context are lent to the component as borrows. */
  element(payload, { sequence = 0n, timestampNs = 0n, contentType = 'text/plain', context } = {}) {
    const buf = payload instanceof this.Buffer ? payload : this.buffer(payload, contentType);
    return {
      meta: { sequence: BigInt(sequence), timestampNs: BigInt(timestampNs), contentType },
      payload: buf,
      context: context ?? this.flowContext(),
    };
  }
}

/**
 * Calls a component export and normalizes the outcome:
 *   { ok: value }        the function returned (for result<T, E>: the ok payload)
 *   { err: payload }     it returned an error value (a `process-error` variant)
 *   { trap: Error }      the guest trapped or violated the Canonical ABI (instance is poisoned)
 */
export function call(fn, ...args) {
  try {
    return { ok: fn(...args) };
  } catch (e) {
    if (e && Object.prototype.hasOwnProperty.call(e, 'payload')) return { err: e.payload };
    return { trap: e };
  }
}

export const text = (bytes) => dec.decode(bytes);

/**
 * Import-object entries for a WASI reactor guest (built with `--wasi`): maps every `wasi:*`
 * interface the transpiled component asks for to @bytecodealliance/preview2-shim, which starts
 * with no filesystem preopens (nothing on the host is reachable) and real stdio/clocks.
 */
export async function wasiImports() {
  const shim = await import('@bytecodealliance/preview2-shim');
  const camel = (s) => s.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
  const out = {};
  for (const [pkg, ifaces] of Object.entries({
    cli: ['environment', 'exit', 'stdin', 'stdout', 'stderr', 'terminal-input', 'terminal-output', 'terminal-stdin', 'terminal-stdout', 'terminal-stderr'],
    clocks: ['monotonic-clock', 'wall-clock'],
    filesystem: ['preopens', 'types'],
    io: ['error', 'poll', 'streams'],
    random: ['random', 'insecure', 'insecure-seed'],
  })) {
    for (const iface of ifaces) {
      const impl = shim[pkg]?.[camel(iface)];
      if (impl) out[`wasi:${pkg}/${iface}`] = impl;
    }
  }
  return out;
}
