// A child process of a `jsprobe -c` program (cli/agent.ts) whose probes all name files pays for
// jsprobe only once one of its sources matches: before that, all it has of jsprobe is this file's
// matcher in the load hooks. The first process lists the probes' file globs in JSPROBE_CHILD_FILES
// (child-files.ts); here each module that loads is tested against them, and at the first that
// matches, the runtime loads, synchronously, from inside the hook: it compiles the program,
// registers the probes, connects to the command, and the module that matched is rewritten with its
// load sites before it runs, as if the runtime had been there from the start. A child none of whose
// sources match never compiles the runtime, never parses the program and never connects.
//
// Only where Node runs load hooks in the loading thread (module.registerHooks, Node >= 22.15):
// Node 20's hooks thread could not load the runtime into this one in time, and there the child
// loads it at start, as without this file.

import { pathGlob, withRealPath } from '../core/glob.js';
import { arraySome, noProto, ReflectApply, regExpTest, StringPrototypeIncludes, StringPrototypeStartsWith } from '../core/primordials.js';
import { agentRequire as require } from './agent-require.js';

type Compile = (this: unknown, content: string, filename: string, format?: string) => unknown;
export interface LoadResult {
  format?: string | null;
  source?: string | ArrayBuffer | Uint8Array | null;
}
/** The runtime's ES module load hook (sites/hooks/esm.ts, rewriteLoaded). */
export type Rewrite = (url: string, result: LoadResult) => LoadResult;
type Hooks = {
  resolve(specifier: string, context: unknown, next: (s: string, c?: unknown) => unknown): unknown;
  load(url: string, context: unknown, next: (u: string, c?: unknown) => LoadResult): LoadResult;
};

/**
 * Watch this process's modules load for one that `files` (globs as the probes wrote them, relative
 * to the working directory) or `hints` (JSPROBE_LOAD_SITES) name; `trace(file)` once one does.
 * false when this Node cannot (no module.registerHooks): the caller traces at start instead.
 */
export function watchChild(files: readonly string[], trace: (compiling?: string) => Rewrite): boolean {
  const { registerHooks, prototype } = require('node:module') as { registerHooks?: (hooks: Hooks) => unknown; prototype: { _compile: Compile } };
  if (typeof registerHooks !== 'function') return false;
  const { isAbsolute, resolve } = require('node:path') as typeof import('node:path');
  const { realpathSync } = require('node:fs') as typeof import('node:fs');
  const { fileURLToPath } = require('node:url') as typeof import('node:url');
  // As targets/parse.ts's targetGlobs and sites/hooks/wanted.ts's hintedFiles make them: a target
  // through a symlink matches the module Node loads by its real path.
  const cwd = process.cwd();
  const hints = (process.env.JSPROBE_LOAD_SITES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const globs = [
    ...files.flatMap((f) => withRealPath(isAbsolute(f) ? f : resolve(cwd, f).replace(/\\/g, '/'), realpathSync)),
    ...hints.map((g) => (g.startsWith('/') ? g : `${cwd.replace(/\/$/, '')}/${g.replace(/^\.\//, '')}`)),
  ];
  const res = globs.map((g) => pathGlob(g));
  // As the hooks' own test (sites/hooks/cjs.ts, mayWant): a module with a source map may stand for
  // a matching source (a .ts file), which only its map says, and reading maps is the runtime's job.
  // Captured built-ins: this runs at each module the program loads, after its own code may have replaced them.
  const named = (file: string): boolean => arraySome(res, (re) => regExpTest(re, file));
  const wanted = (file: string, source: string): boolean => named(file) || StringPrototypeIncludes(source, 'sourceMappingURL=');
  const NodeBuffer = Buffer;
  const bufferFrom = Buffer.from;
  const bufferToString = Buffer.prototype.toString;
  const utf8 = (bytes: unknown): string => ReflectApply(bufferToString, ReflectApply(bufferFrom, NodeBuffer, [bytes]), ['utf8']) as string;
  let traced = false;
  const start = (compiling?: string): Rewrite => {
    traced = true;
    return trace(compiling);
  };
  // Code that a --require preload loaded before this agent has already been compiled: the runtime
  // must look for it at start, as it would have.
  for (const file of Object.keys(require.cache)) {
    if (named(file)) {
      start();
      return true;
    }
  }
  const original = prototype._compile;
  prototype._compile = function jsprobeWatch(this: unknown, content: string, filename: string, format?: string) {
    if (!traced && wanted(filename, content)) {
      start(filename);
      // The runtime has put its own hook over this one (sites/hooks/cjs.ts): through it, this
      // module gets its sites, and it calls this one again, which passes it on.
      return ReflectApply(prototype._compile, this, [content, filename, format]);
    }
    return ReflectApply(original, this, [content, filename, format]);
  };
  registerHooks(noProto({
    // A worker thread of this process traces only where this thread does (agent.ts): the runtime
    // loads before the program can start one.
    resolve(specifier, context, next) {
      if (!traced && (specifier === 'worker_threads' || specifier === 'node:worker_threads')) start();
      return next(specifier, context);
    },
    load(url, context, next) {
      const result = next(url, context);
      if (traced || result.format !== 'module' || result.source == null || !StringPrototypeStartsWith(url, 'file:')) return result;
      const file = fileURLToPath(url);
      const source = typeof result.source === 'string' ? result.source : utf8(result.source);
      if (!wanted(file, source)) return result;
      // The runtime's load hook comes before this one for the modules that load next; this one
      // is rewritten here, as its hook would have.
      return start()(url, result);
    },
  }));
  return true;
}
