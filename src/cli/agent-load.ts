// Loads the agent's runtime (agent-runtime.ts, bundled into one CommonJS file) with V8's code
// cache, kept in jsprobe's cache directory (sites/hooks/cache-dir.ts): compiling it is most of what
// each traced process spends on loading jsprobe, and with the cache that is ~30 ms less CPU a
// process (docs/benchmarks.md, bench:startup). Node's own compile cache (module.enableCompileCache)
// cannot be had for jsprobe's files alone: turned on here, it would cache the traced program's too.
// The cache is read only from a directory of this user's that nobody else can write to, and only
// for the file it was made from: its name holds the Node version, the arch, a hash of the runtime's
// path, and the file's inode, size and modification time (in nanoseconds), which a rebuild or a
// reinstall changes. They are a stat, not a hash of the 484 kB source, which cost 3-5 ms a process
// (docs/benchmarks.md). V8 refuses a cache from another Node, other flags or a source of another
// length itself, and then the runtime compiles as it would have, and the cache is rewritten.

import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
import { fnv1a } from '../core/fnv1a.js';
import { ObjectCreate, ObjectGetOwnPropertyDescriptor, ObjectKeys, ReflectApply, StringPrototypeStartsWith, uncurryThis } from '../core/primordials.js';
import { cacheDir, writeCacheFile } from '../sites/hooks/cache-dir.js';

type Runtime = typeof import('./agent-runtime.js');

/**
 * Who loads the runtime: the first process's main thread, a child process's main thread, or a
 * worker thread of either. Each kind of process has a cache of its own, made by the first of its
 * kind: a cache holds every function compiled before its process's exit, and V8 reads all of it
 * back as the runtime compiles, so that a child reading the first process's (its BEGIN, END,
 * intervals, printing, ~330 kB) paid to read code it never runs. A thread reads the first
 * process's, and writes none.
 */
export type RuntimeUse = 'first' | 'child' | 'thread';

// Captured as this file loads, before the program's first line: the program may replace them later,
// when the runtime asks for a module it loads only when used, or when a child process loads the
// runtime at its first matching source (child-watch.ts), after the program's own code has run.
const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
const makeRequire = createRequire;
// Node's functions imported above are read once, as this file's bundles load (agent.cjs and
// load.cjs, scripts/bundle.mjs's builtinsByRequire); the methods of its classes are taken here.
const BufferAllocUnsafeSlow = Buffer.allocUnsafeSlow.bind(Buffer);
const BufferPrototypeSubarray = uncurryThis(Buffer.prototype.subarray) as (b: Buffer, start: number, end: number) => Buffer;
const BufferPrototypeToString = uncurryThis(Buffer.prototype.toString) as (b: Buffer, encoding: BufferEncoding) => string;
const ScriptPrototypeRunInThisContext = uncurryThis(Script.prototype.runInThisContext) as (s: Script) => unknown;
const ScriptPrototypeCreateCachedData = uncurryThis(Script.prototype.createCachedData) as (s: Script) => Buffer;
const processOnce = process.once.bind(process);

/**
 * The `require` the runtime is handed: Node's modules (all it requires as it loads, ~15 of them)
 * from process.getBuiltinModule, which no load hook sees; the rest (lang.cjs, oxc-parser) from a
 * require made for its file when first asked. A module's own require would run each of Node's
 * modules through the load hooks registered in this thread (child-watch.ts's, and the program's
 * where the runtime asks later: its hooks would run, and see jsprobe's requests), and making one
 * costs a Module at each load. Where Node has no getBuiltinModule (before 20.16), the module's
 * require does it all.
 */
function requireFor(path: string): NodeJS.Require {
  if (typeof getBuiltin !== 'function') return makeRequire(path);
  let made: NodeJS.Require | undefined;
  const require = ((id: string): unknown => {
    if (StringPrototypeStartsWith(id, 'node:')) {
      // The copy goes to the runtime's first request, its module of that name (scripts/bundle.mjs).
      const copy = asLoaded[id];
      if (copy === undefined) return getBuiltin(id);
      asLoaded[id] = undefined;
      return copy;
    }
    return (made ??= makeRequire(path))(id);
  }) as NodeJS.Require;
  return require;
}

/** Set in the agent's bundles (scripts/bundle.mjs): the names jsprobe's code imports from each of these of Node's modules. */
declare const JSPROBE_RUNTIME_NAMES: Record<string, string[]> | undefined;

/**
 * Node's modules that every process has loaded before its preloads run, as they are then: for
 * each, the functions and values jsprobe's code imports from it, copied as this file loads. The
 * runtime reads what it uses from its modules once, as it loads (scripts/bundle.mjs), and a child
 * process loads it only at its first matching source (child-watch.ts), after the program's own
 * code has run: a program that had replaced `fs.readFileSync` or `fs.closeSync` meanwhile
 * (graceful-fs does) would otherwise have its function called by jsprobe's. Only those names, and
 * only data properties: a copy of the whole of node:fs took ~0.7 ms a process (node:util's ~25).
 * A module one of whose names this Node lacks is left as it is. The others (node:net,
 * node:worker_threads, …) are not loaded before the program, so not the program's to have replaced
 * before the runtime first asks.
 */
const asLoaded: Record<string, object | undefined> = ObjectCreate(null);
if (typeof getBuiltin === 'function' && typeof JSPROBE_RUNTIME_NAMES === 'object') {
  for (const id of ObjectKeys(JSPROBE_RUNTIME_NAMES)) {
    const m = getBuiltin(id) as object;
    const copy: Record<string, unknown> = ObjectCreate(null);
    let whole = true;
    for (const name of JSPROBE_RUNTIME_NAMES[id]) {
      const d = ObjectGetOwnPropertyDescriptor(m, name);
      if (d === undefined || d.get !== undefined || d.set !== undefined) {
        whole = false;
        break;
      }
      copy[name] = d.value;
    }
    if (whole) asLoaded[id] = copy;
  }
}

