// A disk cache of rewritten modules, like Node's compile cache: parsing typescript.js (9 MB) and
// rewriting it takes ~1.6 s here, most of it oxc-parser handing its AST to JavaScript; reading the
// result back takes tens of ms. Keyed by the source, what was asked of the rewrite, and this
// version of the rewriter. JSPROBE_CACHE=0 turns it off; JSPROBE_CACHE=<dir> moves it.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Bump when the rewrite's output changes, so that old entries are never used. */
const REWRITE_VERSION = '1';

function dir(): string | null {
  const env = process.env.JSPROBE_CACHE;
  if (env === '0' || env === 'false') return null;
  if (env !== undefined && env !== '') return env;
  return join(tmpdir(), `jsprobe-cache-${process.getuid?.() ?? 'u'}`);
}

/** Only sources this big are worth a cache entry. */
const MIN_BYTES = 256 * 1024;

export function cacheKey(src: string, ...parts: string[]): string {
  const h = createHash('sha256');
  h.update(REWRITE_VERSION);
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
    mkdirSync(d, { recursive: true, mode: 0o700 });
    const tmp = join(d, `${key}.${process.pid}.tmp`);
    writeFileSync(tmp, code, { mode: 0o600 });
    renameSync(tmp, join(d, `${key}.js`));
  } catch {
    // A cache that cannot be written is only a slower load.
  }
}
