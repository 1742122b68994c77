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

import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
import { fnv1a } from '../core/fnv1a.js';
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
// when the runtime asks for a module it loads only when used.
const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
const makeRequire = createRequire;
const StringPrototypeStartsWith = Function.prototype.call.bind(String.prototype.startsWith) as (s: string, prefix: string) => boolean;

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
    if (StringPrototypeStartsWith(id, 'node:')) return getBuiltin(id);
    return (made ??= makeRequire(path))(id);
  }) as NodeJS.Require;
  return require;
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

function readCache(file: string | null): Buffer | undefined {
  if (file === null) return undefined;
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Runs the CommonJS file at `path` as Node would, its compiled code cached; returns its exports.
 * `use`: who loads it (its caller knows, without loading node:worker_threads to ask); a process's
 * main thread writes the cache of its kind where there is none.
 */
export function loadRuntime(path: string, use: RuntimeUse): Runtime {
  // ASCII by construction (scripts/bundle.mjs): latin1 decodes it as utf8 would, and cheaper.
  const source = readFileSync(path, 'latin1');
  const dir = cacheDir();
  // The path is in the key: code read from the cache keeps the name of the script it was made from,
  // so that a second install of the same build (another checkout, npx beside a global install) would
  // have frames named by the first one's path, and sites/own-code.ts would not know them as jsprobe's.
  const name = cacheName(path, use);
  const file = dir === null ? null : join(dir, name);
  const cachedData = readCache(file);
  // The file's URL names its code, as for a module Node loads: sites/own-code.ts knows it as jsprobe's by it.
  // The file is the module's wrapper function already (scripts/bundle.mjs): its text is compiled as read.
  const script = new Script(source, { filename: pathToFileURL(path).href, cachedData });
  const wrapper = script.runInThisContext() as (e: object, r: NodeJS.Require, m: { exports: object }, f: string, d: string) => void;
  const module = { exports: {} };
  wrapper.call(module.exports, module.exports, requireFor(path), module, path, join(path, '..'));
  if (dir !== null && use !== 'thread' && (cachedData === undefined || script.cachedDataRejected === true)) {
    // At exit: the cache then holds the functions compiled since, the end's too.
    process.once('exit', () => {
      try {
        writeCacheFile(dir, name, script.createCachedData());
      } catch {
        // A cache that cannot be written is only a slower start next time.
      }
    });
  }
  return module.exports as Runtime;
}
