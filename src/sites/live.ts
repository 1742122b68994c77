// Live sites (the kernel's optprobes: a jump patched into running text with text_poke): a loaded
// script is patched in place through V8 LiveEdit (`Debugger.setScriptSource`), with the same probe
// sites that load sites compile in (rewrite/instrument.ts), so that function identity and closure
// state stay. The patched code reads the global slot array `$jpL` instead of a module's own, since
// LiveEdit may answer Ok to an edit that adds module-scope bindings and not apply it.
//
// What one patch does: every function of the script that a probe wants gets its site, in one edit
// (the edit walks the heap: seconds on big heaps, so edits are batched per script and made once
// per register()/registerAll() call). The edit is checked: the script's source must read back as
// sent, and a Function target's toString() must show its site; if not, the old source goes back
// and registration fails. V8 refuses an edit while a function it changes is on the stack
// (BlockedByActiveFunction) or has calls suspended at an await or yield (BlockedByActiveGenerator):
// those are retried with backoff for JSPROBE_LIVE_RETRY_MS (2 s), and after that a probe with
// site 'auto' falls back to a breakpoint site. Sites stay in the script, disarmed, until the last
// probe of the script leaves; then its original source goes back.
//
// V8 may refuse every edit (V8 14 has LiveEdit behind a flag, see liveEditOffWhy, and may remove
// it), and jsprobe makes none by default on V8 >= 13, where an edit can crash the process (see
// inspector.ts): from the first such refusal on, 'auto' probes on loaded code get breakpoint
// sites, with the reason in list(), and 'live' ones fail.
//
// The pause budget (maxPauseMs; pause-budget.ts): an edit whose predicted stall is over it is not
// made. Under 'auto' a function a property holds gets a wrap site there (holder.ts), any other a
// breakpoint site; 'live' fails with JSPROBE_E_MAX_PAUSE. A restore over it leaves the sites in
// place, disarmed.

import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import { JsprobeError, ProbeSite, type Resolution, type SitePreference, type Snapshot } from '../core/index.js';
import { now } from '../core/clock.js';
import { inJob } from '../core/job.js';
import {
  clearTimeoutSafe, defineOwn, regExpTest, SafeMap, SafeSet, SafeWeakMap, setTimeoutSafe, StringPrototypeLastIndexOf, StringPrototypeSlice,
  StringPrototypeStartsWith,
} from '../core/primordials.js';
import { breakpointSite, rearmBreakpoints } from './breakpoint.js';
import { findHolder, type Holder } from './holder.js';
import { wrapSees } from './breakpoint-advice.js';
import { DEFAULT_MAX_PAUSE_MS, livePatchNow, overBudgetWhy, passOver } from './pause-budget.js';
import { OWN_CODE_URL } from './own-code.js';
import { chooseSiteKind } from './site-kind.js';
import { functionLocation, holdDebugger, knownScripts, liveEditOffWhy, post, scriptInfo, withDebugger, type ScriptInfo } from './inspector.js';
import { setLive } from './load/registry.js';
import { installRuntime, runtime } from './load/runtime.js';
import { LIVE_SLOTS, RUNTIME_GLOBAL } from './rewrite/abi.js';
import type { FunctionSite } from './rewrite/functions.js';
import { lineStarts } from './rewrite/insertions.js';
import { functionsIn, instrumentLive, liveable, unliveable } from './rewrite/instrument.js';
import { unmappedFunctions } from './rewrite/liveedit-diff.js';
import { wrapSite } from './wrap.js';

/** The global slot array live sites read; never replaced, so TurboFan may treat it as a constant. */
const SLOTS = LIVE_SLOTS;
const OWN_CODE = OWN_CODE_URL;

export interface LiveScript {
  scriptId: string;
  url: string;
  /** How a target names it: a path relative to the working directory, else its URL. */
  label: string;
  format: 'module' | 'script';
  /** The source map the script names (see ScriptInfo), for positions of its original source. */
  sourceMapURL?: string;
  original: string;
  fns: FunctionSite[];
  /** Function index → slot id, for the functions that have a site in the source V8 runs now. */
  patched: Map<number, number>;
  sites: Map<number, ProbeSite>;
  queue: Set<Request>;
  retry: Retry | null;
  /** The smallest pause budget of the probes that asked for its sites: the restore keeps to it. */
  maxPauseMs: number;
  /** It runs in a vm context of its own (ScriptInfo's): no live or breakpoint site works there. */
  ownContext: boolean;
}

