// The thread's own inspector session, for live and breakpoint sites. A session connected in the
// same thread answers synchronously: `post` returns the answer, which is what lets register()
// patch a function and return an armed probe. Every thread (main or worker) has its own session
// and patches its own isolate.
//
// The Debugger domain is on only while something needs it: a live patch (enable, edit, disable,
// so that nothing stays slowed) or a breakpoint site (on while one exists: disabling the domain
// removes every breakpoint); it is disabled at the next microtask checkpoint after that, never
// from inside running code (holdDebugger).
//
// V8 14 (Node 26) put LiveEdit behind the flag --inspector-live-edit, off by default:
// liveEditOffWhy() turns it on in-process before the first edit, where jsprobe makes edits at all
// (not by default on V8 >= 13, where an edit can crash the process).

import type { Session } from 'node:inspector';
import { JsprobeError } from '../core/index.js';
import { inJob } from '../core/job.js';
import { defineOwn, MathRandom, MathTrunc, ObjectHasOwn, ObjectPrototype, SafeMap } from '../core/primordials.js';
import { lazyBuiltin } from './builtin.js';
import { LIVE_EDIT_AT_START } from './breakpoint-advice.js';
import { noteScriptMap } from './load/registry.js';

/**
 * node:inspector and node:v8, loaded when a session or the flag is first needed, not with the agent
 * (builtin.ts): they are ~28 of Node's modules (~4 ms on Node 24) in every traced process, and a
 * process whose probes are all load sites never opens a session.
 */
export const nodeInspector = lazyBuiltin<typeof import('node:inspector')>('node:inspector');
const nodeV8 = lazyBuiltin<typeof import('node:v8')>('node:v8');

export interface ScriptInfo {
  scriptId: string;
  url: string;
  isModule: boolean;
  /** The script's own source map (tsx's is inline, a data: URL), if it names one. */
  sourceMapURL?: string;
  /**
   * It runs in a `vm` context of its own (jest compiles the modules a test loads so), not in this
   * thread's main one, where jsprobe's globals are: the inspector says so of its context.
   */
  ownContext?: boolean;
}

/** What jsprobe reads of a `Debugger.scriptParsed` notification. */
interface ScriptParsed {
  scriptId: string;
  url: string;
  isModule?: boolean;
  isLiveEdit?: boolean;
  sourceMapURL?: string;
  /** Node's: `isDefault` false for a context made by node:vm. */
  executionContextAuxData?: { isDefault?: boolean };
}

let session: Session | null = null;
let debuggerUsers = 0;
/**
 * Scripts this thread has, by id, as of the last time the Debugger domain was enabled; not those
 * without a URL, which no site patches (live.ts refuses them as eval'd: scriptInfo() makes theirs
 * when asked). V8 compiles a breakpoint's condition into a script of its own at every hit, reported
 * here like any other, and this map grew by two entries a call of a function with a breakpoint
 * site, for as long as the process lived (docs/benchmarks.md, bench:attach:memory).
 */
// Safe: a script parsed long after the program's first line (an eval, a module loaded later) is noted here.
const scripts: Map<string, ScriptInfo> = new SafeMap<string, ScriptInfo>();

function connect(): Session {
  if (session !== null) return session;
  // Node's session takes any message with an `id` for an answer, read through the prototype: with
  // one on Object.prototype it emits no event, and no script would ever be seen.
  if (ObjectHasOwn(ObjectPrototype, 'id')) {
    throw new JsprobeError('JSPROBE_E_SITE_UNAVAILABLE',
      "live and breakpoint sites need Node's inspector session, which cannot work in this process: its program has put an `id` on Object.prototype");
  }
  const s = new (nodeInspector().Session)();
  try {
    s.connect();
  } catch (e) {
    throw new JsprobeError('JSPROBE_E_SITE_UNAVAILABLE', `live and breakpoint sites need the inspector, which this Node cannot give: ${(e as Error).message}`);
  }
  s.on('Debugger.scriptParsed', (m: { params: ScriptParsed }) => {
    const { scriptId, url, isModule, isLiveEdit, sourceMapURL, executionContextAuxData } = m.params;
    if (isLiveEdit === true || url === '') return;
    // The protocol's own object, parsed by Node's session: its fields are read as its own.
    const aux = executionContextAuxData;
    const ownContext = typeof aux === 'object' && aux !== null && ObjectHasOwn(aux, 'isDefault') && aux.isDefault === false;
    scripts.set(scriptId, { scriptId, url, isModule: isModule === true, sourceMapURL: sourceMapURL === '' ? undefined : sourceMapURL, ownContext });
    // A stack frame in this script can then be named at its original source's position (ustack).
    if (sourceMapURL !== undefined && sourceMapURL !== '') noteScriptMap(url, sourceMapURL);
  });
  // jsprobe pauses only where pausing is allowed (see setPauseReleaser), to read a return value;
  // anything else that pauses (a `debugger` statement while the domain is on) would stop this
  // thread for good: no one else can resume a same-thread session. So every pause is resumed.
  s.on('Debugger.paused', (m: { params: PausedParams }) => {
    try {
      pauseHook?.(m.params);
    } finally {
      post('Debugger.resume');
      releaser?.();
    }
  });
  session = s;
  return s;
}

