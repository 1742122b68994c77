// Loads the agent's runtime (agent-runtime.ts, bundled into one CommonJS file) with V8's code
// cache, kept in jsprobe's cache directory (sites/hooks/cache-dir.ts): compiling it is most of what
// each traced process spends on loading jsprobe, and with the cache that is ~30 ms less CPU a
// process (docs/benchmarks.md, bench:startup). Node's own compile cache (module.enableCompileCache)
// cannot be had for jsprobe's files alone: turned on here, it would cache the traced program's too.
// The cache is read only from a directory of this user's that nobody else can write to, and only
// for the very source and path it was made from (their hash names the file); V8 refuses one from another
// Node or other flags, and then the runtime compiles as it would have, and the cache is rewritten.

import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
import { isMainThread } from 'node:worker_threads';
import { cacheDir } from '../sites/hooks/cache-dir.js';

type Runtime = typeof import('./agent-runtime.js');

function readCache(file: string | null): Buffer | undefined {
  if (file === null) return undefined;
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Runs the CommonJS file at `path` as Node would, its compiled code cached; returns its exports. */
export function loadRuntime(path: string): Runtime {
  const source = readFileSync(path, 'utf8');
  const dir = cacheDir();
  // The path is in the key: code read from the cache keeps the name of the script it was made from,
  // so that a second install of the same build (another checkout, npx beside a global install) would
  // have frames named by the first one's path, and sites/own-code.ts would not know them as jsprobe's.
  const key = createHash('sha256').update(process.version).update(process.arch).update(path).update('\0').update(source).digest('hex').slice(0, 32);
  const file = dir === null ? null : join(dir, `agent-${key}.v8`);
  const cachedData = readCache(file);
  // The file's URL names its code, as for a module Node loads: sites/own-code.ts knows it as jsprobe's by it.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: pathToFileURL(path).href, cachedData });
  const wrapper = script.runInThisContext() as (e: object, r: NodeJS.Require, m: { exports: object }, f: string, d: string) => void;
  const module = { exports: {} };
  wrapper.call(module.exports, module.exports, createRequire(path), module, path, join(path, '..'));
  if (file !== null && isMainThread && (cachedData === undefined || script.cachedDataRejected === true)) {
    // At exit: the cache then holds the functions compiled since, the end's too.
    process.once('exit', () => {
      try {
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        renameSync(tmp, file);
      } catch {
        // A cache that cannot be written is only a slower start next time.
      }
    });
  }
  return module.exports as Runtime;
}
