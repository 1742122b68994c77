// One run of a compiled program in this process: its probes registered, BEGIN run, intervals
// ticking; finish() runs END and prints the maps, once (or hands them over, for END to run where they
// are merged: end.ts). Used inside the traced program
// (cli/agent.ts, attach/remote.ts) and, for programs without probes, by the command itself.

import { disable, list, register, setFaultHandler, unregister, type FaultHandler, type Probe, type ProbeSpec } from '../index.js';
import type { CompiledProgram } from '../lang/compile.js';
import { ProgramError } from '../lang/errors.js';
import { mapsData, mergeAll, type MapData } from '../agg/maps.js';
import { errorText } from '../agg/safe-format.js';
import { stringifyJson } from '../agg/safe-json.js';
import { addCounts, cutsIn, DEFAULT_MAX_STRLEN, printCut, STRLEN, type StrCounts, withCutRecord } from '../agg/safe-strlen.js';
import { isJsprobeError, siteNotes, type ProbeSite } from '../core/index.js';
import { handlerUses } from '../core/handler-use.js';
import { wrapSees } from '../sites/breakpoint-advice.js';
import { LARGE_RETVAL, NO_RETURN_INSTEAD, PAUSES_FOR_RETVAL, SEES_NO_RETURN, SEES_NO_RETVAL } from '../sites/breakpoint.js';
import { instantiate, makeRuntime, printAll, strftime, type Runtime } from './runtime.js';
import { guard, type Guarded } from './end.js';
import { inFlight, keepArgs, printInFlight } from './in-flight.js';
import type { Output } from '../agg/print.js';
import {
  ArrayPrototypeJoin, clearIntervalSafe, hasKey, MapPrototypeGetSize, ownFields, SafeDate, SafeSet, setIntervalSafe, StringPrototypeIncludes,
} from '../core/primordials.js';
import { spanRecorder, withSpan } from './spans.js';
import { countingHandler } from './counting.js';
import { Profiler, type Sample } from './profile.js';
import type { Sender } from './messages.js';
import { breakpointCeiling } from '../sites/breakpoint.js';
import { reportMisses, sayRests } from './breakpoint-misses.js';
import type { SaidNotes } from './said-notes.js';
import { takePauseReport } from '../sites/pause-budget.js';
import { exportTargetOf, OWN_CONTEXT } from '../sites/live.js';
import { sealForCounting } from '../sites/load/wanted.js';
import { atOnce, inJob, type Later } from '../core/job.js';

export interface SessionOptions {
  format: 'text' | 'json' | 'folded';
  write(s: string): void;
  exit(): void;
  warn(s: string): void;
  /**
   * Attached to a running process (-p): the maps are handed over (maps()) to be merged across
   * threads and processes instead of printed here, and END runs where they are (end.ts); a worker
   * thread runs no BEGIN or intervals; a probe whose
   * target this thread does not have is skipped (another thread may have it) rather than an error.
   */
  attached?: 'main' | 'worker';
  /** Other threads' maps, merged into this one's when it finishes, before END runs. */
  gather?: () => readonly MapData[];
  /** Keys per map (--max-map-keys); past it, updates of new keys are dropped and counted. */
  maxMapKeys?: number;
  /** Characters a string keeps (--max-strlen); longer ones are cut and counted. */
  maxStrlen?: number;
  /** The pause budget of live patches, ms (--max-pause); the default is pause-budget.ts's. */
  maxPauseMs?: number;
  /**
   * `-c`: finish() neither runs END, nor prints the maps, nor warns of probes that never matched:
   * the command does all three, once it has every traced process's maps (cli/children.ts, end.ts).
   */
  handOver?: true;
  /** `tid` of this thread, when it cannot work it out itself (runtime.ts). */
  tid?: number;
  /** `--otlp`: where each call of an fnret probe goes as a span record; without it, none is made. */
  spans?: Sender;
  /**
   * Where what touches Node's own state (the intervals' timers) is done: `-p` starts and finishes
   * a session from what may be a V8 interrupt, and passes core/job.ts's inJob; by default, at once.
   */
  later?: Later;
  /**
   * `-c`: the program's probes are all this thread will ever have. Where every one only counts,
   * at entry or at returns, registration is sealed and the files they want are rewritten, as they
   * load, for counting alone (sites/load/wanted.ts, docs/hot-path.md).
   */
  fixed?: true;
}

/** A session whose output, warnings and exit() go out as messages to `to`. */
export function sessionOutput(to: Sender): Pick<SessionOptions, 'write' | 'warn' | 'exit'> {
  return {
    write: (text) => to.send({ t: 'out', text }),
    warn: (text) => to.send({ t: 'err', text }),
    exit: () => to.send({ t: 'exit' }),
  };
}

