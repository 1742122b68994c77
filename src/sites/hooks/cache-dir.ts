// Where jsprobe keeps what it caches on disk (rewritten modules, the agent's compiled code): one
// directory per user. JSPROBE_CACHE=0 turns caching off; JSPROBE_CACHE=<dir> moves it.
//
// What is read from there runs in the traced program, so the directory is used only if it is this
// user's alone: a real directory (not a symlink), owned by this user, that nobody else can write
// to. Otherwise another local user could make /tmp/jsprobe-cache-UID first and put code in it,
// under a key anyone can work out (a hash of a public source), for the traced process to run.

import {
  closeSync, constants as fsConstants, fstatSync, ftruncateSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync,
  unlinkSync, writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { fnv1a } from '../../core/fnv1a.js';
import {
  ArrayPrototypeSort, JSONParse, JSONStringify, MathCeil, SafeDate, SafeError, StringPrototypeEndsWith, StringPrototypeSlice, TypedArrayPrototypeGetLength,
} from '../../core/primordials.js';

// Captured at load: pruneCache runs in the traced program at its exit, when a fake-timer library
// may have replaced Date.now.
const DateNow = SafeDate.now;
const BufferByteLength = Buffer.byteLength;

/**
 * os.tmpdir() as Node has it on POSIX, here so that a traced process need not load node:os (~2 M
 * instructions on Node 24) to find its cache: the command and the agent both ask this function,
 * so they agree on the directory whatever Node's own does.
 */
function tmpdir(): string {
  const env = process.env;
  const dir = env.TMPDIR || env.TMP || env.TEMP || '/tmp';
  return dir.length > 1 && StringPrototypeEndsWith(dir, '/') ? StringPrototypeSlice(dir, 0, -1) : dir;
}

/** Where the cache would be, whether or not it can be used. */
export function cachePath(): string | null {
  const env = process.env.JSPROBE_CACHE;
  if (env === '0' || env === 'false') return null;
  if (env !== undefined && env !== '') return env;
  return join(tmpdir(), `jsprobe-cache-${process.getuid?.() ?? 'u'}`);
}

/**
 * Whether `dir` is a directory of this user's (not a link to one) whose mode gives others none of
 * `others`: by default, no one else can write to it (the cache); attach/user-dir.ts asks 0o077.
 */
export function isPrivateDir(dir: string, others = 0o022): boolean {
  try {
    const st = lstatSync(dir);
    return st.isDirectory() && st.uid === process.getuid?.() && (st.mode & others) === 0;
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

// What was written since the directory was last read through, kept in a file of its own: each
// write appends a byte for every LEDGER_UNIT bytes it wrote (rounded up), with O_APPEND, so that
// processes writing at once all count. Reading the directory through costs a stat a file (~7 µs
// each here: ~70 ms for the ~10,000 files that 256 MB of small programs' entries make), so it is
// done only once a sixteenth of the cap has been written since the last time, or while the ledger
// is new. A read-through starts the ledger again (one byte: an empty one is new); until one
// happens, every write is due, so that a prune put off to a process's exit and lost with it (a
// process killed, Node 20's hooks thread, which has no exit) falls to the next writer. The
// directory holds at most the cap and a sixteenth, give or take what other processes write at that
// moment (docs/load-sites.md).
const LEDGER = '.written';
const LEDGER_UNIT = 4096;
const ZEROS_BYTES = 512;
// A string, not a Buffer: fs.writeSync reads a buffer's byteLength by the getter the program may have replaced.
const ZEROS = '\0'.repeat(ZEROS_BYTES);

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
// The ledger: appended to, made if missing, never through a symlink, never waiting on a FIFO.
const LEDGER_FLAGS = fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK;

/**
 * Keep the cache `dir` within `maxBytes`: the files last written longest ago are removed until the
 * rest fit. Every build, install and Node version writes files of its own, and every rewritten
 * module that changes writes a new rewrite: without this the directory would only grow. Files
 * another process is writing (.tmp) are left alone while they are recent. Reads the whole
 * directory: writers ask `pruneDue` first. Never throws: a cache that cannot be pruned is only
 * larger. It runs in the traced program (at its exit), so it calls none of the program's
 * replaceable built-ins.
 */
export function pruneCache(dir: string, maxBytes = MAX_BYTES): void {
  try {
    const files: { path: string; bytes: number; written: number }[] = [];
    let total = 0;
    const now = DateNow();
    const names = readdirSync(dir);
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      if (name === LEDGER) continue;
      const path = `${dir}/${name}`;
      const st = lstatSync(path);
      if ((st.mode & S_IFMT) !== S_IFREG) continue;
      if (StringPrototypeEndsWith(name, '.tmp') && now - st.mtimeMs < 60_000) continue;
      files[files.length] = { path, bytes: st.size, written: st.mtimeMs };
      total += st.size;
    }
    withLedger(dir, false, (fd) => {
      ftruncateSync(fd, 1);
      return false;
    });
    if (total <= maxBytes) return;
    ArrayPrototypeSort(files, (a, b) => a.written - b.written);
    for (let i = 0; i < files.length && total > maxBytes; i++) {
      try {
        unlinkSync(files[i].path);
        total -= files[i].bytes;
      } catch {
        // Gone already (another process pruned it), or not ours to remove.
      }
    }
  } catch {
    // Not readable now: pruned at a later write.
  }
}

/**
 * Count `bytes` written into `dir`'s ledger, and say whether the directory is due to be read
 * through (`pruneCache`): when a sixteenth of `maxBytes` has been written since it last was, or the
 * ledger is new (the first write to a directory, or one an older jsprobe filled). It stays due until
 * a read-through. When the ledger cannot be used, every write is due, as before it existed.
 */
export function pruneDue(dir: string, bytes: number, maxBytes = MAX_BYTES): boolean {
  const limit = 1 + maxBytes / 16 / LEDGER_UNIT;
  return withLedger(dir, true, (fd, size) => {
    // New, or due already: nothing more to count.
    if (size === 0 || size > limit) return true;
    for (let n = MathCeil(bytes / LEDGER_UNIT) || 1; n > 0; n -= ZEROS_BYTES) writeSync(fd, n < ZEROS_BYTES ? StringPrototypeSlice(ZEROS, 0, n) : ZEROS);
    return fstatSync(fd).size > limit;
  });
}

/**
 * `use(fd, size)` on the ledger of `dir`, made if missing; `otherwise` when it cannot be opened, is
 * not a file of its own (a FIFO, a device, a second link to another file), or `use` throws. Never
 * through a symlink, and never waiting on a FIFO without a reader.
 */
function withLedger(dir: string, otherwise: boolean, use: (fd: number, size: number) => boolean): boolean {
  let fd: number;
  try {
    fd = openSync(`${dir}/${LEDGER}`, LEDGER_FLAGS, 0o600);
  } catch {
    return otherwise;
  }
  try {
    const st = fstatSync(fd);
    return (st.mode & S_IFMT) === S_IFREG && st.nlink === 1 ? use(fd, st.size) : otherwise;
  } catch {
    return otherwise;
  } finally {
    try {
      closeSync(fd);
    } catch {
      // Closed or not, nothing else holds it.
    }
  }
}

/**
 * Write `data` to the cache file `name` in `dir` as a whole (through a file of this process's,
 * renamed into place: a reader never sees half of it), 0600, and count it in the ledger. Keeps the
 * cache within its cap when due, unless `prune` is false: then it returns whether a prune is due,
 * for the caller to make later.
 * Throws when it cannot be written; a caller's cache that cannot be written is only slower.
 */
export function writeCacheFile(dir: string, name: string, data: string | Uint8Array, prune = true): boolean {
  // Not path.join nor fs.writeFileSync: this runs at the program's exit, and Node's join calls
  // path.normalize, and writeFileSync fs.openSync, writeSync and closeSync, through the modules'
  // exports, which the program may have replaced (graceful-fs does). `name` is a plain file name.
  const path = `${dir}/${name}`;
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeWhole(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    // Not written whole, or something else holds the name (a directory): the file of this process's must not stay behind.
    try {
      unlinkSync(tmp);
    } catch {
      // Gone already.
    }
    throw e;
  }
  const due = pruneDue(dir, sizeOf(data));
  if (prune && due) pruneCache(dir);
  return due;
}

/** `data` into a new file at `path` (0600), by the fs functions captured at load. */
function writeWhole(path: string, data: string | Uint8Array): void {
  const fd = openSync(path, 'w', 0o600);
  try {
    if (typeof data === 'string') {
      // A regular file takes a write whole; one cut short (a full disk) leaves no cache file.
      if (writeSync(fd, data) < BufferByteLength(data)) throw new SafeError('short write');
    } else {
      const n = TypedArrayPrototypeGetLength(data);
      for (let at = 0; at < n;) at += writeSync(fd, data, at, n - at);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * About how many bytes `data` writes: a string its characters (rewritten code is nearly all
 * ASCII), a Buffer its length, through the getter captured at load (a program may replace the
 * typed arrays' own).
 */
function sizeOf(data: string | Uint8Array): number {
  if (typeof data === 'string') return data.length;
  try {
    return TypedArrayPrototypeGetLength(data);
  } catch {
    return LEDGER_UNIT;
  }
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
