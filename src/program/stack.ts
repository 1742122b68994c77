// `ustack`: the JavaScript stack at a hit, as V8's structured frames (CallSites), jsprobe's own
// frames left out and every frame at its original position: not the rewritten code's column, and
// through the module's own source map when it came with one (sites/load/columns.ts). It never runs the program's code: the program's
// Error.prepareStackTrace is put aside for the read (set, not called), the CallSite methods are
// those captured when jsprobe loaded, and the property writes are definitions (no setter runs).

import { unshifted } from '../sites/load/registry.js';
import { OWN_CODE_PATH, OWN_CODE_URL } from '../sites/own-code.js';
import {
  defineOwn, ObjectGetOwnPropertyDescriptor, ObjectGetPrototypeOf, ObjectIsExtensible, ownDescriptor, ReflectApply, SafeError,
  StringPrototypeIndexOf, StringPrototypeStartsWith,
} from '../core/primordials.js';

/** Frames of jsprobe's own between the hit and the program's (dispatch, the handler): read beyond the depth asked for. */
const OWN_FRAMES = 24;
const INDENT = '        ';

interface CallSiteMethods {
  getFileName(): string | undefined;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
  getFunctionName(): string | null;
  getEvalOrigin(): string | undefined;
  isEval(): boolean;
}
type Method = keyof CallSiteMethods;

/**
 * V8's own getter of an error's `stack`, where V8 makes `stack` an accessor of each error (V8 14,
 * Node 26; before, a data property). Taken from an error of jsprobe's own when it loads: V8 defines
 * it on each new error, so no program code can stand in for it on one jsprobe just made.
 */
const STACK_GETTER = ObjectGetOwnPropertyDescriptor(new SafeError(), 'stack')?.get;

/** An error's `stack`, read without running anything but V8's own getter (which formats it now, lazily). */
function stackOf(e: object): unknown {
  const d = ownDescriptor(e, 'stack');
  if (d === undefined) return undefined;
  if ('value' in d) return d.value;
  return d.get !== undefined && d.get === STACK_GETTER ? ReflectApply(d.get, e, []) : undefined;
}

/** V8's CallSite methods, as they are when jsprobe loads: a program's prepareStackTrace could replace them later. */
const CALL_SITE = ((): Record<Method, (...a: unknown[]) => unknown> => {
  const sites = withFrames(1, () => new SafeError()) as object[] | undefined;
  const proto = sites?.[0] !== undefined ? (ObjectGetPrototypeOf(sites[0]) as Record<Method, (...a: unknown[]) => unknown>) : undefined;
  const out = {} as Record<Method, (...a: unknown[]) => unknown>;
  for (const m of ['getFileName', 'getLineNumber', 'getColumnNumber', 'getFunctionName', 'getEvalOrigin', 'isEval'] as const) {
    out[m] = proto?.[m] ?? (() => undefined);
  }
  return out;
})();

function call<M extends Method>(site: object, m: M): ReturnType<CallSiteMethods[M]> {
  return ReflectApply(CALL_SITE[m], site, []) as ReturnType<CallSiteMethods[M]>;
}

/**
 * A property of the Error constructor whose value can be swapped for the read without running
 * anything: absent where Error takes new properties, or a data property that is writable or
 * configurable (a library's prepareStackTrace, Node's own, a stackTraceLimit the program fixed
 * with configurable: false). Not an accessor, nor a frozen value.
 */
function asideable(key: string): PropertyDescriptor | undefined | false {
  const d = ownDescriptor(SafeError, key);
  if (d === undefined) return ObjectIsExtensible(SafeError) ? undefined : false;
  return 'value' in d && (d.configurable === true || d.writable === true) ? d : false;
}

/** `value` in place of `d`: only the value where the property is there (its other attributes may be fixed). */
function swap(key: string, d: PropertyDescriptor | undefined, value: unknown): void {
  defineOwn(SafeError, key, d === undefined ? { value, configurable: true, writable: true } : { value });
}

