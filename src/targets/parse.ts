// Target strings (docs/design.md, "Targets"; docs/api.md) into their parts:
//   module#export.path     pg#Client.prototype.query, node:fs#readFile
//   file:qualified.name    src/db.ts:Db.query, lib/*.js:*
//   file:LINE              src/app.ts:42

import { realpathSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { JsprobeError } from '../core/errors.js';
import { withRealPath } from '../core/glob.js';
import { MapPrototypeGet, MapPrototypeGetSize, MapPrototypeSet, SafeMap } from '../core/primordials.js';

export type TargetRef =
  | { kind: 'export'; module: string; path: string[] }
  | { kind: 'function'; file: string; name: string }
  | { kind: 'line'; file: string; line: number };

function bad(target: string, why: string): never {
  throw new JsprobeError('JSPROBE_E_INVALID_SPEC', `bad target '${target}': ${why}`);
}

/**
 * Whether `t` is `module#export`: a `#` that is not a private name (`file.js:Db.#count`, where a
 * `:` comes before it). A builtin (`node:fs#readFile`) has a `:` of its own.
 */
function isExport(t: string): boolean {
  const hash = t.indexOf('#');
  if (hash < 0) return false;
  if (t.startsWith('node:')) return true;
  const colon = t.lastIndexOf(':', hash);
  return colon < 0 || /^[A-Za-z]:$/.test(t.slice(0, colon + 1)); // C:\path#x is a path, not a scheme
}

export function parseTarget(target: string): TargetRef {
  const t = target.trim();
  const hash = t.indexOf('#');
  if (isExport(t)) {
    const module = t.slice(0, hash);
    const rest = t.slice(hash + 1);
    if (module === '') bad(target, "no module before '#' (write module#export, e.g. node:fs#readFile)");
    if (rest === '') bad(target, "no export after '#' (write module#export, e.g. node:fs#readFile)");
    const path = rest.split('.');
    if (path.some((s) => s === '')) bad(target, `empty name in '${rest}'`);
    return { kind: 'export', module, path };
  }
  const colon = t.lastIndexOf(':');
  if (colon <= 0 || colon === t.length - 1) {
    bad(target, "write file:name, file:LINE or module#export (e.g. src/db.js:Db.query, node:fs#readFile)");
  }
  const file = t.slice(0, colon);
  const name = t.slice(colon + 1);
  if (file === 'node' || file.startsWith('node:')) bad(target, `a builtin export takes '#': node:${name.replace(/^.*:/, '')}#name`);
  if (/^\d+$/.test(name)) return { kind: 'line', file, line: Number(name) };
  return { kind: 'function', file, name };
}

/** A target's file glob as an absolute path glob: relative ones are relative to `cwd`. */
export function absoluteGlob(file: string, cwd = process.cwd()): string {
  return isAbsolute(file) ? file : resolve(cwd, file).replace(/\\/g, '/');
}

/**
 * Globs resolved by the code running now, until its next microtask: realpath walks each part of
 * the path (~30 us for a file in node_modules), and a program that registers a probe on each of
 * typescript.js's 21k functions asks for the one file 21k times in a row. Later code resolves
 * again: a link may have moved since (a deploy's `current -> releases/N`).
 */
let resolvedNow = new SafeMap<string, string[]>();
/** As it was when jsprobe loaded: the program may replace the global. */
const queueMicrotaskSafe = queueMicrotask;

/**
 * The absolute globs of the modules a target's file names: as written, and through the symlinks
 * its literal part reaches (core/glob.ts, withRealPath). What load sites, live sites and a child's
 * first match are matched against.
 */
export function targetGlobs(file: string, cwd = process.cwd()): string[] {
  const glob = absoluteGlob(file, cwd);
  // By captured methods: under -p this runs in a program that may have replaced Map's.
  let globs = MapPrototypeGet(resolvedNow, glob);
  if (globs === undefined) {
    if (MapPrototypeGetSize(resolvedNow) === 0) queueMicrotaskSafe(() => (resolvedNow = new SafeMap()));
    MapPrototypeSet(resolvedNow, glob, (globs = withRealPath(glob, realpathSync)));
  }
  return globs;
}
