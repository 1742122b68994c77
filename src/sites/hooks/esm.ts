// ES module load sites: the `load` hook (run by Node 20 on a hooks thread of its own) rewrites
// modules that a registered or hinted target names. CommonJS is left to the _compile hook, which
// sees it whichever way it is loaded.

import { Buffer } from 'node:buffer';
import { fileURLToPath } from 'node:url';
import { noteRewriteFailure, useFailureLog } from './failures.js';
import { LoadedLog } from './loaded-log.js';
import { plan, rewrite } from './rewrite-module.js';
import { WantedList } from './wanted.js';
import { ReflectApply, StringPrototypeStartsWith } from '../../core/primordials.js';

export interface InitData {
  wanted: SharedArrayBuffer;
  loaded: SharedArrayBuffer;
  failed: SharedArrayBuffer;
}

let wanted: WantedList | undefined;
let loaded: LoadedLog | undefined;

export function initialize(data: InitData): void {
  wanted = new WantedList(data.wanted);
  loaded = new LoadedLog(data.loaded);
  useFailureLog(data.failed);
}

interface LoadResult {
  format?: string | null;
  source?: string | ArrayBuffer | Uint8Array | null;
  shortCircuit?: boolean;
}

type NextLoad = (url: string, context?: unknown) => Promise<LoadResult>;

/**
 * The loaded module as it is, or rewritten with probe sites when a target names it. A TypeScript
 * ES module (`module-typescript`: Node >= 22.18 strips its types itself, after this hook) is
 * rewritten as the TypeScript it is (the parser reads it by its extension) and keeps its format,
 * so that Node strips the types of the rewritten source: the sites are plain JavaScript.
 */
export function rewriteLoaded(url: string, result: LoadResult): LoadResult {
  const format = result.format;
  // The captured startsWith: on Node 22+ this hook runs in the program's thread, for every module
  // it loads (node:worker_threads too), when it may have replaced String's methods.
  if (!StringPrototypeStartsWith(url, 'file:') || (format !== 'module' && format !== 'module-typescript')) return result;
  if (result.source == null || wanted === undefined) return result;
  const file = fileURLToPath(url);
  loaded?.append(url);
  const src = typeof result.source === 'string' ? result.source : utf8(result.source as Uint8Array);
  try {
    const p = plan(file, src, wanted.read());
    if (p === null) return result;
    return { ...result, source: rewrite(src, url, file, 'module', p).code };
  } catch (e) {
    // As in the CommonJS hook: the module loads as it is; a probe on it says why in list().
    noteRewriteFailure(file, e);
    return result;
  }
}

/** A module's source as text: through the Buffer and its toString captured at load, not the global the program may have replaced. */
const bufferFrom = Buffer.from;
const bufferToString = Buffer.prototype.toString;
function utf8(bytes: Uint8Array): string {
  return ReflectApply(bufferToString, ReflectApply(bufferFrom, Buffer, [bytes]), ['utf8']) as string;
}

/** module.register's load hook (a thread of its own on Node 20). */
export async function load(url: string, context: { format?: string | null }, nextLoad: NextLoad): Promise<LoadResult> {
  return rewriteLoaded(url, await nextLoad(url, context));
}