/**
 * The name of the cache of the file at `path`: what changes when the file or the Node that compiles
 * it does. The path's FNV hash is a short name only (the path is no secret); the inode beside it
 * tells two installs apart even where two paths hash alike.
 */
function cacheName(path: string, use: RuntimeUse): string {
  const st = statSync(path, { bigint: true });
  return `agent-${use === 'child' ? 'child-' : ''}${process.version}-${process.arch}-${fnv1a(path)}-${st.ino}-${st.size}-${st.mtimeNs}.v8`;
}

/** A file open for reading, and its size. */
interface Sized {
  fd: number;
  size: number;
}

function openSized(path: string): Sized {
  const fd = openSync(path, 'r');
  try {
    return { fd, size: fstatSync(fd).size };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** The cache file, open; null where there is none, or it cannot be read (then the runtime compiles as it would have). */
function openCache(file: string | null): Sized | null {
  if (file === null) return null;
  try {
    return openSized(file);
  } catch {
    return null;
  }
}

/** All of `f`'s bytes, read into the start of `buf` (which has room for them). */
function readAll(f: Sized, buf: Buffer): Buffer {
  let n = 0;
  while (n < f.size) {
    const got = readSync(f.fd, buf, n, f.size - n, n);
    if (got === 0) break;
    n += got;
  }
  return BufferPrototypeSubarray(buf, 0, n);
}

/**
 * A cache many times the runtime's text is no cache of it (V8's is ~the text's size): it is not
 * read, rather than read whole into memory before the program starts, or failing to be allocated.
 */
const CACHE_PER_TEXT = 4;

/**
 * The runtime's text at `path`, and its code cache from `file`, read through one buffer: the text
 * is decoded into a string before the cache is read over it. Each is ~300 kB, and on a VM fresh
 * memory can cost more than the read (a page fault each 4 kB: ~0.8 ms for a second buffer on this
 * machine, docs/benchmarks.md).
 */
function readRuntime(path: string, file: string | null): { source: string; cachedData: Buffer | undefined } {
  const cache = openCache(file);
  try {
    const text = openSized(path);
    try {
      const usable = cache !== null && cache.size <= text.size * CACHE_PER_TEXT;
      const buf = BufferAllocUnsafeSlow(usable && cache.size > text.size ? cache.size : text.size);
      // ASCII by construction (scripts/bundle.mjs): latin1 decodes it as utf8 would, and cheaper.
      const source = BufferPrototypeToString(readAll(text, buf), 'latin1');
      let cachedData: Buffer | undefined;
      try {
        cachedData = usable ? readAll(cache, buf) : undefined;
      } catch {
        cachedData = undefined;
      }
      return { source, cachedData };
    } finally {
      closeSync(text.fd);
    }
  } finally {
    if (cache !== null) closeSync(cache.fd);
  }
}

/**
 * Runs the CommonJS file at `path` as Node would, its compiled code cached; returns its exports.
 * `use`: who loads it (its caller knows, without loading node:worker_threads to ask); a process's
 * main thread writes the cache of its kind where there is none.
 */
export function loadRuntime(path: string, use: RuntimeUse): Runtime {
  const dir = cacheDir();
  // The path is in the key: code read from the cache keeps the name of the script it was made from,
  // so that a second install of the same build (another checkout, npx beside a global install) would
  // have frames named by the first one's path, and sites/own-code.ts would not know them as jsprobe's.
  const name = cacheName(path, use);
  const file = dir === null ? null : join(dir, name);
  const { source, cachedData } = readRuntime(path, file);
  // The file's URL names its code, as for a module Node loads: sites/own-code.ts knows it as jsprobe's by it.
  // The file is the module's wrapper function already (scripts/bundle.mjs): its text is compiled as read.
  const script = new Script(source, { filename: pathToFileURL(path).href, cachedData });
  const wrapper = ScriptPrototypeRunInThisContext(script) as (e: object, r: NodeJS.Require, m: { exports: object }, f: string, d: string) => void;
  const module = { exports: {} };
  ReflectApply(wrapper, module.exports, [module.exports, requireFor(path), module, path, join(path, '..')]);
  if (dir !== null && use !== 'thread' && (cachedData === undefined || script.cachedDataRejected === true)) {
    // At exit (cacheAtExit): the cache then holds the functions compiled since.
    pendingCache = function writeRuntimeCache(): void {
      try {
        writeCacheFile(dir, name, ScriptPrototypeCreateCachedData(script));
      } catch {
        // A cache that cannot be written is only a slower start next time.
      }
    };
  }
  return module.exports as Runtime;
}

/** Writes the code cache of the runtime loaded last, if it is to be written (cacheAtExit). */
let pendingCache: (() => void) | null = null;

/**
 * Have the runtime's code cache written at this process's exit, where it is to be written: called
 * once the session is set up, so that the session's exit listener (the maps sent at the end) runs
 * first and the cache holds what the end compiles too. Written from a listener added as the runtime
 * loaded, the cache went before the end, whose functions every run then compiled again: ~10 M
 * instructions of the first process's end on Node 24 (docs/benchmarks.md).
 */
export function cacheAtExit(): void {
  const write = pendingCache;
  if (write === null) return;
  pendingCache = null;
  processOnce('exit', write);
}
