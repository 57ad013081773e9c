// Runs the SDK runtime self-test core module (selftest.c), built by sdk/CMakeLists.txt.
// Env: TORVYN_TEST_RUNTIME_WASM = path of selftest.wasm
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const path = process.env.TORVYN_TEST_RUNTIME_WASM;
if (!path) throw new Error('TORVYN_TEST_RUNTIME_WASM is not set');
const load = () => new WebAssembly.Instance(new WebAssembly.Module(readFileSync(path)), {}).exports;

it('mem* and the allocator pass their self-test', () => {
  assert.equal(load().selftest(), 0);
});
it('freeing a block twice traps', () => {
  assert.throws(() => load().double_free(), WebAssembly.RuntimeError);
});
it('freeing memory the allocator did not hand out traps', () => {
  assert.throws(() => load().foreign_free(), WebAssembly.RuntimeError);
});
