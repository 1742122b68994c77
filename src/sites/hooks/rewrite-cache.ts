// A disk cache of rewritten modules, like Node's compile cache: parsing typescript.js (9 MB) and
// rewriting it takes ~1.6 s here, most of it oxc-parser handing its AST to JavaScript; reading the
// result back takes tens of ms. Keyed by the source, what was asked of the rewrite, and this
// version of the rewriter. JSPROBE_CACHE=0 turns it off; JSPROBE_CACHE=<dir> moves it; a directory
// another user could write to is not used (cache-dir.ts).

import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fnv64 } from '../../core/fnv1a.js';
import { instrument } from '../rewrite/instrument.js';
import { sha256 } from '../sha256.js';
import { cacheDir, fileStamp, pruneCache, writeCacheFile } from './cache-dir.js';
import { ArrayPrototypeJoin, SafeNumber, StringPrototypeIndexOf, StringPrototypeSlice } from '../../core/primordials.js';

/** Set in the agent's bundles (scripts/bundle.mjs): this code, the rewriter's included, is all in the one file it runs from. */
declare const JSPROBE_SELF_CONTAINED: boolean | undefined;

/** Bump when the rewrite's output changes in a way the sample below does not show. */
const REWRITE_VERSION = '10';

/**
 * A module with each shape the rewrite handles. What the rewrite makes of it goes into every key,
 * so that a jsprobe whose rewrite differs never reads an entry an older one wrote (a hand-bumped
 * version alone was forgotten for several changes of the site's shape).
 */
const SAMPLE = [
  "'use strict'",
  'function f(a, b = 1, ...r) { if (a) return a; if (b) return; return [a, b].concat(r) }',
  'const g = async (x) => x + 1, e = () => function () {};',
  'function* h() { try { yield 1 } finally { return 2 } }',
  'class K extends Object { #p = () => this; constructor() { super(); } static s() { return "x" } get v() { return this } }',
  'class L extends K { constructor(x) { super(); if (x) return x } }',
  'function t() { try { return 1 } finally { void 0 } }',
  'function u() { var w = 1; function w() {} return w }',
  'function v(x) { if (x) return',
  '  -1 }',
  'function w(it) { for (const x of it) return x }',
  'module.exports = { f, g, h, K, L, t, u, v, o: { m() { return arguments.length } } };',
].join('\n');

let sampleHash: string | undefined;

function rewriterVersion(): string {
  if (sampleHash === undefined) {
    const out = instrument(SAMPLE, { url: 'jsprobe:sample', format: 'script', lines: [{ line: 2, column: 0, key: '-1:2' }] });
    // And the same for counting alone, at entry and as calls end, whose sites are written by code of their own.
    const h = sha256().update(REWRITE_VERSION).update(out.code);
    const kinds = ['entry', 'return'] as const;
    for (let i = 0; i < kinds.length; i++) h.update('\0').update(instrument(SAMPLE, { url: 'jsprobe:sample', format: 'script', countOnly: kinds[i] }).code);
    sampleHash = h.digest('hex');
  }
  return sampleHash;
}

const dir = cacheDir;

/** Sources this big have the key below; smaller ones, the small modules' key (smallKey). */
const MIN_BYTES = 256 * 1024;

/**
 * Whether `src` is big enough for the cache. Asked before the key is made: the first key rewrites
 * SAMPLE, which at a program's start cost more than rewriting its small modules (~100-180 ms).
 */
export function cacheable(src: string): boolean {
  return src.length >= MIN_BYTES && dir() !== null;
}

export function cacheKey(src: string, parts: readonly string[]): string {
  const h = sha256();
  h.update(rewriterVersion());
  for (let i = 0; i < parts.length; i++) h.update(`\0${parts[i]}`);
  h.update('\0');
  h.update(src);
  return h.digest('hex');
}

export function cached(src: string, key: string): string | undefined {
  const d = dir();
  if (d === null || src.length < MIN_BYTES) return undefined;
  try {
    return readFileSync(join(d, `${key}.js`), 'utf8');
  } catch {
    return undefined;
  }
}