interface Request {
  script: LiveScript;
  index: number;
  preference: SitePreference;
  fn: Function | null;
  attach: (site: ProbeSite) => void;
  note: (message: string | undefined) => void;
}

interface Retry {
  since: number;
  delay: number;
  /** Set from a promise job (core/job.ts): a patch may be asked for from an interrupt. */
  timer: ReturnType<typeof setTimeout> | undefined;
  why: string;
}

const scripts: Map<string, LiveScript> = new SafeMap<string, LiveScript>();
const dirty = new Set<LiveScript>();
let slots: (Snapshot | null)[] | null = null;
/** Why V8 will not edit scripts in this process (set by the first refusal), or null. */
let liveEditRefused: string | null = null;

/**
 * Why this process makes no live edit, or null when it may: V8 refused one (set by the first
 * refusal), or jsprobe makes none here (liveEditOffWhy: known before any edit, so a request
 * takes the way without one at once).
 */
export function noLiveEdit(): string | null {
  if (liveEditRefused !== null) return liveEditRefused;
  const off = liveEditOffWhy();
  if (off !== null) liveEditRefused = `no live edit: ${off}`;
  return liveEditRefused;
}

function retryBudgetMs(): number {
  const v = Number(process.env.JSPROBE_LIVE_RETRY_MS);
  return Number.isFinite(v) && v >= 0 ? v : 2000;
}

/** The globals patched code reads (rewrite/abi.ts): the runtime (the hot path), the slots, and the armed flag. */
function globals(): (Snapshot | null)[] {
  if (slots !== null) return slots;
  installRuntime();
  const g = globalThis as unknown as Record<string, unknown>;
  if (g[RUNTIME_GLOBAL] === undefined) defineOwn(globalThis, RUNTIME_GLOBAL, { value: runtime, configurable: true });
  if (g[SLOTS] === undefined) defineOwn(globalThis, SLOTS, { value: [], configurable: true });
  slots = g[SLOTS] as (Snapshot | null)[];
  return slots;
}

function newSlot(): number {
  const s = globals();
  s.push(null);
  return s.length - 1;
}

