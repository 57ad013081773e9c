// Differential-test driver (reference side): runs one scenario against one component under
// `jco transpile` + the JS ReferenceHost and prints a canonical JSON trace of everything that
// crossed the component boundary. tests/component/differential_test.cc produces the same form
// from the C++ host and compares the two.
//
//   node trace-driver.mjs <component.wasm> <scenario.json>
//
// Env: TORVYN_TRACE_WORK_DIR  where transpiled output goes (kept, keyed by the component's
//                             SHA-256, so repeated runs skip jco); default: a temp folder, removed.
//
// ---- Scenario (tests/component/differential/*.json) ----
//   { "component": "uppercase", "host": { "flow_id", "trace_id", "span_id", "deadline_ns", "max_live_bytes" },
//     "steps": [ { "call": "<iface>.<func>", ...args } ] }
// <iface> is processor | source | sink | lifecycle | filter | router | aggregator; <func> is the WIT
// name (`notify-backpressure`). Arguments: `element` (stream-element functions), `config`
// (lifecycle.init), `signal` (source.notify-backpressure). A step expands to several calls with
//   "elements": "@shared"  once per element of shared-inputs.json (next to the scenario), or
//   "repeat": N            N times; "{i}" in any string becomes the index, sequence defaults to i.
// element: { payload, content_type ("text/plain"), sequence (0), timestamp_ns (0), context {} }
// payload: "utf-8 text" | { "hex": "00ff" } | { "repeat": "ab", "length": N } (cycled to N bytes).
// context overrides the host's flow-context fields for that element: flow_id, trace_id, span_id,
// deadline_ns. u64 values are JSON numbers or decimal strings.
//
// ---- Trace (the JSON printed) ----
//   { "component", "scenario", "trace": [ entry... ] }, entries in the order they happened:
//   { "export": "<iface>#<func>", "args": [...] }                 an export call starts
//   { "host": "<iface>#<func>", "args": [...], "result": v }       an import the guest called
//     (v is null for functions without results; a trap raised by the host: "trap": true instead
//     of "result"; a guest drop of an own handle: "<iface>#[resource-drop]<resource>" with the
//     handle as its only argument)
//   { "return": v, "outputs": [ { "handle", "content-type", "bytes" } ] }   the export returned
//     (outputs: every own<buffer> in v, as the host sees it); a trap: { "return": { "trap": true } }
//   { "end": { "live-mutable-buffers": n } }                        mutable buffers never dropped
// Values are encoded by their WIT type: u64 as a decimal string, other integers as numbers,
// records as objects with WIT (kebab-case) field names, variants/results/options as
// { "tag", "val"? } (option: none | some), enums as their label, handles as "<resource>#<n>"
// with n counting host objects in order of first appearance in the trace, list<u8> as
// { "len", "text" } (≤ 256 bytes) or { "len", "head" (first 32), "fnv1a64" } where text escapes
// every byte outside printable ASCII, and the backslash, as \xHH / \\.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReferenceHost, call } from './host.mjs';
import { instantiate, transpile } from './component.mjs';

// ---- WIT types of the contract (DESIGN.md §4), as the encoder needs them ----
const u64 = { k: 'u64' };
const str = { k: 'string' };
const bool = { k: 'bool' };
const bytes = { k: 'bytes' };
const own = (r) => ({ k: 'own', r });
const borrow = (r) => ({ k: 'borrow', r });
const record = (...fields) => ({ k: 'record', fields });
const variant = (...cases) => ({ k: 'variant', cases }); // [label, payload type | null]
const enumeration = (...labels) => ({ k: 'enum', labels });
const option = (t) => ({ k: 'option', t });
const result = (ok, err) => ({ k: 'result', ok, err });
const list = (t) => ({ k: 'list', t });

