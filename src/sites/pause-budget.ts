// The pause budget (`maxPauseMs`, `--max-pause`): a LiveEdit walks the whole heap, stalling the
// thread, once to patch and once more to put the source back; a breakpoint site walks it too, to
// enable the Debugger domain and to set the breakpoint. This predicts each stall from the heap,
// chooses the site that fits (siteWithinBudget), and keeps what resolution chose instead of a live
// patch, for the one line a session prints about it. Not calibrated from the edits it makes: an edit's time also grows with
// the script (acorn's 200 methods in one edit) and with the machine's load, and a prediction
// learnt from that refused small patches and restores after it (tried: docs/live-sites.md).

import { MathRound, SafeString, StringPrototypeSlice } from '../core/primordials.js';
import { lazyBuiltin } from './builtin.js';

/** node:v8 at the first live or breakpoint site: loading it with the agent cost every traced process ~1.3 ms (Node 24). */
const nodeV8 = lazyBuiltin<typeof import('node:v8')>('node:v8');

/**
 * 100 ms: a stall a service's p99 shows, yet under what a user notices in one request. A live
 * patch fits under it up to ~16 MB of heap here; past that, sites that need no edit.
 */
export const DEFAULT_MAX_PAUSE_MS = 100;
/**
 * ms of LiveEdit per MB of used heap, by bench:arm on this project's machine (0.6-0.7 s at 100 MB, 5.4-5.7 s at 1 GB: 5.5-6.7 ms
 * a MB), rounded up. It was 0.6, a slip by ten, and every attach to a 100 MB service live-patched it for ~1 s (bench:attach:load).
 */
export const LIVE_EDIT_MS_PER_MB = 6;
/**
 * ms per MB of `Debugger.enable` in a thread whose domain is off: V8 lists the loaded scripts after
 * a full garbage collection (Debug::GetLoadedScripts). Measured by bench/heap-walks.cjs, a
 * standalone process holding bench:attach:load's heap of small objects (docs/benchmarks.md, "The
 * heap-sized steps of a breakpoint site"): 120-210 ms at 100 MB (1.2-2.1 ms a MB), 390-1,770 ms at
 * 1 GB (0.4-1.8), at load 8-10 on 2 cores; rounded up. A live patch's 6 ms a MB includes it.
 */
export const DEBUGGER_ENABLE_MS_PER_MB = 2;
/**
 * ms per MB of setting a breakpoint in a function that has none yet: V8 deoptimises it, a walk of
 * the heap for its closures, once per function. Same measurement: 34-234 ms at 100 MB (0.3-2.3 ms a
 * MB, the first one the highest), 500-1,330 ms at 1 GB (0.5-1.3).
 */
export const BREAKPOINT_MS_PER_MB = 1.5;

export interface PausePrediction {
  heapMb: number;
  /** The predicted stall of one edit, ms. */
  pauseMs: number;
}

/** The stall of one edit on a heap of `heapMb`, at `perMb` ms a MB. */
export function predictPause(heapMb: number, perMb = LIVE_EDIT_MS_PER_MB): PausePrediction {
  return { heapMb, pauseMs: heapMb * perMb };
}

/** This thread's heap in use, MB. */
export function usedHeapMb(): number {
  return nodeV8().getHeapStatistics().used_heap_size / 2 ** 20;
}

/** The live patch now, on this heap: does it fit `budgetMs`? */
export function livePatchNow(budgetMs: number): PausePrediction & { fits: boolean } {
  const p = predictPause(usedHeapMb());
  return { ...p, fits: p.pauseMs <= budgetMs };
}

/** Which kinds of site a target can have here, before any is chosen. */
export interface SiteOptions {
  /** A LiveEdit would be allowed (a function target, site 'auto' or 'live'). */
  live: boolean;
  /** A property holds every function, found without the inspector. */
  wrap: boolean;
  /** A breakpoint site would be allowed (site 'auto' or 'breakpoint'). */
  breakpoint: boolean;
  /** The Debugger domain is on already: no collection to enable it. */
  debuggerOn: boolean;
}

/** The site the budget allows, with its predicted stall; `kind: null`: none fits, and `pauseMs` is the least stall of those possible. */
export interface BudgetChoice {
  kind: 'live' | 'wrap' | 'breakpoint' | null;
  pauseMs: number;
}

/**
 * The site a target gets on a heap of `heapMb` within `budgetMs`: a live patch where it fits (it
 * sees every call and return), else a wrap site (no heap walk), else a breakpoint site where
 * enabling the Debugger and one breakpoint fit, else none. Pure: the caller measures the heap.
 */
