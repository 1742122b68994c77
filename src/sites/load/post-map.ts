// A rewritten module that something compiled again after jsprobe rewrote it: tsx under `jsprobe -c`,
// whose load hook hands jsprobe the TypeScript as it is on disk and compiles the text jsprobe gives
// back. V8 then runs tsx's output, and a stack frame's line and column are in it, not in the
// rewritten text. tsx turns Node's source maps on, so Node keeps the map of what it compiled (from
// the output to the text it was given: jsprobe's rewrite), and a frame goes back through it first.
// Read the first time a stack needs the module, at a hit: captured built-ins only.

import { findSourceMap, SourceMap } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArrayIsArray, ownDescriptor, ReflectApply, StringPrototypeStartsWith } from '../../core/primordials.js';
import { decodeMap, type ModuleMap } from './columns.js';

// Node's own, taken as jsprobe loads: the program may replace node:module's names later.
const find = typeof findSourceMap === 'function' ? findSourceMap : undefined;
const payloadOf = typeof SourceMap === 'function' ? ownDescriptor(SourceMap.prototype, 'payload')?.get : undefined;

/** An own data property of `o`, or undefined: read without a getter, or the prototype chain, of the program's. */
function own(o: object, key: string): unknown {
  const d = ownDescriptor(o, key);
  return d === undefined || d.get !== undefined ? undefined : d.value;
}

/** Whether `source` (as a map names it, beside the map's `root`) is the file `file`. */
function isFile(source: unknown, root: unknown, file: string): boolean {
  if (typeof source !== 'string') return false;
  try {
    if (StringPrototypeStartsWith(source, 'file:')) return fileURLToPath(source) === file;
    return resolve(dirname(file), typeof root === 'string' ? root : '', source) === file;
  } catch {
    return false;
  }
}

/**
 * The map Node keeps for the module `name` (its path or URL, as a frame names it), when it leads
 * back to the module's own file `file`: a compiler that ran after the rewrite made it from the
 * rewritten text. A map to other files is the module's own (tsc's, a bundler's), which the rewrite
 * already handed over. Null when there is none: the frame's position is in the rewritten text.
 */
export function postMap(name: string, file: string): ModuleMap | null {
  if (find === undefined || payloadOf === undefined) return null;
  let payload: unknown;
  try {
    const map = find(name);
    if (map === undefined || map === null || typeof map !== 'object') return null;
    payload = ReflectApply(payloadOf, map, []);
  } catch {
    return null;
  }
  if (payload === null || typeof payload !== 'object') return null;
  const sources = own(payload, 'sources');
  if (!ArrayIsArray(sources) || sources.length !== 1 || !isFile(sources[0], own(payload, 'sourceRoot'), file)) return null;
  return decodeMap(sources, own(payload, 'mappings'));
}