const elementMeta = record(['sequence', u64], ['timestamp-ns', u64], ['content-type', str]);
const streamElement = record(['meta', elementMeta], ['payload', borrow('buffer')], ['context', borrow('flow-context')]);
const outputElement = record(['meta', elementMeta], ['payload', own('buffer')]);
const processError = variant(['invalid-input', str], ['unavailable', str], ['internal', str], ['deadline-exceeded', null], ['fatal', str]);
const processResult = variant(['emit', outputElement], ['drop', null]);
const bufferError = variant(['capacity-exceeded', null], ['out-of-bounds', null], ['allocation-failed', str]);
const backpressureSignal = enumeration('ready', 'pause');

const IFACES = {
  processor: 'torvyn:streaming/processor@0.1.0',
  source: 'torvyn:streaming/source@0.1.0',
  sink: 'torvyn:streaming/sink@0.1.0',
  lifecycle: 'torvyn:streaming/lifecycle@0.1.0',
  filter: 'torvyn:filtering/filter@0.1.0',
  router: 'torvyn:filtering/router@0.1.0',
  aggregator: 'torvyn:aggregation/aggregator@0.1.0',
};
// Export signatures: [param types], result type (null = none).
const EXPORTS = {
  'processor.process': [[streamElement], result(processResult, processError)],
  'source.pull': [[], result(option(outputElement), processError)],
  'source.notify-backpressure': [[backpressureSignal], null],
  'sink.push': [[streamElement], result(backpressureSignal, processError)],
  'sink.complete': [[], result(null, processError)],
  'lifecycle.init': [[str], result(null, processError)],
  'lifecycle.teardown': [[], null],
  'filter.evaluate': [[streamElement], result(bool, processError)],
  'router.route': [[streamElement], result(list(str), processError)],
  'aggregator.ingest': [[streamElement], result(option(outputElement), processError)],
  'aggregator.flush': [[], result(list(outputElement), processError)],
};

const TYPES = 'torvyn:streaming/types@0.1.0';
const ALLOCATOR = 'torvyn:streaming/buffer-allocator@0.1.0';
// Host functions: [class or 'allocator', JS name, WIT name, [param types after self], result type].
const HOST_METHODS = [
  ['Buffer', 'size', '[method]buffer.size', [], u64],
  ['Buffer', 'contentType', '[method]buffer.content-type', [], str],
  ['Buffer', 'read', '[method]buffer.read', [u64, u64], bytes],
  ['Buffer', 'readAll', '[method]buffer.read-all', [], bytes],
  ['MutableBuffer', 'write', '[method]mutable-buffer.write', [u64, bytes], result(null, bufferError)],
  ['MutableBuffer', 'append', '[method]mutable-buffer.append', [bytes], result(null, bufferError)],
  ['MutableBuffer', 'size', '[method]mutable-buffer.size', [], u64],
  ['MutableBuffer', 'capacity', '[method]mutable-buffer.capacity', [], u64],
  ['MutableBuffer', 'setContentType', '[method]mutable-buffer.set-content-type', [str], null],
  ['MutableBuffer', 'freeze', '[method]mutable-buffer.freeze', [], own('buffer')],
  ['FlowContext', 'traceId', '[method]flow-context.trace-id', [], str],
  ['FlowContext', 'spanId', '[method]flow-context.span-id', [], str],
  ['FlowContext', 'deadlineNs', '[method]flow-context.deadline-ns', [], u64],
  ['FlowContext', 'flowId', '[method]flow-context.flow-id', [], str],
];
const RESOURCE_NAMES = { Buffer: 'buffer', MutableBuffer: 'mutable-buffer', FlowContext: 'flow-context' };

const camel = (s) => s.replace(/-([a-z])/g, (_, c) => c.toUpperCase());

// ---- Canonical encoding ----