export function siteWithinBudget(heapMb: number, budgetMs: number, can: SiteOptions): BudgetChoice {
  const live = predictPause(heapMb).pauseMs;
  const breakpoint = heapMb * ((can.debuggerOn ? 0 : DEBUGGER_ENABLE_MS_PER_MB) + BREAKPOINT_MS_PER_MB);
  if (can.live && live <= budgetMs) return { kind: 'live', pauseMs: live };
  if (can.wrap) return { kind: 'wrap', pauseMs: 0 };
  if (can.breakpoint && breakpoint <= budgetMs) return { kind: 'breakpoint', pauseMs: breakpoint };
  const least = Math.min(can.live ? live : Infinity, can.breakpoint ? breakpoint : Infinity);
  return { kind: null, pauseMs: least };
}

/**
 * Why a probe is not placed: no site it could have fits the budget. One line of the session's
 * (`jsprobe: LABEL: …`), naming the stall and the --max-pause that would allow it.
 */
export function notPlacedWhy(label: string, choice: BudgetChoice, heapMb: number, budgetMs: number): string {
  const need = Math.ceil(choice.pauseMs / 10) * 10;
  return `${label}: not attached: its site would pause this thread ~${number.format(choice.pauseMs)} ms (heap ${number.format(heapMb)} MB, ` +
    `walked to enable the Debugger and to set a breakpoint), over --max-pause ${number.format(budgetMs)} ms, and no property holds it for a wrap site; ` +
    `--max-pause ${need} allows it`;
}

interface Passed {
  prediction: PausePrediction;
  budgetMs: number;
  /** The functions given each kind of site, by a key of each: several probes on one function count it once. */
  wrap: Set<string>;
  breakpoint: Set<string>;
}

let passed: Passed | null = null;

/** Functions (`keys`, one for each) that get a `kind` site instead of a live patch over `budgetMs`: counted for the session's report. */
export function passOver(kind: 'wrap' | 'breakpoint', keys: readonly string[], prediction: PausePrediction, budgetMs: number): void {
  if (keys.length === 0) return;
  passed ??= { prediction, budgetMs, wrap: new Set(), breakpoint: new Set() };
  // The largest heap seen says the most about why.
  if (prediction.pauseMs > passed.prediction.pauseMs) passed.prediction = prediction;
  for (let i = 0; i < keys.length; i++) passed[kind].add(keys[i]);
}

/**
 * Whole numbers with thousands commas, by hand: an Intl.NumberFormat costs ~15 ms and ~7 MB of its data to make, and under
 * `-p` it was made on the target's main thread, at attach (a profile of bench:attach:load's target).
 */
const number = {
  format: (x: number): string => {
    const n = MathRound(x < 0 ? -x : x);
    if (n === Infinity) return x < 0 ? '-∞' : '∞';
    const s = SafeString(n);
    let out = StringPrototypeSlice(s, 0, s.length % 3 || 3);
    for (let i = s.length % 3 || 3; i < s.length; i += 3) out += `,${StringPrototypeSlice(s, i, i + 3)}`;
    return x < -0.5 ? `-${out}` : out;
  },
};

/** What a list() note says about one function passed over. */
export function overBudgetWhy(p: PausePrediction, budgetMs: number): string {
  return `a live patch would pause this thread ~${number.format(p.pauseMs)} ms (heap ${number.format(p.heapMb)} MB), ` +
    `over the pause budget of ${number.format(budgetMs)} ms (maxPauseMs, --max-pause)`;
}

/**
 * The line a session prints once, when some functions were passed over since the last call (then
 * forgotten), or undefined. `ceiling`: hits a second a breakpoint site handles. Only where live
 * edits are made: without them no function is passed over (live.ts's withoutEdit takes their
 * sites on any heap, each saying why in its note), and a higher budget would give no live patch.
 */
export function takePauseReport(pid: number, ceiling: number): string | undefined {
  const p = passed;
  passed = null;
  if (p === null) return undefined;
  const fns = (n: number): string => `${n} function${n === 1 ? '' : 's'}`;
  const sites = (n: number, kind: string): string => (n === 1 ? `a ${kind} site` : `${kind} sites`);
  const parts: string[] = [];
  const breakpoint = p.breakpoint.size;
  const wrap = p.wrap.size;
  if (breakpoint > 0) {
    const verb = breakpoint === 1 ? 'gets' : 'get';
    parts.push(`${fns(breakpoint)} ${verb} ${sites(breakpoint, 'breakpoint')} (at most ~${number.format(ceiling)} hits/s each)`);
  }
  if (wrap > 0) {
    parts.push(parts.length > 0 ? `${wrap} ${sites(wrap, 'wrap')}` : `${fns(wrap)} ${wrap === 1 ? 'gets' : 'get'} ${sites(wrap, 'wrap')}`);
  }
  return `jsprobe: the heap is ${number.format(p.prediction.heapMb)} MB, so a live patch would pause process ${pid} ` +
    `for ~${number.format(p.prediction.pauseMs)} ms, over --max-pause ${number.format(p.budgetMs)} ms: ${parts.join(' and ')}. ` +
    'Raise --max-pause to get live patches.\n';
}