function restore(key: string, d: PropertyDescriptor | undefined): void {
  if (d === undefined) delete (SafeError as unknown as Record<string, unknown>)[key];
  else defineOwn(SafeError, key, d);
}

/**
 * The CallSites of the error `make` creates, at most `limit`: Error.prepareStackTrace and
 * Error.stackTraceLimit are ours while it runs. Undefined when either is not ours to set aside
 * (the program made it an accessor, or froze it), or the global Error is not V8's own (Node's
 * stack formatting would read the program's Error.prepareStackTrace).
 */
function withFrames(limit: number, make: () => object): unknown {
  const g = ownDescriptor(globalThis, 'Error');
  if (g === undefined || g.value !== SafeError) return undefined;
  const prepare = asideable('prepareStackTrace');
  const depth = asideable('stackTraceLimit');
  if (prepare === false || depth === false) return undefined;
  try {
    swap('prepareStackTrace', prepare, (_e: unknown, sites: unknown) => sites);
    swap('stackTraceLimit', depth, limit);
    return stackOf(make());
  } finally {
    restore('prepareStackTrace', prepare);
    restore('stackTraceLimit', depth);
  }
}

function own(site: object): boolean {
  const file = call(site, 'getFileName');
  if (typeof file === 'string') return StringPrototypeStartsWith(file, OWN_CODE_PATH) || StringPrototypeStartsWith(file, OWN_CODE_URL);
  // A handler is compiled by jsprobe (new Function): its frames are evals that name jsprobe's file.
  const origin = call(site, 'isEval') ? call(site, 'getEvalOrigin') : undefined;
  return typeof origin === 'string' && (StringPrototypeIndexOf(origin, OWN_CODE_PATH, 0) >= 0 || StringPrototypeIndexOf(origin, OWN_CODE_URL, 0) >= 0);
}

/**
 * A breakpoint site's condition (jsprobe -p), which V8 evaluates inside the paused function: above
 * the program's first frame, evals without a file whose origin is in the file of the frame below
 * them (`eval at spin (file:///app/x.ts:1:195)`), the paused function's.
 */
function condition(list: object[], i: number): boolean {
  if (!call(list[i], 'isEval') || typeof call(list[i], 'getFileName') === 'string') return false;
  const origin = call(list[i], 'getEvalOrigin');
  if (typeof origin !== 'string') return false;
  for (let j = i + 1; j < list.length; j++) {
    const file = call(list[j], 'getFileName');
    if (typeof file === 'string') return StringPrototypeIndexOf(origin, `(${file}:`, 0) >= 0;
  }
  return false;
}

/** `name (file:line:column)`, at the original column of a rewritten module. */
function frameText(site: object): string {
  const name = call(site, 'getFunctionName') || '<anonymous>';
  const file = call(site, 'getFileName');
  const line = call(site, 'getLineNumber');
  const col = call(site, 'getColumnNumber');
  if (typeof file !== 'string' || line === null || col === null) return typeof file === 'string' ? `${name} (${file})` : name;
  const at = unshifted(file, line - 1, col - 1);
  return at === null ? `${name} (${file}:${line}:${col})` : `${name} (${at.file}:${at.line + 1}:${at.column + 1})`;
}

/**
 * The stack at the call, `depth` frames of the program's, as bpftrace prints a ustack: a frame a
 * line, indented, between newlines. Null when it cannot be read without running the program's code.
 */
export function captureStack(depth: number): string | null {
  const sites = withFrames(depth + OWN_FRAMES, () => new SafeError());
  if (sites === undefined || sites === null || typeof sites !== 'object') return null;
  const list = sites as object[];
  let out = '';
  let n = 0;
  for (let i = 0; i < list.length && n < depth; i++) {
    if (own(list[i]) || (n === 0 && condition(list, i))) continue;
    out += `\n${INDENT}${frameText(list[i])}`;
    n++;
  }
  return `${out}\n`;
}