/** FNV-1a, 64-bit, as 16 lowercase hex digits. */
function fnv1a64(b) {
  let h = 0xcbf29ce484222325n;
  for (const x of b) h = ((h ^ BigInt(x)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

function escapeBytes(b) {
  let s = '';
  for (const x of b) {
    if (x === 0x5c) s += '\\\\';
    else if (x >= 0x20 && x <= 0x7e) s += String.fromCharCode(x);
    else s += `\\x${x.toString(16).padStart(2, '0')}`;
  }
  return s;
}

export function encodeBytes(b) {
  if (b.length <= 256) return { len: b.length, text: escapeBytes(b) };
  return { len: b.length, head: escapeBytes(b.subarray(0, 32)), fnv1a64: fnv1a64(b) };
}

/** Renumbers host objects in order of first appearance; collects own<buffer> values on request. */
class Encoder {
  constructor(host) {
    this.host = host;
    this.ids = new Map();
  }

  handle(resource, obj) {
    const name = Object.entries(RESOURCE_NAMES).find(([cls]) => obj instanceof this.host[cls])?.[1] ?? `not-a-${resource}`;
    if (!this.ids.has(obj)) this.ids.set(obj, this.ids.size + 1);
    return `${name}#${this.ids.get(obj)}`;
  }

  /** @param owned  array that receives every own<buffer> object met (export results) */
  value(t, v, owned) {
    if (t === null) return null;
    switch (t.k) {
      case 'u64': return BigInt(v).toString();
      case 'string':
      case 'bool': return v;
      case 'bytes': return encodeBytes(v);
      case 'own':
        if (owned && t.r === 'buffer') owned.push(v);
        return this.handle(t.r, v);
      case 'borrow': return this.handle(t.r, v);
      case 'record': {
        const out = {};
        for (const [name, ft] of t.fields) out[name] = this.value(ft, v[camel(name)], owned);
        return out;
      }
      case 'variant': {
        const c = t.cases.find(([label]) => label === v.tag);
        if (!c) throw new Error(`unknown variant case ${JSON.stringify(v.tag)}`);
        return c[1] ? { tag: c[0], val: this.value(c[1], v.val, owned) } : { tag: c[0] };
      }
      case 'enum': return v;
      case 'option': return v === undefined || v === null ? { tag: 'none' } : { tag: 'some', val: this.value(t.t, v, owned) };
      case 'result': {
        const [tag, pt] = v.tag === 'ok' ? ['ok', t.ok] : ['err', t.err];
        return pt ? { tag, val: this.value(pt, v.val, owned) } : { tag };
      }
      case 'list': return Array.from(v, (x) => this.value(t.t, x, owned));
      default: throw new Error(`unknown type ${t.k}`);
    }
  }
}

// ---- Scenario ----

export const parseU64 = (v, dflt = 0n) => (v === undefined ? dflt : BigInt(v));

/** Bytes of a payload spec. */
export function payloadBytes(p) {
  if (p === undefined) return new Uint8Array(0);
  if (typeof p === 'string') return new TextEncoder().encode(p);
  if (p.hex !== undefined) return Uint8Array.from(p.hex.match(/../g) ?? [], (h) => parseInt(h, 16));
  if (p.repeat !== undefined) {
    const unit = new TextEncoder().encode(p.repeat);
    const out = new Uint8Array(p.length);
    for (let i = 0; i < out.length; i++) out[i] = unit[i % unit.length];
    return out;
  }
  throw new Error(`bad payload ${JSON.stringify(p)}`);
}

function substitute(v, i) {
  if (typeof v === 'string') return v.replaceAll('{i}', String(i));
  if (Array.isArray(v)) return v.map((x) => substitute(x, i));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, i)]));
  return v;
}

/** The calls a scenario makes, in order (steps expanded). */
export function expandSteps(scenario, scenarioPath) {
  let shared;
  const out = [];
  for (const step of scenario.steps) {
    if (step.elements === '@shared') {
      shared ??= JSON.parse(readFileSync(join(dirname(scenarioPath), 'shared-inputs.json'), 'utf8')).elements;
      for (const element of shared) out.push({ ...step, elements: undefined, element });
    } else if (step.repeat !== undefined) {
      for (let i = 0; i < step.repeat; i++) {
        const s = substitute({ ...step, repeat: undefined }, i);
        if (s.element) s.element = { sequence: i, ...s.element };
        out.push(s);
      }
    } else {
      out.push(step);
    }
  }
  return out;
}

