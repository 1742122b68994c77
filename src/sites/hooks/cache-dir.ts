// Where jsprobe keeps what it caches on disk (rewritten modules, the agent's compiled code): one
// directory per user. JSPROBE_CACHE=0 turns caching off; JSPROBE_CACHE=<dir> moves it.
//
// What is read from there runs in the traced program, so the directory is used only if it is this
// user's alone: a real directory (not a symlink), owned by this user, that nobody else can write
// to. Otherwise another local user could make /tmp/jsprobe-cache-UID first and put code in it,
// under a key anyone can work out (a hash of a public source), for the traced process to run.

import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fnv1a } from '../../core/fnv1a.js';
import { JSONParse, JSONStringify, SafeDate } from '../../core/primordials.js';

// Captured at load: pruneCache runs in the traced program at its exit, when a fake-timer library
// may have replaced Date.now.
const DateNow = SafeDate.now;

/**
 * os.tmpdir() as Node has it on POSIX, here so that a traced process need not load node:os (~2 M
 * instructions on Node 24) to find its cache: the command and the agent both ask this function,
 * so they agree on the directory whatever Node's own does.
 */
function tmpdir(): string {
  const env = process.env;
  const dir = env.TMPDIR || env.TMP || env.TEMP || '/tmp';
  return dir.length > 1 && dir.endsWith('/') ? dir.slice(0, -1) : dir;
}

/** Where the cache would be, whether or not it can be used. */
export function cachePath(): string | null {
  const env = process.env.JSPROBE_CACHE;
  if (env === '0' || env === 'false') return null;
  if (env !== undefined && env !== '') return env;
  return join(tmpdir(), `jsprobe-cache-${process.getuid?.() ?? 'u'}`);
}

/** Whether `dir` is a directory of this user's that no one else can write to. */
export function isPrivateDir(dir: string): boolean {
  try {
    const st = lstatSync(dir);
    return st.isDirectory() && st.uid === process.getuid?.() && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

let checked: { path: string | null; dir: string | null } | undefined;

/** The cache directory, made (0700) if missing; null when caching is off or the directory is not this user's alone. */
export function cacheDir(): string | null {
  const path = cachePath();
  if (checked !== undefined && checked.path === path) return checked.dir;
  let dir: string | null = null;
  if (path !== null) {
    try {
      mkdirSync(path, { recursive: true, mode: 0o700 });
    } catch {
      // Checked below: one that is there and private is used; else none.
    }
    dir = isPrivateDir(path) ? path : null;
  }
  checked = { path, dir };
  return dir;
}

/** How much the cache may hold (JSPROBE_CACHE_MAX_MB): past it, the least recently written files go. */
const MAX_BYTES = (Number(process.env.JSPROBE_CACHE_MAX_MB) || 256) * 1024 * 1024;

/**
 * Keep the cache `dir` within `maxBytes`: after a write (a miss, which has just paid a rewrite or a
 * compile), the files last written longest ago are removed until the rest fit. Every build, install
 * and Node version writes files of its own, and every rewritten module that changes writes a
 * new rewrite: without this the directory would only grow. Files another process is writing (.tmp)
 * are left alone while they are recent. Never throws: a cache that cannot be pruned is only larger.
 */
export function pruneCache(dir: string, maxBytes = MAX_BYTES): void {
  try {
    const files: { path: string; bytes: number; written: number }[] = [];
    let total = 0;
    const now = DateNow();
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const st = lstatSync(path);
      if (!st.isFile()) continue;
      if (name.endsWith('.tmp') && now - st.mtimeMs < 60_000) continue;
      files.push({ path, bytes: st.size, written: st.mtimeMs });
      total += st.size;
    }
    if (total <= maxBytes) return;
    files.sort((a, b) => a.written - b.written);
    for (const f of files) {
      if (total <= maxBytes) break;
      try {
        unlinkSync(f.path);
        total -= f.bytes;
      } catch {
        // Gone already (another process pruned it), or not ours to remove.
      }
    }
  } catch {
    // Not readable now: pruned at the next write.
  }
}

/**
 * Write `data` to the cache file `name` in `dir` as a whole (through a file of this process's,
 * renamed into place: a reader never sees half of it), 0600, then keep the cache within its cap
 * (unless `prune` is false: the caller prunes later).
 * Throws when it cannot be written; a caller's cache that cannot be written is only slower.
 */
export function writeCacheFile(dir: string, name: string, data: string | NodeJS.ArrayBufferView, prune = true): void {
  const path = join(dir, name);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  try {
    renameSync(tmp, path);
  } catch (e) {
    // Something else holds the name (a directory): the file of this process's must not stay behind.
    try {
      unlinkSync(tmp);
    } catch {
      // Gone already.
    }
    throw e;
  }
  if (prune) pruneCache(dir);
}

/**
 * A file's path, inode, size and modification time (ns), for a cache's key: what a rebuild, a
 * reinstall or an edit changes. A file rewritten in place at the same size within the same
 * nanosecond would look the same; nothing jsprobe does makes one (docs/load-sites.md).
 */
export function fileStamp(path: string): string {
  const st = statSync(path, { bigint: true });
  return `${path}\0${st.ino}\0${st.size}\0${st.mtimeNs}`;
}

/**
 * A value kept in the cache directory as JSON by a key of text (`PREFIX-HASH.json`, holding
 * `{ key, [field]: value }`), for the command's caches (targets/points-cache.ts,
 * cli/program-cache.ts): the value read back
 * when it holds the same key (the name is a 32-bit hash: the whole key, inside, says whether it is
 * this one), else `make()`, written for the next run. `key` may throw (a file to stamp is gone)
 * and so may `make`: then nothing is read, or nothing written. Without a cache directory
 * (JSPROBE_CACHE=0, or one that is not this user's alone), `make()` alone.
 */
export function keptAsJson<T>(prefix: string, field: string, key: () => string, make: () => T): T {
  const dir = cacheDir();
  if (dir === null) return make();
  let k: string | undefined;
  let name = '';
  try {
    k = key();
    name = `${prefix}-${fnv1a(k)}.json`;
    const entry = JSONParse(readFileSync(join(dir, name), 'utf8')) as Record<string, unknown>;
    if (entry.key === k && entry[field] !== undefined) return entry[field] as T;
  } catch {
    // Not there yet, or unreadable: made below, and written again.
  }
  const value = make();
  if (k !== undefined) {
    try {
      writeCacheFile(dir, name, JSONStringify({ key: k, [field]: value }));
    } catch {
      // A cache that cannot be written costs only the making, at the next run too.
    }
  }
  return value;
}