/** What a `Debugger.paused` notification holds that jsprobe reads. */
export interface PausedParams {
  reason: string;
  hitBreakpoints?: string[];
  callFrames: { returnValue?: RemoteValue }[];
}

/** A value as the protocol describes it (Runtime.RemoteObject): a primitive inline, anything else by id. */
export interface RemoteValue {
  type: string;
  subtype?: string;
  value?: unknown;
  unserializableValue?: string;
  objectId?: string;
}

let pauseHook: ((p: PausedParams) => void) | null = null;
let releaser: (() => void) | null = null;

/** Run `hook` at every pause of this thread, before it is resumed (breakpoint.ts reads return values there). */
export function onPause(hook: ((p: PausedParams) => void) | null): void {
  pauseHook = hook;
}

/**
 * Where another session to this thread must also let a pause go (`jsprobe -p`: the channel
 * thread's session). While any such session is connected, Node holds a paused thread until a
 * `Debugger.resume` comes from it; this session's own resume is not enough. `release` tells it,
 * and pausing is allowed only once it is set (canPause). Null: pausing is not allowed.
 */
export function setPauseReleaser(release: (() => void) | null): void {
  releaser = release;
}

/** Whether jsprobe may pause this thread (for a moment, to read a return value). */
export function canPause(): boolean {
  return releaser !== null;
}

/** Send one protocol command and return its answer (same-thread sessions answer at once). */
export function post<T = Record<string, unknown>>(method: string, params: object = {}): T {
  const s = connect();
  let answered = false;
  let error: Error | null = null;
  let result: unknown;
  s.post(method, params, (e: Error | null, r?: unknown) => {
    answered = true;
    error = e;
    result = r;
  });
  if (!answered) throw new JsprobeError('JSPROBE_E_SITE_UNAVAILABLE', `the inspector did not answer ${method} at once`);
  // The inspector's own errors (ERR_INSPECTOR_COMMAND: "No script for id", a breakpoint it will
  // not set) would reach register()'s caller as they are: they get a code like every other failure.
  if (error !== null) {
    const e = error as Error;
    throw new JsprobeError('JSPROBE_E_SITE_UNAVAILABLE', `the inspector refused ${method}: ${e.message.replace(/^Inspector error -?\d+: /, '')}`, { cause: e });
  }
  return result as T;
}

let liveEditOff: string | null | undefined;

/**
 * V8 >= 13 (Node 24 and 26) can crash a process after a live edit: LiveEdit gives every closure
 * of the edited script that has not run yet V8's shared read-only feedback cell, and closures of
 * one function literal share the entry that their first call compiles, so the second one to run
 * skips the step that would give it a cell of its own and the interpreter writes its call budget
 * into read-only memory (SIGSEGV). Any script that made two such closures (callbacks waiting on
 * a timer, a promise, an event) and has not run one yet is exposed, and nothing outside V8 can
 * find them, so jsprobe makes no live edit there unless told to (docs/live-sites.md).
 */
const V8_LIVE_EDIT_CRASHES = 13;

/**
 * Why jsprobe makes no live edits in this process, or null when it may: JSPROBE_LIVE_EDIT=0 turns
 * them off, JSPROBE_LIVE_EDIT=1 on, and without either they are off on V8 >= 13 (see
 * V8_LIVE_EDIT_CRASHES). Live requests then take the path of an edit V8 refused. The first call
 * with edits on turns on V8's LiveEdit flag where V8 has one (V8 >= 14; older V8 rejects the
 * unknown flag), unless the program's command line has chosen (--inspector-live-edit or
 * --no-inspector-live-edit). V8 flags belong to the process and are read at each
 * `Debugger.setScriptSource`: this covers every thread, and the attach runtime.
 */