// ---- Running ----

/**
 * Wraps the host's resource methods and allocator so every guest-initiated call is traced.
 * Returns `untraced(fn)`, which runs host code (e.g. reading an output's content type) unseen.
 */
function traceHost(host, enc, trace) {
  let depth = 0; // host methods call each other (append -> write): trace only the guest's call
  const traced = (iface, name, params, resultType, self, fn) => function (...args) {
    if (depth > 0) return fn.apply(this, args);
    const entry = { host: `${iface}#${name}`, args: [] };
    if (self) entry.args.push(enc.handle(self, this));
    params.forEach((t, i) => entry.args.push(enc.value(t, args[i])));
    trace.push(entry);
    depth++;
    try {
      let r = fn.apply(this, args);
      // jco accepts a result-returning import's value either as { tag: 'ok'|'err' } or bare (= ok).
      if (resultType?.k === 'result' && !(r && typeof r === 'object' && (r.tag === 'ok' || r.tag === 'err'))) r = { tag: 'ok', val: r };
      entry.result = enc.value(resultType, r);
      return r;
    } catch (e) {
      entry.trap = true;
      throw e;
    } finally {
      depth--;
    }
  };
  for (const [cls, js, wit, params, rt] of HOST_METHODS) {
    const proto = host[cls].prototype;
    proto[js] = traced(TYPES, wit, params, rt, RESOURCE_NAMES[cls], proto[js]);
  }
  for (const cls of Object.keys(RESOURCE_NAMES)) {
    const proto = host[cls].prototype;
    proto[Symbol.dispose] = traced(TYPES, `[resource-drop]${RESOURCE_NAMES[cls]}`, [], null, RESOURCE_NAMES[cls], proto[Symbol.dispose]);
  }
  const { allocate, cloneIntoMutable } = host.allocator;
  host.allocator = {
    allocate: traced(ALLOCATOR, 'allocate', [u64], result(own('mutable-buffer'), bufferError), null, allocate),
    cloneIntoMutable: traced(ALLOCATOR, 'clone-into-mutable', [borrow('buffer')], result(own('mutable-buffer'), bufferError), null, cloneIntoMutable),
  };
  return (fn) => {
    depth++;
    try {
      return fn();
    } finally {
      depth--;
    }
  };
}