/**
 * `pending(ms)` lists the calls in flight of the session's probes in this thread; `detach()` takes
 * them off, and the traced program runs on untraced (END and the maps still come at its end).
 */
function inFlightCalls(rt: Runtime, out: Output, probes: Probe[]): void {
  rt.pending = (olderMs) => printInFlight(out, rt.str, inFlight(probes, olderMs), olderMs, strftime('%H:%M:%S', new SafeDate()));
  let detached = false;
  rt.detach = () => {
    if (detached) return;
    detached = true;
    void unregister(probes);
  };
}

/**
 * Every probe of `probes` that is still registered, disarmed. The program's detach() has
 * unregistered its probes, and disable() throws on one that has gone: thrown at a `-p` detach,
 * that lost the maps the target had read for the command.
 */
export function disableRegistered(probes: readonly Probe[]): void {
  // By index: at a detach the program may have replaced Array's iterator.
  for (let i = 0; i < probes.length; i++) if (probes[i].state !== 'gone') disable(probes[i]);
}

/**
 * Whether END runs in this thread. Where the maps are handed over (-c, -p), END runs once where
 * they are merged (end.ts), unless it calls pending(): the calls in flight are this thread's.
 */
function endsHere(program: CompiledProgram, options: SessionOptions): boolean {
  return (options.handOver === undefined && options.attached === undefined) || program.usesPending;
}

/**
 * The fault report of a session's probes: where its trace goes (jsprobe's stderr, also from an
 * attached process), never the program's own stderr. Not the API's default (index.ts), which
 * reads `error.stack` or String(error): either can run the traced program's code (its
 * Error.prepareStackTrace, a getter on the error's name). The formatter lives above index's layer.
 */
function faultReporter(warn: (s: string) => void): FaultHandler {
  return ({ probe, phase, error }) => warn(`jsprobe: ${probe.name}: ${phase} handler threw (reported once): ${errorText(error)}\n`);
}

export type Session = {
  probes: number;
  handles: Probe[];
  skipped: string[];
  /**
   * Of `skipped`, those whose reason this thread has said: no site could take them within the pause
   * budget (said once each, with the figures), or their code runs where no site of this kind works.
   */
  said: string[];
  finish(): void;
  maps(): MapData[];
  /** How many keys this thread's maps hold, without reading them (a backup's bound, cli/agent-session.ts). */
  keyCount(): number;
  /** Once live patches have settled: the texts of probes taken off as they could never run (see checkReturns). */
  settle(said: SaidNotes): string[];
} | { error: string };

interface ReturnProbe {
  handle: Probe;
  text: string;
  /** Its handler reads retval (or cannot be read: then it may). */
  retval: boolean;
}

/**
 * fnret probes on breakpoint sites (code that has loaded and that LiveEdit cannot patch: tsx's
 * output, minified code; every function on Node 24 and later), never silently wrong. One whose
 * every site is an async function's or a generator's breakpoint site would never run: it is taken
 * off, and its text returned. A pattern with some such sites runs for the others only, and one whose
 * handler reads retval, which a breakpoint site cannot see, is warned about. Each line says why.
 * One whose returns pause to give it retval is told what a large value costs there.
 */
function checkReturns(returning: readonly ReturnProbe[], warn: (s: string) => void, said: SaidNotes): ReturnProbe[] {
  if (returning.length === 0) return [];
  const infos = new Map(list().map((i) => [i.id, i]));
  const refused: ReturnProbe[] = [];
  for (const r of returning) {
    const info = infos.get(r.handle.id);
    if (info === undefined || !hasKey(info, 'note') || info.note === undefined || !info.site.split('+').includes('breakpoint')) continue;
    const fix = 'a restart with load sites (jsprobe -c, or node --import jsprobe/register) sees its returns';
    const sites = siteNotes(r.handle);
    const blind = sites.filter((s) => s.kind === 'breakpoint' && s.note !== undefined && s.note.includes(SEES_NO_RETURN));
    const instead = `${exportsInstead(blind.map((b) => b.site))}${NO_RETURN_INSTEAD[0].toUpperCase()}${NO_RETURN_INSTEAD.slice(1)}`;
    if (blind.length > 0 && blind.length === sites.length) {
      refused.push(r);
      void unregister(r.handle);
      // The whole first: a second probe of the same function gets one pointer, not two.
      const why = `${info.note}. ${instead}`;
      warn(`jsprobe: ${r.text}: not attached, as it would never run: ${said.say(r.text, why, [why, ...blind.map((b) => b.note), instead])}\n`);
    } else if (blind.length > 0) {
      const names = blind.slice(0, 3).map((s) => s.target).join(', ') + (blind.length > 3 ? `, and ${blind.length - 3} more` : '');
      const have = blind.length === 1 ? 'has a breakpoint site' : 'have breakpoint sites';
      warn(`jsprobe: ${r.text}: ${blind.length} of its ${sites.length} functions (${names}) ${have}, where ${SEES_NO_RETURN}: `
        + `it runs for the others only. ${instead}\n`);
    } else if (r.retval && (info.note.includes(SEES_NO_RETVAL) || info.note.includes(SEES_NO_RETURN))) {
      warn(`jsprobe: ${r.text}: retval reads as undefined here: ${info.note}; ${fix}\n`);
    } else if (r.retval && info.note.includes(PAUSES_FOR_RETVAL)) {
      warn(`jsprobe: ${r.text}: ${LARGE_RETVAL}\n`);
    }
  }
  return refused;
}

