// Runs the pinned jco (repo node_modules) on components: `jco wit` and `jco transpile`, both
// through the CLI and in-process through jco's API (the functions the CLI commands call; used by
// the tests because one node process per call costs ~1-3 s), and instantiates transpiled output
// against a ReferenceHost.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..', '..');
export const jcoDir = join(repoRoot, 'node_modules', '@bytecodealliance', 'jco');
export const jcoJs = join(jcoDir, 'dist', 'jco.js');

let apiPromise;
/** jco's JS API (dist/api.js): transpile, componentWit, ... */
export function jcoApi() {
  apiPromise ??= import(pathToFileURL(join(jcoDir, 'dist', 'api.js')).href);
  return apiPromise;
}

/** Runs the pinned jco CLI; returns stdout. */
export function jcoCli(...args) {
  return execFileSync(process.execPath, [jcoJs, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Imports and exports of the root world in `jco wit` output. */
export function parseWorld(wit) {
  const m = wit.match(/world\s+[\w-]+\s*\{([\s\S]*?)\n\}/);
  if (!m) throw new Error(`no world in jco wit output:\n${wit}`);
  const lines = m[1].split('\n').map((l) => l.trim()).filter(Boolean);
  const names = (kw) => lines.filter((l) => l.startsWith(`${kw} `)).map((l) => l.slice(kw.length + 1).replace(/;$/, '')).sort();
  return { imports: names('import'), exports: names('export'), wit };
}

/** `jco wit <component>` (CLI), parsed. */
export function worldSummaryCli(componentPath) {
  return parseWorld(jcoCli('wit', componentPath));
}

/** What `jco wit` prints, computed in-process (the CLI prints componentWit's result). */
export async function worldSummary(componentPath) {
  const { componentWit } = await jcoApi();
  return parseWorld(await componentWit(readFileSync(componentPath)));
}

/**
 * `jco transpile <component> -o <outDir> --name <name> --instantiation async --no-typescript`,
 * in-process. WASI imports (if any) are left to the caller's import object.
 */
export async function transpile(componentPath, outDir, name) {
  const { transpile: transpileComponent } = await jcoApi();
  const { files } = await transpileComponent(readFileSync(componentPath), {
    name, instantiation: { tag: 'async' }, noTypescript: true, quiet: true,
  });
  for (const [file, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(outDir, file)), { recursive: true });
    writeFileSync(join(outDir, file), bytes);
  }
  return { dir: outDir, name };
}

/**
 * Instantiates a transpiled component; returns its exports (root.processor, root.lifecycle, ...).
 * An SDK component also exports the torvyn:batching forms, whose interfaces share the short names
 * (`processor`, `source`, `sink`); jco gives the short name to whichever comes first, so they are
 * set here: `processor` etc. for torvyn:streaming, `batchProcessor` etc. for torvyn:batching.
 */
export async function instantiate({ dir, name }, imports) {
  const mod = await import(pathToFileURL(join(dir, `${name}.js`)).href);
  const root = await mod.instantiate(async (path) => WebAssembly.compile(readFileSync(join(dir, path))), imports);
  for (const role of ['processor', 'source', 'sink']) {
    const single = root[`torvyn:streaming/${role}@0.1.0`];
    const batch = root[`torvyn:batching/${role}@0.1.0`];
    if (single) root[role] = single;
    if (batch) root[`batch${role[0].toUpperCase()}${role.slice(1)}`] = batch;
  }
  return root;
}
