// A disk cache of rewritten modules, like Node's compile cache: parsing typescript.js (9 MB) and
// rewriting it takes ~1.6 s here, most of it oxc-parser handing its AST to JavaScript; reading the
// result back takes tens of ms. Keyed by the source, what was asked of the rewrite, and this
// version of the rewriter. JSPROBE_CACHE=0 turns it off; JSPROBE_CACHE=<dir> moves it; a directory
// another user could write to is not used (cache-dir.ts).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { instrument } from '../rewrite/instrument.js';
import { sha256 } from '../sha256.js';
import { cacheDir, writeCacheFile } from './cache-dir.js';

/** Bump when the rewrite's output changes in a way the sample below does not show. */
const REWRITE_VERSION = '5';

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
  'function t() { try { return 1 } finally { void 0 } }',
  'module.exports = { f, g, h, K, t, o: { m() { return arguments.length } } };',
].join('\n');

let sampleHash: string | undefined;

function rewriterVersion(): string {
  if (sampleHash === undefined) {
    const out = instrument(SAMPLE, { url: 'jsprobe:sample', format: 'script', lines: [{ line: 2, column: 0, key: '-1:2' }] });
    sampleHash = sha256().update(REWRITE_VERSION).update(out.code).digest('hex');
  }
  return sampleHash;
}

const dir = cacheDir;

/** Only sources this big are worth a cache entry. */
const MIN_BYTES = 256 * 1024;

/**
 * Whether `src` is big enough for the cache. Asked before the key is made: the first key rewrites
 * SAMPLE, which at a program's start cost more than rewriting its small modules (~100-180 ms).
 */
export function cacheable(src: string): boolean {
  return src.length >= MIN_BYTES && dir() !== null;
}

export function cacheKey(src: string, ...parts: string[]): string {
  const h = sha256();
  h.update(rewriterVersion());
  for (const p of parts) h.update(`\0${p}`);
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