/**
 * The `fnret:module#export` targets that would see the returns of these breakpoint sites'
 * functions (a property of their module's exports holds each), as the first thing to try: the
 * general advice names the form alone.
 */
function exportsInstead(blind: readonly ProbeSite[]): string {
  const forms: string[] = [];
  for (let i = 0; i < blind.length && forms.length < 3; i++) {
    const form = exportTargetOf(blind[i]);
    if (form !== undefined) forms[forms.length] = `fnret:${form.target} sees its returns: it gets ${wrapSees(form.path)}`;
  }
  return forms.length === 0 ? '' : `${ArrayPrototypeJoin(forms, '; ')}. `;
}

export function start(program: CompiledProgram, given: SessionOptions): Session {
  // Its own fields: an option left out is not Object.prototype's (a -p session starts after the program).
  const options = ownFields(given);
  const out = {
    format: options.format,
    text: (s: string) => options.write(s),
    json: (o: object) => options.write(`${stringifyJson(o)}\n`),
  };
  setFaultHandler(faultReporter(options.warn));
  let exiting = false;
  const rt = makeRuntime(program, out, () => {
    if (exiting) return;
    exiting = true;
    options.exit();
  }, { maxMapKeys: options.maxMapKeys, maxStrlen: options.maxStrlen, warn: options.warn, tid: options.tid });
  const spans = options.spans === undefined ? null : spanRecorder(rt, options.spans, program.usesCtx);
  if (spans !== null) rt.span = spans.span;
  const probes: Probe[] = [];
  const skipped: string[] = [];
  const said: string[] = [];
  const saidOverBudget = new Set<string>();
  // fn and fnret of one target (a verb's pair) are refused with one message: it is said once.
  const saidApart = new SafeSet<string>();
  const returning: ReturnProbe[] = [];
  inFlightCalls(rt, out, probes);
  for (let i = 0; i < program.probes.length; i++) {
    const c = program.probes[i];
    const spanned = options.spans !== undefined && c.probe.kind === 'fnret';
    const handler = instantiate(rt, spanned ? withSpan(c.source, i, c.probe.target) : c.source);
    if (!spanned) countingHandler(rt, c, handler);
    const spec: ProbeSpec = { target: c.probe.target, name: c.probe.text, maxPauseMs: options.maxPauseMs };
    if (c.probe.kind === 'fnret') spec.onReturn = handler;
    else spec.onEntry = handler as ProbeSpec['onEntry'];
    // pending() lists a call with its arguments: its return probe keeps them from the entry.
    if (c.probe.kind === 'fnret' && program.usesPending) spec.onEntry = keepArgs;
    try {
      const handle = register(spec);
      probes.push(handle);
      if (spec.onReturn !== undefined) {
        const uses = handlerUses(spec.onReturn);
        returning.push({ handle, text: c.probe.text, retval: uses.has('retval') || uses.has('all') });
      }
    } catch (e) {
      // Attached to a service, one probe over the budget leaves the others to attach.
      if (options.attached !== undefined && isJsprobeError(e, 'JSPROBE_E_MAX_PAUSE')) {
        // Said once for a target, however many of the program's probes are on it.
        if (!saidOverBudget.has(c.probe.target)) options.warn(`jsprobe: ${(e as Error).message}\n`);
        saidOverBudget.add(c.probe.target);
        skipped.push(c.probe.text);
        said.push(c.probe.text);
        continue;
      }
      if (options.attached !== undefined && (isJsprobeError(e, 'JSPROBE_E_SITE_UNAVAILABLE') || isJsprobeError(e, 'JSPROBE_E_TARGET_NOT_FOUND'))) {
        skipped.push(c.probe.text);
        // Found, and refused for where its code runs: said, where "matches nothing loaded" would be untrue.
        if (StringPrototypeIncludes((e as Error).message, OWN_CONTEXT)) {
          if (!saidApart.has((e as Error).message)) options.warn(`jsprobe: ${(e as Error).message}\n`);
          saidApart.add((e as Error).message);
          said.push(c.probe.text);
        }
        continue;
      }
      void unregister(probes);
      return { error: new ProgramError(program.source, c.probe.at, (e as Error).message).report };
    }
  }
  sayRests(options.warn);
  if (options.fixed === true) sealForCounting('this thread is traced by jsprobe -c for counting alone: its probes are fixed, and no other can be registered');
  // Once per session: which functions went without a live patch, and why (the sites' notes say it per probe).
  const passed = takePauseReport(process.pid, breakpointCeiling());
  if (passed !== undefined) options.warn(passed);
  const worker = options.attached === 'worker';
  const blocks: Guarded[] = [];
  const guarded = (name: string, source: string): Guarded => {
    const g = guard(name, instantiate(rt, source), options.warn);
    blocks.push(g);
    return g;
  };
  // profile:hz:N samples every thread; a slice's samples run the handlers before an interval reads the maps.
  const profiler = program.profiles.length === 0 ? null : new Profiler(program.profiles.map((c) => ({
    text: c.probe.text, hz: c.probe.hz ?? 0, handler: instantiate(rt, c.source) as (s: Sample) => void,
  })), options.warn);
  const later = options.later ?? atOnce;
  let finished = false;
  const ticks = (worker ? [] : program.intervals).map((c) => {
    const tick = guarded(c.probe.text, c.source);
    // Not once finished, though its timer may still be there until `later` has run.
    return { periodMs: c.probe.periodMs, run: profiler === null ? () => void (finished || tick.run()) : () => {
      if (finished) return;
      profiler.slice();
      tick.run();
    } };
  });
  const timers: ReturnType<typeof setInterval>[] = [];
  if (ticks.length > 0) {
    later(() => {
      // Finished before this ran (attached and detached inside one busy stretch): no timer at all.
      if (finished) return;
      // By index: under -p this runs long after the program's first line, which may have replaced Array's methods.
      for (let i = 0; i < ticks.length; i++) timers[i] = setIntervalSafe(ticks[i].run, ticks[i].periodMs).unref();
    });
  }
  if (!worker) for (const c of program.begin) guarded('BEGIN', c.source).run();
  const ends = (worker || !endsHere(program, options) ? [] : program.end).map((c) => guarded('END', c.source));
  return {
    probes: probes.length + program.profiles.length,
    handles: probes,
    skipped,
    said,
    // The cut count travels with the maps, to be summed where they are merged.
    maps: () => {
      // A worker's snapshot (every second, and the last one) carries its samples so far.
      profiler?.slice();
      return withCutRecord(mapsData(rt.maps));
    },
    keyCount: () => {
      let n = 0;
      for (let i = 0; i < rt.maps.length; i++) n += MapPrototypeGetSize(rt.maps[i].entries);
      return n;
    },
    settle: (said) => {
      const refused = checkReturns(options.attached !== undefined ? returning : [], options.warn, said);
      for (const r of refused) probes.splice(probes.indexOf(r.handle), 1);
      return refused.map((r) => r.text);
    },
    finish: () => {
      if (finished) return;
      finished = true;
      // From a job always, whatever `later` is: a busy program's Ctrl-C ends the session from an
      // interrupt under -c too (cli/agent-session.ts). At exit the job never runs, and need not.
      // Loops by index: at exit the program may have replaced Array's iterator.
      inJob(() => {
        for (let i = 0; i < timers.length; i++) clearIntervalSafe(timers[i]);
      });
      profiler?.stop(options.warn);
      // The last calls' spans go before the maps.
      spans?.flush();
      let othersCut: StrCounts = { cut: 0, unread: 0 };
      if (options.gather !== undefined) {
        const gathered = options.gather();
        mergeAll(rt.maps, gathered);
        othersCut = cutsIn(gathered);
      }
      for (let i = 0; i < ends.length; i++) ends[i].run();
      rt.close();
      if (options.attached === undefined && options.handOver === undefined) {
        printAll(rt);
        printCut(out, addCounts(othersCut, STRLEN), options.maxStrlen ?? DEFAULT_MAX_STRLEN);
      }
      reportMisses(probes, options.warn);
      for (let i = 0; i < blocks.length; i++) {
        const b = blocks[i];
        if (b.faults > 1) options.warn(`jsprobe: ${b.name} threw ${b.faults} times in all\n`);
      }
      // list() only when there is something to say: at exit the program's built-ins may be replaced.
      let waiting = false;
      if (options.handOver === undefined) for (let i = 0; i < probes.length; i++) if (probes[i].state === 'waiting') waiting = true;
      if (waiting) {
        const mine = new SafeSet<number>();
        for (let i = 0; i < probes.length; i++) mine.add(probes[i].id);
        const all = list();
        for (let i = 0; i < all.length; i++) {
          const p = all[i];
          if (mine.has(p.id) && p.state === 'waiting') {
            options.warn(`jsprobe: ${p.name} never matched a function that ran${hasKey(p, 'note') && p.note !== undefined ? ` (${p.note})` : ''}\n`);
          }
        }
      }
    },
  };
}
