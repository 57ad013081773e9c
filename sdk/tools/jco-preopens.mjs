// Preloaded into `jco embed` (node --import): jco 1.35 runs wasm-tools as a WASI component on
// @bytecodealliance/preview2-shim, whose filesystem starts with no preopens, so WIT files cannot be
// read ("failed to read path ..."). Give it the host root so absolute --wit paths resolve.
import { _setPreopens } from '@bytecodealliance/preview2-shim/filesystem';
_setPreopens({ '/': '/' });