/** Runs `scenario` on an instance of the transpiled component; returns the trace entries. */
export async function runScenario(transpiled, scenario, scenarioPath) {
  const h = scenario.host ?? {};
  const host = new ReferenceHost({
    flowId: h.flow_id ?? 'flow-0',
    traceId: h.trace_id ?? '',
    spanId: h.span_id ?? '',
    deadlineNs: parseU64(h.deadline_ns),
    maxLiveBytes: h.max_live_bytes ?? Infinity,
  });
  const trace = [];
  const enc = new Encoder(host);
  const untraced = traceHost(host, enc, trace);
  const root = await instantiate(transpiled, host.imports());

  for (const step of expandSteps(scenario, scenarioPath)) {
    const sig = EXPORTS[step.call];
    if (!sig) throw new Error(`unknown export ${step.call}`);
    const [ifaceKey, fn] = step.call.split('.');
    const [params, resultType] = sig;
    let args = [];
    if (params[0] === streamElement) {
      const e = step.element ?? {};
      const c = e.context ?? {};
      const context = host.flowContext({
        ...(c.flow_id !== undefined && { flowId: c.flow_id }),
        ...(c.trace_id !== undefined && { traceId: c.trace_id }),
        ...(c.span_id !== undefined && { spanId: c.span_id }),
        ...(c.deadline_ns !== undefined && { deadlineNs: parseU64(c.deadline_ns) }),
      });
      const contentType = e.content_type ?? 'text/plain';
      args = [host.element(host.buffer(payloadBytes(e.payload), contentType), {
        sequence: parseU64(e.sequence), timestampNs: parseU64(e.timestamp_ns), contentType, context,
      })];
    } else if (step.call === 'lifecycle.init') {
      args = [step.config ?? ''];
    } else if (step.call === 'source.notify-backpressure') {
      args = [step.signal];
    }
    trace.push({ export: `${IFACES[ifaceKey]}#${fn}`, args: params.map((t, i) => enc.value(t, args[i])) });

    const f = root[camel(ifaceKey)]?.[camel(fn)];
    if (!f) throw new Error(`the component does not export ${step.call}`);
    const r = call(f, ...args);
    if (r.trap) {
      process.stderr.write(`trace-driver: ${step.call} trapped: ${r.trap?.message ?? r.trap}\n`);
      trace.push({ return: { trap: true } });
      continue;
    }
    // call() unwraps result<T, E> (ok value, or err from the thrown ComponentError).
    const value = resultType?.k === 'result' ? ('err' in r ? { tag: 'err', val: r.err } : { tag: 'ok', val: r.ok }) : r.ok;
    const owned = [];
    const entry = { return: enc.value(resultType, value, owned), outputs: [] };
    for (const b of owned) {
      entry.outputs.push({ handle: enc.handle('buffer', b), 'content-type': untraced(() => b.contentType()), bytes: encodeBytes(b.bytes) });
    }
    trace.push(entry);
  }
  trace.push({ end: { 'live-mutable-buffers': host.stats.mutableCreated - host.stats.mutableDropped } });
  return trace;
}

/** Prints a trace: one entry per line, so a failing test's output diffs well. */
export function formatTrace(doc) {
  const { trace, ...head } = doc;
  const lines = trace.map((e) => `  ${JSON.stringify(e)}`);
  return `${JSON.stringify(head).slice(0, -1)},"trace":[\n${lines.join(',\n')}\n]}\n`;
}

async function transpileCached(wasmPath) {
  const bytes = readFileSync(wasmPath);
  const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const name = basename(wasmPath, '.wasm').replace(/[^A-Za-z0-9_-]/g, '_');
  const keep = process.env.TORVYN_TRACE_WORK_DIR;
  if (keep) mkdirSync(keep, { recursive: true });
  const root = keep ?? mkdtempSync(join(tmpdir(), 'torvyn-trace-'));
  const dir = join(root, `${name}-${digest}`);
  const cleanup = () => { if (!keep) rmSync(root, { recursive: true, force: true }); };
  if (existsSync(dir)) return { t: { dir, name }, cleanup };
  // Transpile beside the cache entry and rename it into place, so that concurrent drivers (ctest
  // -j) never see a half-written entry; the loser of the race discards its copy.
  const tmp = `${dir}.tmp-${process.pid}`;
  await transpile(wasmPath, tmp, name);
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { t: { dir, name }, cleanup };
}

async function main(argv) {
  if (argv.length !== 2) {
    process.stderr.write('usage: node trace-driver.mjs <component.wasm> <scenario.json>\n');
    return 2;
  }
  const [wasmPath, scenarioPath] = argv;
  const scenario = JSON.parse(readFileSync(scenarioPath, 'utf8'));
  const { t, cleanup } = await transpileCached(wasmPath);
  try {
    const trace = await runScenario(t, scenario, scenarioPath);
    process.stdout.write(formatTrace({ component: basename(wasmPath, '.wasm'), scenario: basename(scenarioPath, '.json'), trace }));
  } finally {
    cleanup();
  }
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
    process.stderr.write(`trace-driver: ${e?.stack ?? e}\n`);
    process.exitCode = 1;
  });
}
