// Where jsprobe keeps what it caches on disk (rewritten modules, the agent's compiled code): one
// directory per user. JSPROBE_CACHE=0 turns caching off; JSPROBE_CACHE=<dir> moves it.
//
// What is read from there runs in the traced program, so the directory is used only if it is this
// user's alone: a real directory (not a symlink), owned by this user, that nobody else can write
// to. Otherwise another local user could make /tmp/jsprobe-cache-UID first and put code in it,
// under a key anyone can work out (a hash of a public source), for the traced process to run.

import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