export function liveEditOffWhy(): string | null {
  if (liveEditOff !== undefined) return liveEditOff;
  const env = process.env.JSPROBE_LIVE_EDIT;
  const major = Number(process.versions.v8.split('.')[0]);
  if (env === '0') liveEditOff = 'JSPROBE_LIVE_EDIT=0 turns live edits off';
  else if (env !== '1' && major >= V8_LIVE_EDIT_CRASHES) {
    liveEditOff = `live edits are off on V8 ${major} (Node ${process.versions.node}), where one can crash the process ` +
      `when it later runs closures made before the edit (docs/live-sites.md); ${LIVE_EDIT_AT_START}`;
  } else liveEditOff = null;
  const chosen = process.execArgv.some((a) => /^--(no-)?inspector[-_]live[-_]edit$/.test(a));
  if (liveEditOff === null && !chosen && major >= 14) nodeV8().setFlagsFromString('--inspector-live-edit');
  return liveEditOff;
}

/** The Debugger domain is on (it stays on until a microtask after its last holder lets go). */
let domainOn = false;
let disableQueued = false;

/**
 * Hold the Debugger domain on; the returned function lets go. When the last holder lets go, the
 * domain is disabled at the next microtask checkpoint, not at once: a `-p` attach or detach runs
 * as a V8 interrupt, which can land while a function with breakpoints is stopped at one of them
 * (V8 handles interrupts there), and a `Debugger.disable` at that point crashes V8 (on every
 * Node measured, 20 to 26: docs/attach.md, "Breakpoint sites placed from an interrupt"). A
 * microtask runs only once the thread has left every running function, so never inside a break;
 * a thread that stays in a loop keeps the domain on, with no breakpoint, until it leaves it.
 * Holding it again before then costs nothing. The job is core/job.ts's: a refused disable is
 * dropped there, never thrown into the program.
 */
export function holdDebugger(): () => void {
  if (debuggerUsers++ === 0 && !domainOn) {
    post('Debugger.enable');
    domainOn = true;
  }
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    if (--debuggerUsers === 0 && !disableQueued) {
      disableQueued = true;
      inJob(disableUnheld);
    }
  };
}

function disableUnheld(): void {
  disableQueued = false;
  if (debuggerUsers > 0 || !domainOn) return;
  domainOn = false;
  post('Debugger.disable');
}

/** Whether the Debugger domain is on now (enabling it again costs nothing). */
export function debuggerOn(): boolean {
  return domainOn;
}

/** Run `fn` with the Debugger domain on, and off again afterwards unless someone else holds it. */
export function withDebugger<T>(fn: () => T): T {
  const release = holdDebugger();
  try {
    return fn();
  } finally {
    release();
  }
}

/** The scripts the Debugger domain reported (call inside withDebugger for an up-to-date list). */
export function knownScripts(): Iterable<ScriptInfo> {
  return scripts.values();
}

/** A script by id; one not kept has no URL (an eval, a `new Function`, a breakpoint's condition). */
export function scriptInfo(scriptId: string): ScriptInfo {
  return scripts.get(scriptId) ?? { scriptId, url: '', isModule: false };
}

/**
 * Where functionLocation hands a function to the inspector: a global of this copy of jsprobe's own,
 * named as a plain identifier (not `globalThis[Symbol.for(…)]`: both are the program's to replace,
 * and a guessable key may hold a setter of its own), defined rather than assigned.
 */
const FN_NAME = `__jsprobe_fn_${MathTrunc(MathRandom() * 1e15)}`;

/** Where a function's code is: its script and the 0-based position V8 gives ([[FunctionLocation]]). */
export function functionLocation(fn: Function): { scriptId: string; line: number; column: number } | null {
  const g = globalThis as unknown as Record<string, unknown>;
  defineOwn(globalThis, FN_NAME, { value: fn, configurable: true, writable: false, enumerable: false });
  try {
    const { result } = post<{ result: { objectId?: string } }>('Runtime.evaluate', {
      expression: FN_NAME,
      objectGroup: 'jsprobe',
      silent: true,
    });
    if (result.objectId === undefined) return null;
    const props = post<{ internalProperties?: { name: string; value?: { value?: unknown } }[] }>('Runtime.getProperties', {
      objectId: result.objectId,
      ownProperties: true,
    });
    // By index: the program may have replaced Array.prototype.find.
    const internal = props.internalProperties ?? [];
    let loc: { scriptId: string; lineNumber: number; columnNumber: number } | undefined;
    for (let i = 0; i < internal.length; i++) {
      if (internal[i].name === '[[FunctionLocation]]') loc = internal[i].value?.value as typeof loc;
    }
    return loc === undefined ? null : { scriptId: loc.scriptId, line: loc.lineNumber, column: loc.columnNumber };
  } finally {
    delete g[FN_NAME];
    post('Runtime.releaseObjectGroup', { objectGroup: 'jsprobe' });
  }
}
