// Loads the command's own CommonJS bundles (its front, build/src/cli-bundle/front.cjs, and what the
// front loads once the program is on its way: the print at the end) with V8's code cache, kept in
// jsprobe's cache directory (sites/hooks/cache-dir.ts), as the agent's runtime is (agent-load.ts).
// Node's compile cache, which the command turns on for its other files (main.ts), makes a file's
// cache as it compiles it, before it runs: it holds the top level only, and every function the run
// calls is compiled again at its first call, at every start (4-9 M instructions of the command's
// ~37 M before the spawn, and the end's print after the program has exited: docs/benchmarks.md,
// "The command's own code cache"). This cache is made at
// the exit of a `-c` run that ran its program to the end, and holds every function compiled by
// then: the next run reads them back instead.
//
// The cache is read only from a directory of this user's that nobody else can write to, and only
// for the file it was made from: its name holds the Node version, the arch, a hash of the file's
// path, and its inode, size and modification time (in nanoseconds), which a rebuild or a reinstall
// changes. V8 refuses a cache from another Node, other flags or a source of another length itself;
// the file then compiles as it would have, and the cache is made again.
//
// Each bundle is the module's wrapper function already (scripts/bundle.mjs), with two more
// parameters: `__jsprobe_import`, which imports one of the command's ES modules beside it (a
// script compiled here has no import() of its own: Node gives one only to the scripts its loaders
// compile), and `__jsprobe_load`, this loader, for a bundle that loads another.

import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { fnv1a } from '../core/fnv1a.js';
import { cacheDir, writeCacheFile } from '../sites/hooks/cache-dir.js';

type Wrapper = (
  exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string,
  importModule: (id: string) => Promise<unknown>, load: (name: string) => unknown,
) => void;

interface Loaded {
  script: Script;
  /** Its cache's file, or null when there is no cache directory. */
  file: string | null;
  /** Whether V8 took the cache it was compiled with. */
  hit: boolean;
}

/** What a rebuild, a reinstall or another Node changes. */
function cacheName(path: string): string {
  const st = statSync(path, { bigint: true });
  return `command-${process.version}-${process.arch}-${fnv1a(path)}-${st.ino}-${st.size}-${st.mtimeNs}.v8`;
}

/**
 * The loader of the bundles in `dir` (build/src/cli-bundle): `load(name)` runs one (once) and
 * returns its exports; `save()` writes the caches of those loaded that had none (or a refused one).
 * `importModule` imports an ES module by a path relative to `dir` (the caller's own import()).
 */
export function bundleLoader(dir: string, importModule: (id: string) => Promise<unknown>):
{ load: (name: string) => unknown; save: () => void } {
  const loaded = new Map<string, Loaded>();
  const exported = new Map<string, unknown>();
  const load = (name: string): unknown => {
    if (exported.has(name)) return exported.get(name);
    const path = join(dir, name);
    // ASCII by construction (scripts/bundle.mjs): latin1 decodes it as utf8 would, and cheaper.
    const source = readFileSync(path, 'latin1');
    let file: string | null = null;
    let cachedData: Buffer | undefined;
    try {
      const cache = cacheDir();
      if (cache !== null) {
        file = join(cache, cacheName(path));
        cachedData = readFileSync(file);
      }
    } catch {
      // No cache yet: the file compiles as Node would have compiled it.
    }
    const script = new Script(source, { filename: path, cachedData });
    loaded.set(name, { script, file, hit: cachedData !== undefined && script.cachedDataRejected !== true });
    const module = { exports: {} };
    const wrapper = script.runInThisContext() as Wrapper;
    wrapper.call(module.exports, module.exports, createRequire(path), module, path, dirname(path), importModule, load);
    exported.set(name, module.exports);
    return module.exports;
  };
  const save = (): void => {
    const cache = cacheDir();
    if (cache === null) return;
    for (const { script, file, hit } of loaded.values()) {
      if (hit || file === null) continue;
      try {
        writeCacheFile(cache, file.slice(cache.length + 1), script.createCachedData());
      } catch {
        // A cache that cannot be written is only a slower start next time.
      }
    }
  };
  return { load, save };
}
