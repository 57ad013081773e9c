#!/usr/bin/env node
// Adds lockfile entries for optional, platform-specific native packages that the npm registry reachable
// from this workplace does not serve (e.g. @rolldown/binding-darwin-arm64@1.3.2). `npm install` silently
// leaves such optional dependencies out of package-lock.json, and `npm ci` then refuses the lockfile
// ("Missing: ... from lock file"). The entries added here carry only name, version and the os/cpu/libc
// constraints implied by the package's name, marked optional, so `npm ci` on linux-x64-gnu skips them
// without fetching anything. Run after every `npm install` that rewrites package-lock.json:
//     node sdk/tools/npm-lock-platform-stubs.mjs            (fix in place)
//     node sdk/tools/npm-lock-platform-stubs.mjs --check    (exit 1 if entries are missing)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const lockPath = join(root, 'package-lock.json');
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const pkgs = lock.packages;

// Platform constraints from the conventional napi-rs suffixes.
function platformOf(name) {
  const base = name.split('/').pop();
  const m = base.match(/-(android|darwin|freebsd|linux|win32|openharmony|wasm32)-?([a-z0-9]+)?(?:-(gnu|musl|msvc|gnueabihf|eabi|wasi))?$/);
  if (!m) return null;
  const [, os, cpu, abi] = m;
  if (os === 'wasm32') return { cpu: ['wasm32'] };
  const out = { os: [os] };
  if (cpu) out.cpu = [cpu === 'arm' ? 'arm' : cpu];
  if (os === 'linux' && (abi === 'gnu' || abi === 'gnueabihf')) out.libc = ['glibc'];
  if (os === 'linux' && abi === 'musl') out.libc = ['musl'];
  return out;
}

const added = [];
for (const [path, meta] of Object.entries(pkgs)) {
  if (!path || !meta.optionalDependencies) continue;
  for (const [dep, range] of Object.entries(meta.optionalDependencies)) {
    // Resolution as node does it: nested node_modules first, then hoisted.
    const nested = `${path}/node_modules/${dep}`;
    const hoisted = `node_modules/${dep}`;
    if (pkgs[nested] || pkgs[hoisted]) continue;
    const plat = platformOf(dep);
    if (!plat) { console.error(`not a platform package, left alone: ${dep}`); continue; }
    if (!/^\d+\.\d+\.\d+/.test(range)) { console.error(`range is not an exact version: ${dep}@${range}`); continue; }
    pkgs[hoisted] = { version: range.replace(/^[=^~]/, ''), dev: meta.dev || undefined, optional: true, ...plat };
    added.push(`${dep}@${range}`);
  }
}

if (process.argv.includes('--check')) {
  if (added.length) { console.error(`package-lock.json lacks ${added.length} platform entries; run node sdk/tools/npm-lock-platform-stubs.mjs`); process.exit(1); }
  process.exit(0);
}
// Keep npm's key order (sorted) so the file diff stays small.
const sorted = { '': pkgs[''] };
for (const k of Object.keys(pkgs).filter((k) => k).sort()) sorted[k] = pkgs[k];
lock.packages = sorted;
writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n');
console.log(added.length ? `added ${added.length} platform entries:\n  ${added.join('\n  ')}` : 'nothing to add');
