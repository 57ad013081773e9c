#!/usr/bin/env node
// Stages a WIT folder holding exactly one world, for `jco embed`.
//
// jco 1.35 ignores `embed -n/--world-name`: it embeds the root package's only world, or fails
// when the package has several. This script copies the package that defines WORLD into OUT_DIR
// with every other world removed, and copies (dereferencing symlinks) the package's deps/ folder
// beside it, so `jco embed --wit OUT_DIR` embeds exactly WORLD.
//
// usage: stage-wit.mjs <wit-dir> <world> <out-dir> [--core <core.wasm>]
//   wit-dir  a WIT package folder (holding *.wit) or a folder of package folders (like the repo's
//            wit/: streaming/, filtering/, ...)
//   world    "name", "pkg:ns/name" or "pkg:ns/name@version"
//   --core   the guest's core module: when it exports torvyn:batching functions (the SDK's role
//            macros export them) and wit-dir has a torvyn:batching world `batch-<world>` (e.g.
//            batch-transform: transform plus the batch form of its role), that world is staged
//            instead, so the component exports both forms (docs/batching.md)
// Prints the staged package's fully qualified world name on stdout.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

function die(msg) {
  process.stderr.write(`stage-wit: ${msg}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
let coreArg = null;
const at = args.indexOf('--core');
if (at >= 0) {
  coreArg = args[at + 1];
  if (!coreArg) die('--core needs a file');
  args.splice(at, 2);
}
const [witDirArg, worldArg, outDirArg] = args;
if (!witDirArg || !worldArg || !outDirArg) die('usage: stage-wit.mjs <wit-dir> <world> <out-dir> [--core <core.wasm>]');
const witDir = resolve(witDirArg);
const outDir = resolve(outDirArg);
if (!existsSync(witDir) || !statSync(witDir).isDirectory()) die(`not a folder: ${witDir}`);

// "torvyn:filtering/content-filter@0.1.0" -> { pkg: "torvyn:filtering", name, version }
const m = worldArg.match(/^(?:([a-z][a-z0-9-]*:[a-z][a-z0-9-]*)\/)?([a-z%][a-z0-9-]*)(?:@([^\s]+))?$/);
if (!m) die(`bad world name: ${worldArg}`);
const want = { pkg: m[1] ?? null, name: m[2], version: m[3] ?? null };

// Splits WIT source into top-level items, tracking comments so braces inside them are ignored.
// Returns [{ kind: 'world'|'other', name, start, end }] with start including leading doc comments.
function topLevelItems(src) {
  const items = [];
  let i = 0;
  let depth = 0;
  let itemStart = -1; // start of the current top-level item's leading comments/keyword
  let pendingComment = -1;
  let cur = null;
  while (i < src.length) {
    const c = src[i];
    if (c === '/' && src[i + 1] === '/') {
      if (depth === 0 && pendingComment < 0) pendingComment = i;
      const nl = src.indexOf('\n', i);
      i = nl < 0 ? src.length : nl; // the newline itself goes through the blank-line check below
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      if (depth === 0 && pendingComment < 0) pendingComment = i;
      let d = 1;
      i += 2;
      while (i < src.length && d > 0) {
        if (src[i] === '/' && src[i + 1] === '*') { d++; i += 2; }
        else if (src[i] === '*' && src[i + 1] === '/') { d--; i += 2; }
        else i++;
      }
      continue;
    }
    if (depth === 0 && /\s/.test(c)) {
      // A blank line separates a comment from the next item.
      if (c === '\n' && pendingComment >= 0 && /^\n[ \t]*\n/.test(src.slice(i, i + 64)) && !cur) pendingComment = -1;
      i++;
      continue;
    }
    if (depth === 0 && !cur && c === '@') {
      // Feature gate (`@since(version = 0.2.0)`, `@unstable(feature = x)`, `@deprecated(...)`):
      // belongs to the item that follows, like a doc comment.
      if (pendingComment < 0) pendingComment = i;
      const am = src.slice(i).match(/^@[a-z-]+\s*(\([^)]*\))?/);
      i += am ? am[0].length : 1;
      continue;
    }
    if (depth === 0 && !cur) {
      const km = src.slice(i).match(/^(world|interface|package|use|include)\b\s*([a-z%][a-z0-9:/@.-]*)?/);
      cur = { kind: km && km[1] === 'world' ? 'world' : 'other', name: km ? km[2] : null,
              start: pendingComment >= 0 ? pendingComment : i };
      pendingComment = -1;
    }
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth < 0) die('unbalanced braces');
      if (depth === 0 && cur) { cur.end = i + 1; items.push(cur); cur = null; }
    } else if (c === ';' && depth === 0 && cur) {
      cur.end = i + 1; items.push(cur); cur = null;
    }
    i++;
  }
  return items;
}

function packageOf(src) {
  const pm = src.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, '').match(/^\s*package\s+([a-z][a-z0-9-]*:[a-z][a-z0-9-]*)(?:@([^\s;]+))?\s*;/m);
  return pm ? { pkg: pm[1], version: pm[2] ?? null } : null;
}

// Candidate package folders: witDir itself if it holds .wit files, else its subfolders.
function witFiles(dir) {
  return readdirSync(dir).filter((f) => f.endsWith('.wit') && statSync(join(dir, f)).isFile());
}
const candidates = witFiles(witDir).length ? [witDir]
  : readdirSync(witDir).map((d) => join(witDir, d)).filter((d) => statSync(d).isDirectory() && witFiles(d).length);

function findWorld(w) {
  const found = [];
  for (const dir of candidates) {
    let pkg = null;
    const worlds = [];
    for (const f of witFiles(dir)) {
      const src = readFileSync(join(dir, f), 'utf8');
      pkg = pkg ?? packageOf(src);
      for (const it of topLevelItems(src)) if (it.kind === 'world') worlds.push(it.name);
    }
    if (!pkg) continue;
    if (w.pkg && w.pkg !== pkg.pkg) continue;
    if (w.version && w.version !== pkg.version) continue;
    if (worlds.includes(w.name)) found.push({ dir, pkg });
  }
  return found;
}
const matches = findWorld(want);
if (matches.length === 0) die(`world ${worldArg} not found under ${witDir}`);
if (matches.length > 1) die(`world ${worldArg} is ambiguous: ${matches.map((x) => x.pkg.pkg).join(', ')}; qualify it`);
let { dir, pkg } = matches[0];

// The batch-enabled world, when the core module exports the batch forms and the WIT has one.
if (coreArg && pkg.pkg === 'torvyn:streaming') {
  const exportsBatch = WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(coreArg)))
    .some((e) => e.kind === 'function' && e.name.startsWith('torvyn:batching/'));
  const batch = exportsBatch ? findWorld({ pkg: 'torvyn:batching', name: `batch-${want.name}`, version: null }) : [];
  if (batch.length === 1) {
    ({ dir, pkg } = batch[0]);
    want.name = `batch-${want.name}`;
  }
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
for (const f of witFiles(dir)) {
  const src = readFileSync(join(dir, f), 'utf8');
  let out = '';
  let pos = 0;
  for (const it of topLevelItems(src)) {
    if (it.kind === 'world' && it.name !== want.name) {
      out += src.slice(pos, it.start);
      pos = it.end;
    }
  }
  out += src.slice(pos);
  writeFileSync(join(outDir, f), out);
}
if (existsSync(join(dir, 'deps'))) cpSync(join(dir, 'deps'), join(outDir, 'deps'), { recursive: true, dereference: true });
process.stdout.write(`${pkg.pkg}/${want.name}${pkg.version ? '@' + pkg.version : ''}\n`);