export function store(src: string, key: string, code: string): void {
  const d = dir();
  if (d === null || src.length < MIN_BYTES) return;
  try {
    writeCacheFile(d, `${key}.js`, code);
  } catch {
    // A cache that cannot be written is only a slower load.
  }
}

// Small modules (under MIN_BYTES) are cached too, by another key, where the rewriter runs from one of
// the agent's bundles: a traced child process whose one small matching file is rewritten at every
// start would otherwise load oxc-parser for it each time (~15-25 ms of CPU and ~3 MB on Node 24,
// docs/benchmarks.md). The big modules' key cannot serve them: it holds the rewrite of SAMPLE,
// which loads the parser. This one names the rewriter by what would change with it instead: the
// bundle file's and oxc-parser's package.json's inode, size and modification time (a rebuild or a reinstall
// changes them), the Node version and REWRITE_VERSION, as the agent's code cache is named
// (cli/agent-load.ts). The file's name is a 64-bit FNV hash of the key and the source, not a
// cryptographic one (node:crypto costs ~10 ms to load): the file holds the key and the source
// themselves, and a read that does not find them exactly is a miss.

let identity: string | null | undefined;

/**
 * oxc-parser's package.json, found as Node's resolution finds the package from here (the nearest
 * node_modules up from this file), but with a stat a directory rather than Node's resolution, which
 * goes through the program's resolve hooks and the child's watch (cli/child-watch.ts) too: ~3 ms of a
 * traced child's start on Node 24. A reinstall writes it anew, which its stamp shows.
 */
function parserPackage(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'node_modules', 'oxc-parser', 'package.json');
    if (statSync(file, { throwIfNoEntry: false }) !== undefined) return file;
    if (dirname(dir) === dir) throw new Error('oxc-parser is not installed beside jsprobe');
  }
}

/** What names this rewriter without running it; null where it cannot be had (unbundled, or no cache). */
function rewriterIdentity(): string | null {
  if (identity !== undefined) return identity;
  identity = null;
  if (typeof JSPROBE_SELF_CONTAINED !== 'boolean' || dir() === null) return identity;
  try {
    identity = ArrayPrototypeJoin([REWRITE_VERSION, process.version, fileStamp(fileURLToPath(import.meta.url)), fileStamp(parserPackage())], '\0');
  } catch {
    // Then small modules are rewritten at every load, as before.
  }
  return identity;
}

export interface SmallKey {
  name: string;
  /** Everything the rewrite depends on, the source last: stored in the entry, compared on reading. */
  material: string;
}

/** The key of a small module's rewrite, or undefined when it is not cached (big, unbundled, no cache). */
export function smallKey(src: string, parts: readonly string[]): SmallKey | undefined {
  if (src.length >= MIN_BYTES) return undefined;
  const id = rewriterIdentity();
  if (id === null) return undefined;
  const material = `${id}\0${ArrayPrototypeJoin(parts, '\0')}\0${src}`;
  return { name: `rw-${fnv64(material)}.js`, material };
}

export function smallCached(key: SmallKey): string | undefined {
  const d = dir();
  if (d === null) return undefined;
  let text: string;
  try {
    text = readFileSync(join(d, key.name), 'utf8');
  } catch {
    return undefined;
  }
  const nl = StringPrototypeIndexOf(text, '\n');
  const at = nl + 1 + key.material.length;
  if (nl < 0 || SafeNumber(StringPrototypeSlice(text, 0, nl)) !== key.material.length) return undefined;
  if (StringPrototypeSlice(text, nl + 1, at) !== key.material) return undefined;
  return StringPrototypeSlice(text, at);
}

let pruneAtExit = false;
// Taken at load: a small module may be written after the program has replaced process.on (which
// process.once calls). 'exit' comes once.
const processOn = process.on.bind(process);

export function smallStore(key: SmallKey, code: string): void {
  const d = dir();
  if (d === null) return;
  let due: boolean;
  try {
    // A prune due is put off to the process's exit, not made in the middle of a module's load.
    // Lost with it (a process killed), it stays due for the next writer (cache-dir.ts).
    due = writeCacheFile(d, key.name, `${key.material.length}\n${key.material}${code}`, false);
  } catch {
    return;
  }
  if (!due || pruneAtExit) return;
  pruneAtExit = true;
  processOn('exit', () => pruneCache(d));
}
