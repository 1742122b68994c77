// CommonJS load sites: every module compiled through Module.prototype._compile (require, and
// import of CommonJS, and tsx's compiled .ts) is offered to the rewriter first. An ES module
// loaded through require() (Node >= 20.19) comes here too, with format 'module'.
//
// Rewriting happens here, on the loading thread. Doing big modules on a worker thread instead
// (to keep typescript.js's ~1 GB parse garbage off the program's heap) measured worse in
// bench:tsc: 1.15x the unprobed check time against 1.00x in-thread, and slower to rewrite.

import Module from 'node:module';
import { pathToFileURL } from 'node:url';
import { now } from '../../core/clock.js';
import { noteRewriteFailure } from './failures.js';
import { SITES_TRAILER } from '../rewrite/abi.js';
import { matches, plan, rewrite } from './rewrite-module.js';
import type { Wanted } from './wanted.js';
import { arraySome, ReflectApply, regExpTest, StringPrototypeIncludes, StringPrototypeSlice } from '../../core/primordials.js';

type Compile = (this: Module, content: string, filename: string, format?: string) => unknown;

export interface RewriteStat {
  file: string;
  bytes: number;
  sites: number;
  /** ms to parse and rewrite the file (source map included), or to read it from the cache. */
  ms: number;
  cached: boolean;
}

/** What the CommonJS hook rewrote in this thread, and how long each took. */
export const rewriteStats: RewriteStat[] = [];

/** Whether a module could be named by `wanted` at all: its path, or (through a source map) another. */
function mayWant(file: string, content: string, wanted: readonly Wanted[]): boolean {
  if (wanted.length === 0) return false;
  return arraySome(wanted, (w) => matches(w.file, file)) || StringPrototypeIncludes(content, 'sourceMappingURL=');
}

export function installCjsHook(wanted: () => readonly Wanted[]): void {
  const proto = Module.prototype as unknown as { _compile: Compile };
  const original = proto._compile;
  proto._compile = function jsprobeCompile(this: Module, content: string, filename: string, format?: string) {
    let code = content;
    const list = wanted();
    const esm = format === 'module' || format === 'module-typescript';
    // Where Node runs the load hooks for require() of an ES module (module.registerHooks, Node >=
    // 22.15), the source arrives here already rewritten, with rewrite()'s trailer.
    if (mayWant(filename, content, list) && !(esm && regExpTest(SITES_TRAILER, StringPrototypeSlice(content, -40)))) {
      try {
        const t0 = now();
        const p = plan(filename, content, list);
        if (p !== null) {
          const out = rewrite(content, pathToFileURL(filename).href, filename, esm ? 'module' : 'script', p);
          code = out.code;
          rewriteStats[rewriteStats.length] = { file: filename, bytes: content.length, sites: out.sites, ms: now() - t0, cached: out.cached };
        }
      } catch (e) {
        // A module jsprobe cannot rewrite still loads as it is; its probes stay waiting, with a note.
        noteRewriteFailure(filename, e);
        code = content;
      }
    }
    return ReflectApply(original, this, [code, filename, format]);
  };
}