export function labelOf(url: string): string {
  if (!url.startsWith('file:')) return url;
  const path = fileURLToPath(url);
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

export function scriptPath(info: ScriptInfo): string {
  return info.url.startsWith('file:') ? fileURLToPath(info.url) : info.url;
}

/** The script with id `scriptId`, read and parsed once. Call inside withDebugger. */
export function liveScript(info: ScriptInfo): LiveScript {
  let s = scripts.get(info.scriptId);
  if (s !== undefined) return s;
  if (info.url.startsWith(OWN_CODE)) {
    throw new JsprobeError('JSPROBE_E_BLACKLISTED', `${labelOf(info.url)} is part of jsprobe and cannot be probed`);
  }
  if (info.url === '' || info.url.startsWith('node:')) {
    throw new JsprobeError('JSPROBE_E_SITE_UNAVAILABLE',
      `${info.url === '' ? 'an eval\'d script' : info.url} is Node's own code: live sites patch application scripts; use { object, key } for a wrap site`);
  }
  const { scriptSource } = post<{ scriptSource: string }>('Debugger.getScriptSource', { scriptId: info.scriptId });
  const format = info.isModule ? 'module' : 'script';
  let fns: FunctionSite[];
  try {
    fns = functionsIn(scriptSource, format, info.url);
  } catch (e) {
    throw new JsprobeError('JSPROBE_E_SITE_UNAVAILABLE', `${labelOf(info.url)} cannot be parsed for a live patch: ${(e as Error).message}`);
  }
  s = {
    scriptId: info.scriptId, url: info.url, label: labelOf(info.url), format, sourceMapURL: info.sourceMapURL, original: scriptSource, fns,
    patched: new SafeMap(), sites: new SafeMap(), queue: new SafeSet(), retry: null, maxPauseMs: Infinity, ownContext: info.ownContext === true,
  };
  scripts.set(info.scriptId, s);
  return s;
}

/** The function of `s` that V8's [[FunctionLocation]] (the start of its parameters) points into. */
function functionAt(s: LiveScript, line: number, column: number): number {
  const offset = (lineStarts(s.original)[line] ?? 0) + column;
  let best = -1;
  s.fns.forEach((f, i) => {
    if (f.start <= offset && offset <= f.body.start && (best < 0 || f.start >= s.fns[best].start)) best = i;
  });
  return best;
}

export function functionLabel(s: LiveScript, index: number): string {
  return `${s.label}:${s.fns[index].name}`;
}

/**
 * The Debugger domain stays on from the first resolution of a register()/registerAll() call to
 * the end of its flush(): enabling it costs a garbage collection (~0.1 s on a 150 MB heap), once.
 */
let batch: (() => void) | null = null;

function holdForBatch(): void {
  if (batch !== null) return;
  batch = holdDebugger();
  // Released by flush(); and in any case before anything else runs, should registration throw first.
  // From a job of jsprobe's own, not the global queueMicrotask, which the program may have replaced.
  inJob(releaseBatch);
}

function releaseBatch(): void {
  const release = batch;
  batch = null;
  release?.();
}

/** A Function object's live site: where its code is, resolved now; patched at flush(). */
export function resolveFunction(fn: Function, preference: SitePreference, maxPauseMs = DEFAULT_MAX_PAUSE_MS): Resolution {
  holdForBatch();
  const found = withDebugger(() => {
    const loc = functionLocation(fn);
    const info = loc === null ? undefined : scriptInfo(loc.scriptId);
    if (loc === null || info === undefined) return null;
    const script = liveScript(info);
    return { script, index: functionAt(script, loc.line, loc.column) };
  });
  const name = fn.name === '' ? '(anonymous)' : fn.name;
  if (found === null || found.index < 0) {
    throw new JsprobeError('JSPROBE_E_SITE_UNAVAILABLE',
      `function ${name} has no source to patch (a built-in or bound function); probe the property that holds it with { object, key } for a wrap site`);
  }
  if (found.script.ownContext) {
    throw new JsprobeError('JSPROBE_E_SITE_UNAVAILABLE',
      `function ${name} ${OWN_CONTEXT}; probe the property that holds it with { object, key } for a wrap site`);
  }
  return resolution([{ script: found.script, index: found.index }], functionLabel(found.script, found.index), preference, fn, maxPauseMs);
}

/**
 * Why a script in a vm context of its own gets no live or breakpoint site: a live patch's code and a
 * breakpoint's condition call jsprobe's global, which is on the main context's global object only;
 * there the call throws, V8 takes a condition that throws for false, and the site would count
 * nothing, with nothing said.
 */
export const OWN_CONTEXT = 'runs in a node:vm context of its own (as jest runs the modules a test loads), '
  + 'where the code of a live or breakpoint site cannot reach jsprobe and would see no call';

/** Functions of loaded scripts whose name (or an alias) `name` accepts. Call inside withDebugger. */
export function functionsNamed(list: LiveScript[], name: RegExp): { script: LiveScript; index: number }[] {
  return list.flatMap((script) => script.fns.flatMap((f, index) => (name.test(f.name) || f.aliases.some((a) => name.test(a)) ? [{ script, index }] : [])));
}

/** Loaded scripts whose path (or URL) `test` accepts. Call inside withDebugger. */
export function loadedScripts(test: (path: string) => boolean): LiveScript[] {
  holdForBatch();
  const out: LiveScript[] = [];
  // After a LiveEdit the Debugger domain also reports the old text, under a new id and the same
  // URL, unflagged: a script we edited stands for its URL from then on.
  const edited = new Map<string, number>();
  for (const s of scripts.values()) edited.set(s.url, Math.min(Number(s.scriptId), edited.get(s.url) ?? Infinity));
  for (const info of knownScripts()) {
    if (info.url === '' || info.url.startsWith('node:') || info.url.startsWith(OWN_CODE)) continue;
    const first = edited.get(info.url);
    if (first !== undefined && Number(info.scriptId) > first && !scripts.has(info.scriptId)) continue;
    if (test(scriptPath(info))) out.push(liveScript(info));
  }
  return out;
}

/** Who compiled a compiledTs() script, said where its output is why a function cannot be patched. */
const TS_LOADER = 'tsx (or another TypeScript loader)';

/**
 * A .ts file that runs as a loader's output: tsx, and the like, name the original in an inline
 * source map; Node's own type stripping keeps every position and names none. Its shape (one line,
 * a closing brace right after the last statement) is the loader's, not the user's: said as such.
 */
function compiledTs(s: LiveScript): boolean {
  return regExpTest(/\.[cm]?tsx?$/, s.url) && s.sourceMapURL !== undefined && StringPrototypeStartsWith(s.sourceMapURL, 'data:');
}

/**
 * The resolution for functions of loaded scripts: their sites if they have them already, or a
 * request that flush() carries out (and, while V8 refuses, retries).
 */
export function resolution(
  targets: { script: LiveScript; index: number }[], label: string, preference: SitePreference, fn: Function | null = null,
  maxPauseMs = DEFAULT_MAX_PAUSE_MS,
): Resolution {
  if (chooseSiteKind(preference, { shape: 'loaded', liveable: true }) === 'breakpoint') {
    return { sites: targets.map((t) => breakpointSite(t.script, t.index, 'site \'breakpoint\' was asked for')), label, kind: 'breakpoint' };
  }
  // Functions LiveEdit cannot patch in place (see liveable) get breakpoint sites under 'auto'; where
  // this process makes no live edit at all, any function gets what it would get over the budget (a
  // wrap site where a property holds it), whatever the heap: see withoutEdit.
  const fixed: ProbeSite[] = [];
  const refused = noLiveEdit();
  const unfit = targets.filter((t) => (refused !== null ? !t.script.patched.has(t.index) : !liveable(t.script.original, t.script.fns[t.index])));
  if (unfit.length > 0) {
    const what = `${functionLabel(unfit[0].script, unfit[0].index)}${unfit.length > 1 ? ` and ${unfit.length - 1} more` : ''}`;
    const reason = refused ?? unliveable(unfit[0].script.original, unfit[0].script.fns[unfit[0].index]);
    const loader = refused === null && compiledTs(unfit[0].script) ? `it runs as ${TS_LOADER} compiled it: ` : '';
    const why = `${what} cannot be patched in place: ${loader}${reason}`;
    if (!fallsBack(preference)) {
      throw new JsprobeError('JSPROBE_E_SITE_UNAVAILABLE', `${why}; use site 'auto' or 'breakpoint' for a breakpoint site, or a load site`);
    }
    for (const t of unfit) fixed.push(refused !== null ? withoutEdit(t.script, t.index, fn, why).site : fallbackSite(t.script, t.index, fn, why));
    targets = targets.filter((t) => !unfit.includes(t));
  }
  const passed = overBudget(targets, preference, fn, maxPauseMs);
  fixed.push(...passed);
  if (passed.length > 0) targets = [];
  for (const t of targets) t.script.maxPauseMs = Math.min(t.script.maxPauseMs, maxPauseMs);
  const ready = targets.map((t) => (t.script.patched.has(t.index) ? t.script.sites.get(t.index) : undefined));
  if (ready.every((s) => s !== undefined)) return { sites: [...fixed, ...(ready as ProbeSite[])], label, kind: targets.length > 0 ? 'live' : 'breakpoint' };
  return {
    sites: fixed,
    label,
    kind: 'live',
    watch: (attach, note) => {
      const mine = targets.map((t) => ({ script: t.script, index: t.index, preference, fn, attach, note }) satisfies Request);
      for (const r of mine) {
        r.script.queue.add(r);
        dirty.add(r.script);
      }
      // By index, on the script's safe set: under -p this runs at the detach, long after the program's first line.
      return () => {
        for (let i = 0; i < mine.length; i++) mine[i].script.queue.delete(mine[i]);
      };
    },
  };
}

/**
 * The functions that need an edit, when the edit's predicted stall is over `maxPauseMs`: a wrap
 * site where a property holds the function, else a breakpoint site (under 'auto'; 'live' fails).
 * None when every function has its site already or the edit fits.
 */
function overBudget(
  targets: { script: LiveScript; index: number }[], preference: SitePreference, fn: Function | null, maxPauseMs: number,
): ProbeSite[] {
  if (targets.every((t) => t.script.patched.has(t.index))) return [];
  const now = livePatchNow(maxPauseMs);
  if (now.fits) return [];
  const why = overBudgetWhy(now, maxPauseMs);
  if (preference === 'live') {
    throw new JsprobeError('JSPROBE_E_MAX_PAUSE',
      `${why}; raise --max-pause (maxPauseMs) above ~${Math.ceil(now.pauseMs)}, or use site 'auto' for wrap or breakpoint sites`);
  }
  const out: ProbeSite[] = [];
  const wraps: string[] = [];
  const breakpoints: string[] = [];
  for (const t of targets) {
    const { site, kind } = withoutEdit(t.script, t.index, fn, why);
    (kind === 'wrap' ? wraps : breakpoints).push(`${t.script.scriptId}:${t.index}`);
    out.push(site);
  }
  passOver('wrap', wraps, now, maxPauseMs);
  passOver('breakpoint', breakpoints, now, maxPauseMs);
  return out;
}

/**
 * The site function `index` of `s` gets without a live patch (`why`: over the budget, or no live
 * edit in this process), under 'auto': a wrap site where a property holds the function, else a
 * breakpoint site. One rule for both, so that a one-liner gets the same site on any heap: with
 * live edits off, a small heap once gave a breakpoint site (no retval, no async returns) and a
 * large one a wrap site. The wrap site's note says which calls it does not see.
 */
function withoutEdit(s: LiveScript, index: number, fn: Function | null, why: string): { site: ProbeSite; kind: 'wrap' | 'breakpoint' } {
  const holder = holderOf(s, index, fn);
  if (holder !== null) {
    try {
      const site = wrapSite(holder.object, holder.key, { label: functionLabel(s, index) });
      site.note = `${why}, so it is ${wrapSees(holder.path)}`;
      return { site, kind: 'wrap' };
    } catch {
      // a read-only property: a breakpoint site
    }
  }
  return { site: fallbackSite(s, index, fn, `${why}, so it is a breakpoint site`), kind: 'breakpoint' };
}

/** Breakpoint sites given instead of a live patch, with their functions: see exportTargetOf. */
const fallbacks = new SafeWeakMap<ProbeSite, { script: LiveScript; index: number; fn: Function | null }>();

/** A breakpoint site for function `index` of `s` (the Function object `fn`, when the target is one) instead of a live patch. */
function fallbackSite(s: LiveScript, index: number, fn: Function | null, note: string): ProbeSite {
  const site = breakpointSite(s, index, note);
  fallbacks.set(site, { script: s, index, fn });
  return site;
}

/**
 * The `module#export` target of the function of breakpoint site `site`, where a property of its
 * module's exports holds it (a wrap site there sees its returns): said to an fnret probe that a
 * breakpoint site cannot serve. Undefined where none holds it.
 */
export function exportTargetOf(site: ProbeSite): { target: string; path: string } | undefined {
  const at = fallbacks.get(site);
  if (at === undefined) return undefined;
  const holder = holderOf(at.script, at.index, at.fn);
  const root = 'module.exports.';
  if (holder === null || !StringPrototypeStartsWith(holder.path, root)) return undefined;
  // As the target's own require would resolve it, from its working directory (labelOf's base).
  const label = at.script.label;
  const module = StringPrototypeStartsWith(label, '/') ? label : `./${label}`;
  return { target: `${module}#${StringPrototypeSlice(holder.path, root.length)}`, path: holder.path };
}

/** A property that holds function `index` of `s` (the Function object `fn`, when the target is one). */
function holderOf(s: LiveScript, index: number, fn: Function | null): Holder | null {
  if (s.format !== 'script' || !s.url.startsWith('file:')) return null;
  const name = s.fns[index].name;
  const own = StringPrototypeSlice(name, StringPrototypeLastIndexOf(name, '.') + 1);
  return findHolder(scriptPath({ scriptId: s.scriptId, url: s.url, isModule: false }), own, (candidate) => {
    if (fn !== null) return candidate === fn;
    const loc = functionLocation(candidate);
    return loc !== null && loc.scriptId === s.scriptId && functionAt(s, loc.line, loc.column) === index;
  });
}

/** Whether a function LiveEdit cannot patch gets a breakpoint site instead (site-kind.ts decides). */
function fallsBack(preference: SitePreference): boolean {
  return chooseSiteKind(preference, { shape: 'loaded', liveable: false }) === 'breakpoint';
}

/** Carry out the queued patches: one edit per script. Runs at the end of register()/registerAll(). */
export function flush(): void {
  const todo = [...dirty];
  dirty.clear();
  try {
    for (const s of todo) if (s.retry === null) patch(s, false);
  } finally {
    releaseBatch();
  }
}

function siteFor(s: LiveScript, index: number): ProbeSite {
  let site = s.sites.get(index);
  if (site !== undefined) return site;
  const fn = s.fns[index];
  const id = s.patched.get(index)!;
  site = new ProbeSite(
    { kind: 'live', target: functionLabel(s, index), func: fn.name, setLive, detach: () => release(s, index) },
    { slots: globals(), index: id, deferred: fn.async || fn.generator },
  );
  s.sites.set(index, site);
  return site;
}

type EditStatus = 'Ok' | 'BlockedByActiveFunction' | 'BlockedByActiveGenerator' | 'CompileError' | string;

function setSource(s: LiveScript, code: string): { status: EditStatus; text?: string } {
  const off = liveEditOffWhy();
  if (off !== null) return { status: 'Off', text: off };
  let r: { status?: string; exceptionDetails?: { text: string; lineNumber: number; columnNumber: number } };
  try {
    r = post('Debugger.setScriptSource', { scriptId: s.scriptId, scriptSource: code });
  } catch (e) {
    // An error rather than a status: V8 does no LiveEdit at all (V8 14 without its flag answers
    // "setScriptSource functionality no longer available").
    return { status: 'Unavailable', text: (e as Error).message };
  }
  const d = r.exceptionDetails;
  const status = r.status ?? (d !== undefined ? 'CompileError' : 'Ok');
  return { status, text: d === undefined ? undefined : `${d.text} at ${d.lineNumber + 1}:${d.columnNumber + 1}` };
}

function blockedWhy(status: EditStatus): string {
  return status === 'BlockedByActiveGenerator'
    ? 'a function it changes has calls suspended at an await or yield'
    : 'a function it changes is running (on the stack)';
}

/**
 * Edit `s` so that every queued request has its site, and functions that lost their probes lose
 * theirs when an edit is made anyway; with nothing left, the original source goes back.
 * `retrying`: not inside a register() call, so failures go to the probes' notes (and the return
 * value) rather than being thrown.
 */
function patch(s: LiveScript, retrying: boolean): string | undefined {
  const queued = [...s.queue];
  const asked = new Set(queued.map((r) => r.index));
  const target = new Map([...s.patched].filter(([i]) => s.sites.has(i) || asked.has(i)));
  for (const i of asked) if (!target.has(i)) target.set(i, newSlot());
  const restore = target.size === 0 && s.patched.size > 0;
  if (restore) {
    const now = livePatchNow(s.maxPauseMs);
    if (!now.fits) return `${s.label}: putting its source back would pause the process ~${Math.round(now.pauseMs)} ms (heap ${Math.round(now.heapMb)} MB), ` +
      `over the pause budget of ${s.maxPauseMs} ms; its probe sites stay in place, disarmed`;
  }
  if (!restore && queued.every((r) => s.patched.has(r.index))) {
    stopRetry(s);
    done(s, queued);
    return undefined;
  }
  // Usually one edit; more when LiveEdit would not map every function of one (see nextStep).
  const failure = withDebugger(() => {
    const outcome = edit(s, target, queued);
    // An edit drops the script's breakpoints (and may move their functions): set them again.
    // Only after one that V8 took: over breakpoints still in place they would fire twice.
    if (outcome.applied) rearmBreakpoints(s.scriptId);
    return outcome.failure;
  });
  if (failure === null) {
    stopRetry(s);
    const placed = queued.filter((r) => s.patched.has(r.index));
    done(s, placed);
    const left = queued.filter((r) => !s.patched.has(r.index));
    if (left.length > 0) unpatchable(s, left, retrying);
    if (restore && s.patched.size > 0) return `${s.label}: ${s.patched.size} function(s) could not be put back by LiveEdit; their sites stay, disarmed`;
    return undefined;
  }
  if (failure.status === 'BlockedByActiveFunction' || failure.status === 'BlockedByActiveGenerator') {
    return blocked(s, failure.status, restore);
  }
  if (failure.status === 'Unavailable' || failure.status === 'Off') return unavailable(s, queued, failure, restore, retrying);
  const message = failure.status === 'CompileError'
    ? `jsprobe's live patch of ${s.label} does not compile (${failure.text ?? 'no detail'}): a bug in jsprobe, please report it`
    : `the live patch of ${s.label} did not take effect: ${failure.text ?? failure.status}`;
  stopRetry(s);
  if (!retrying) throw new JsprobeError('JSPROBE_E_LIVE_EDIT', message);
  for (const r of queued) r.note(`${message}; the probe is not armed`);
  s.queue.clear();
  return message;
}

/** Edit `s` step by step towards `target`: `failure` is the edit that failed; `applied`, whether V8 took any. */
function edit(
  s: LiveScript, target: Map<number, number>, queued: readonly Request[],
): { failure: { status: EditStatus; text?: string } | null; applied: boolean } {
  let applied = false;
  while (!sameMap(s.patched, target)) {
    const step = nextStep(s, target);
    if (sameMap(step, s.patched)) return { failure: null, applied };
    const before = codeFor(s, s.patched);
    const code = codeFor(s, step);
    const r = setSource(s, code);
    if (r.status !== 'Ok') return { failure: r, applied };
    applied = true;
    const { scriptSource } = post<{ scriptSource: string }>('Debugger.getScriptSource', { scriptId: s.scriptId });
    if (scriptSource !== code) return { failure: { status: 'NotApplied', text: 'V8 answered Ok, but the script does not read back as sent' }, applied };
    // A Function target shows whether its code changed: where the prediction was wrong (it was,
    // once, under a CPU profiler), take the edit back and go on without that function.
    const missed = queued.filter((q) =>
      q.fn !== null && step.has(q.index) && !Function.prototype.toString.call(q.fn).includes(`(${SLOTS},${step.get(q.index)},`));
    if (missed.length > 0) {
      setSource(s, before);
      for (const q of missed) target.delete(q.index);
      continue;
    }
    s.patched = step;
  }
  return { failure: null, applied };
}

function sameMap(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

function codeFor(s: LiveScript, map: ReadonlyMap<number, number>): string {
  return map.size === 0 ? s.original : instrumentLive(s.original, s.fns, SLOTS, map);
}

/**
 * The next edit from what V8 runs now toward `target`: all of it, less the functions LiveEdit
 * would leave unpatched (liveedit-diff.ts predicts which); those wait for a later edit, when
 * their neighbours no longer change with them. Equal to s.patched when nothing can move.
 */
function nextStep(s: LiveScript, target: ReadonlyMap<number, number>): Map<number, number> {
  const current = s.patched;
  const currentCode = codeFor(s, current);
  const currentFns = current.size === 0 ? s.fns : functionsIn(currentCode, s.format, s.url);
  const step = new Map(target);
  for (;;) {
    const code = codeFor(s, step);
    const lost = unmappedFunctions(currentCode, currentFns, code, functionsIn(code, s.format, s.url));
    const bad = [...lost].filter((i) => step.get(i) !== current.get(i));
    if (bad.length === 0) return step;
    for (const i of bad) {
      const was = current.get(i);
      if (was === undefined) step.delete(i);
      else step.set(i, was);
    }
  }
}

/** Requests whose function LiveEdit would not patch in any edit: a breakpoint site under 'auto'. */
function unpatchable(s: LiveScript, left: Request[], retrying: boolean): void {
  const more = left.length > 1 ? ` and ${left.length - 1} more` : '';
  fallBack(s, left, `LiveEdit would leave ${functionLabel(s, left[0].index)}${more} unpatched (V8's diff cannot tell its text from its neighbours')`, retrying);
}

/** V8 makes no live edits in this process: these requests, and every later one, go without. */
function unavailable(s: LiveScript, queued: Request[], failure: { status: EditStatus; text?: string }, restoring: boolean, retrying: boolean): string {
  const text = failure.text ?? 'no detail';
  // 'Off': jsprobe's own choice (liveEditOffWhy), not V8's refusal.
  liveEditRefused = failure.status === 'Off' ? `no live edit: ${text}` : `V8 refused the live edit (${text})`;
  stopRetry(s);
  if (restoring) return `${s.label}: ${liveEditRefused}; its probe sites stay in place, disarmed`;
  fallBack(s, queued, liveEditRefused, retrying, true);
  return liveEditRefused;
}

/**
 * Requests that get no live site: under 'auto' a breakpoint site (`noEdits`: V8 makes no live edit
 * in this process, so as for any later request, a wrap site where a property holds the function),
 * else an error (or a note, when retrying).
 */
function fallBack(s: LiveScript, left: Request[], why: string, retrying: boolean, noEdits = false): void {
  const strict = left.filter((r) => !fallsBack(r.preference));
  if (strict.length > 0 && !retrying) throw new JsprobeError('JSPROBE_E_SITE_UNAVAILABLE', `${why}; use site 'auto' or 'breakpoint' for a breakpoint site`);
  for (const r of left) {
    s.queue.delete(r);
    if (!fallsBack(r.preference)) r.note(`${why}; the probe is not armed`);
    else {
      r.note(undefined);
      r.attach(noEdits ? withoutEdit(s, r.index, r.fn, why).site : fallbackSite(s, r.index, r.fn, `${why}, so it is a breakpoint site`));
    }
  }
}

function done(s: LiveScript, queued: Request[]): void {
  for (const r of queued) {
    s.queue.delete(r);
    r.note(undefined);
    r.attach(siteFor(s, r.index));
  }
}

function blocked(s: LiveScript, status: EditStatus, restoring: boolean): string {
  const budget = retryBudgetMs();
  const t = now();
  const r: Retry = s.retry ?? { since: t, delay: 5, timer: undefined, why: '' };
  r.why = blockedWhy(status);
  s.retry = r;
  const what = restoring ? `restoring ${s.label}` : `live patch of ${s.label}`;
  if (t - r.since >= budget) {
    const why = `${what} refused for ${Math.round((t - r.since) / 100) / 10} s: ${r.why}`;
    giveUp(s, why, restoring);
    return why;
  }
  const why = `${what} refused for now (${r.why}); retrying for up to ${budget / 1000} s`;
  for (const q of s.queue) q.note(why);
  // The timer from a job: this may run as an interrupt (`-p` attaching to a busy thread), inside
  // Node's own timer code, where inserting a timer corrupts its lists.
  const delay = r.delay;
  inJob(() => {
    if (s.retry !== r || r.timer !== undefined) return;
    r.timer = setTimeoutSafe(() => {
      r.timer = undefined;
      patch(s, true);
    }, delay);
    // A retry alone does not keep the program alive; someone awaiting liveSettled() does.
    if (waiters.length === 0) r.timer.unref?.();
  });
  r.delay = Math.min(r.delay * 2, 250);
  return why;
}

function stopRetry(s: LiveScript): void {
  if (s.retry?.timer !== undefined) clearTimeoutSafe(s.retry.timer);
  s.retry = null;
  if (waiters.length > 0 && ![...scripts.values()].some((x) => x.retry !== null)) {
    for (const w of waiters.splice(0)) w();
  }
}

const waiters: (() => void)[] = [];

/** Whether a live patch is being retried: liveSettled() asked synchronously (a busy thread runs no promise jobs). */
export function liveRetrying(): boolean {
  for (const x of scripts.values()) if (x.retry !== null) return true;
  return false;
}

/** Resolves when no live patch is being retried: each has been made, or has fallen back. */
export function liveSettled(): Promise<void> {
  const retrying = [...scripts.values()].filter((x) => x.retry !== null);
  if (retrying.length === 0) return Promise.resolve();
  for (const x of retrying) x.retry?.timer?.ref?.();
  return new Promise((resolve) => waiters.push(resolve));
}

/** The edit stayed refused: 'auto' probes get breakpoint sites, 'live' ones stay unarmed. */
function giveUp(s: LiveScript, why: string, restoring: boolean): void {
  stopRetry(s);
  if (restoring) process.stderr.write(`jsprobe: ${why}; its probe sites stay in place, disarmed\n`);
  for (const r of [...s.queue]) {
    s.queue.delete(r);
    if (!fallsBack(r.preference)) {
      r.note(`${why}; the probe is not armed (site 'auto' would fall back to a breakpoint site)`);
      continue;
    }
    try {
      r.note(undefined);
      r.attach(fallbackSite(s, r.index, r.fn, `${why}, so it is a breakpoint site`));
    } catch (e) {
      r.note(`${why}; no breakpoint site either: ${(e as Error).message}`);
    }
  }
}

/** The last probe left the site of function `index`: when the script has no probes left, restore it. */
function release(s: LiveScript, index: number): string | undefined {
  s.sites.delete(index);
  if (s.sites.size > 0 || s.queue.size > 0 || s.retry !== null) return undefined;
  return patch(s, true);
}
