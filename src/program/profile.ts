// profile:hz:N: this thread's stack, sampled N times a second by V8's CPU profiler through an
// inspector session of the thread's own. V8's sampler runs on a thread of its own and hands the
// samples over only when a profile stops, so sampling runs in slices: a slice ends when its
// samples are needed (an interval probe, END, a worker's map snapshot, the tick: about once a
// second, profile-tick.ts), and every sample of it runs the probe's handler.
//
// The profiler itself never stops between slices: the next slice's profile starts before the last
// one stops. V8 names the code a profile's samples land in from a code map that lives as long as
// the profiler runs; when the profiler starts it fills the map from the functions that exist, and
// code that a loop entered through on-stack replacement (OSR) hangs off no function, so a profiler
// started while such a loop runs cannot name it, and charges the loop's samples to its caller.
// Kept running, the profiler names in every slice the OSR code compiled since it started (code
// compiled before, a loop already running at -p's attach, stays unnamed as in any V8 profile). The inspector's Profiler.start takes one
// profile per session, so the slices are console profiles (V8's console.profile(title), which
// each session with the Profiler domain on starts as a profile of its own): two titles overlap for
// a moment at each slice's end. docs/cli.md ("Sampling stacks") says what a slice costs.

import type { Session } from 'node:inspector';
import { fileURLToPath } from 'node:url';
import { errorText } from '../agg/safe-format.js';
import { now } from '../core/clock.js';
import { asHandler } from '../core/handlers.js';
import { defineOwn, MathRound, ObjectCreate, ReflectApply, StringPrototypeStartsWith } from '../core/primordials.js';
import { STACK_DEPTH } from '../lang/passes/scope.js';
import { nodeInspector } from '../sites/inspector.js';
import { unshifted } from '../sites/load/registry.js';
import { OWN_CODE_PATH, OWN_CODE_URL } from '../sites/own-code.js';
import { sampleStacks, type ProfileData } from './profile-stacks.js';
import { bare } from './safe-methods.js';

/** What a profile probe's handler is given for each sample (`$c`). */
export interface Sample {
  /** The top frame's function: `spin`, `<anonymous>`, or V8's `(garbage collector)`, `(program)`. */
  func: string;
  /** `ustack(depth)`: the sampled stack, top first, as ustack prints it. */
  stack(depth: number): string;
}

export interface ProfileProbe {
  text: string;
  hz: number;
  handler: (c: Sample) => void;
}

/**
 * The samples a slice may hold, so that what the handlers are given stays bounded. Slices end about
 * once a second (SLICE_MS), 1,000 samples at 999 Hz; the bound is for a slice whose tick came late
 * (a thread that could not be reached): samples past it are dropped and counted.
 */
export const MAX_SLICE_SAMPLES = 30_000;
/** Profile nodes (distinct stacks) a slice may hold; samples at nodes past it are dropped and counted. */
export const MAX_SLICE_NODES = 50_000;

/**
 * A slice that nothing else ends ends at the first tick once it is this old: the samples reach
 * the handlers about once a second, as a user watching `printf` expects. (Ticks come every half
 * second from the main thread's own timer, every second from the tick thread: profile-tick.ts.)
 */
export const SLICE_MS = 900;

/** V8's own console (node:inspector's `console`, not the program's): profile and profileEnd, captured once. */
interface ConsoleProfiling {
  console: object;
  profile: (title: string) => void;
  profileEnd: (title: string) => void;
}
let consoleProfiling: ConsoleProfiling | null = null;

function v8Console(): ConsoleProfiling {
  if (consoleProfiling === null) {
    const c = nodeInspector().console as unknown as ConsoleProfiling;
    consoleProfiling = { console: c, profile: c.profile, profileEnd: c.profileEnd };
  }
  return consoleProfiling;
}

/** `console.profile(title)` or `profileEnd(title)` on V8's console: false when it threw. */
function consoleCall(end: boolean, title: string): boolean {
  try {
    const c = v8Console();
    ReflectApply(end ? c.profileEnd : c.profile, c.console, [title]);
    return true;
  } catch {
    return false;
  }
}

/** What the inspector hands a session when a console profile starts or ends. */
interface ConsoleProfileEvent {
  params?: { title?: unknown; profile?: ProfileData };
}

/**
 * One probe's sampler: a session of its own, so that each probe samples at its own rate. Its
 * profiles are started and stopped by its Profiler, for all of the thread's samplers at once; the
 * session hands each one over as an event, which the sampler keeps until its slice runs them.
 */
class Sampler {
  readonly #session: Session = new (nodeInspector().Session)();
  /** Profiles handed over and not yet run: at most two (the slice's own, and one a program's untitled console.profileEnd() ended early). */
  #done = bare<ProfileData>();
  started = false;
  dropped = 0;
  faults = 0;

  constructor(readonly probe: ProfileProbe, readonly warn: (s: string) => void, readonly prefix: string) {}

  /**
   * The session's events, without EventEmitter: Node's session hands them to its own `emit`, which
   * a program could have replaced on EventEmitter.prototype. The console profiles of others (the
   * program's, another jsprobe's) are started in this session too, and are left alone.
   */
  readonly #emit = (method: unknown, m: ConsoleProfileEvent): boolean => {
    const title = m?.params?.title;
    if (typeof title !== 'string' || !StringPrototypeStartsWith(title, this.prefix)) return false;
    if (method === 'Profiler.consoleProfileStarted') this.started = true;
    else if (method === 'Profiler.consoleProfileFinished') {
      const profile = m.params!.profile;
      if (profile === undefined) return false;
      if (this.#done.length < 2) this.#done[this.#done.length] = profile;
      else this.dropped += profile.samples?.length ?? 0;
    }
    return true;
  };

  /** Answers to a same-thread session come back synchronously. */
  #post(method: string, params?: object): { result?: unknown; error?: Error } {
    // No prototype: a setter the program put on Object.prototype never sees the answer.
    const out = ObjectCreate(null) as { result?: unknown; error?: Error };
    try {
      this.#session.post(method, params, (error: Error | null, result?: unknown) => {
        if (error) out.error = error;
        else out.result = result;
      });
    } catch (e) {
      // Not connected: an answer like any other error, never a throw into the program's timer.
      out.error = e as Error;
    }
    return out;
  }

  /** The session, with the Profiler domain on at the probe's rate; false (said on warn) when V8 refused. */
  connect(): boolean {
    defineOwn(this.#session, 'emit', { value: this.#emit });
    this.#session.connect();
    const steps: [string, object?][] = [
      ['Profiler.enable'],
      ['Profiler.setSamplingInterval', { interval: MathRound(1e6 / this.probe.hz) }],
    ];
    for (let i = 0; i < steps.length; i++) {
      const method = steps[i][0];
      const r = this.#post(method, steps[i][1]);
      if (r.error !== undefined) return this.fail(`${method}: ${r.error.message}`);
    }
    return true;
  }

  fail(why: string): false {
    this.warn(`jsprobe: ${this.probe.text}: V8's CPU profiler did not start (${why}); the probe stays off\n`);
    this.disconnect();
    return false;
  }

  disconnect(): void {
    this.#session.disconnect();
  }

  /** The profiles handed over so far, through the handler. */
  run(): void {
    // Taken first: a handler's exit() stops the profiler, and that slice runs its own.
    const done = this.#done;
    this.#done = bare<ProfileData>();
    // One handler's run for the slice, as for an interval: a read that lands in it waits for its end.
    asHandler(() => {
      for (let i = 0; i < done.length; i++) this.dropped += runSamples(done[i], this.#guarded);
    });
  }

  /** A handler that throws is reported once, and counted; the program never sees it. */
  readonly #guarded = (c: Sample): void => {
    try {
      this.probe.handler(c);
    } catch (e) {
      if (this.faults++ === 0) this.warn(`jsprobe: ${this.probe.text}: handler threw (reported once): ${errorText(e)}\n`);
    }
  };

  /** What the session says at the end: the samples dropped, the faults past the first. */
  report(warn: (s: string) => void): void {
    if (this.dropped > 0) {
      warn(`jsprobe: ${this.probe.text}: ${this.dropped} samples dropped (a slice holds at most ${MAX_SLICE_SAMPLES} samples and ${MAX_SLICE_NODES} stacks)\n`);
    }
    if (this.faults > 1) warn(`jsprobe: ${this.probe.text}: handler threw ${this.faults} times in all\n`);
  }
}

/** `name (file:line:column)` of a profile node's function, at its original position (stack.ts does the same for ustack at a hit). */
function frameText(name: string, url: string, line: number, column: number): string {
  const fn = name === '' ? '<anonymous>' : name;
  if (url === '') return fn;
  if (line < 0) return `${fn} (${url})`;
  let at = unshifted(url, line, column);
  if (at === null && StringPrototypeStartsWith(url, 'file://')) at = unshifted(fileURLToPath(url), line, column);
  return at === null ? `${fn} (${url}:${line + 1}:${column + 1})` : `${fn} (${at.file}:${at.line + 1}:${at.column + 1})`;
}

function ownCode(url: string): boolean {
  return url !== '' && (StringPrototypeStartsWith(url, OWN_CODE_URL) || StringPrototypeStartsWith(url, OWN_CODE_PATH));
}

/** Every sample of `profile` through `handler`; what is dropped (past the slice's bounds) is the answer. */
function runSamples(profile: ProfileData, handler: (c: Sample) => void): number {
  // V8 records the stack where a profile starts as its first sample: that is jsprobe's slice (its
  // frames left out, the program's frame below it, listOnTimeout under an interval), not a sample
  // the sampler took, and it would charge about one sample a second to that frame.
  const { stacks, order, dropped } = sampleStacks(profile, {
    maxNodes: MAX_SLICE_NODES, maxSamples: MAX_SLICE_SAMPLES, from: 1, maxDepth: STACK_DEPTH.max, own: ownCode, frame: frameText,
  });
  const samples = ObjectCreate(null) as Record<number, Sample>;
  for (let i = 0; i < order.length; i++) {
    const id = order[i];
    let s = samples[id];
    if (s === undefined) {
      const frames = stacks[id];
      const texts = ObjectCreate(null) as Record<number, string>;
      s = samples[id] = {
        func: frames.func,
        stack: (depth) => {
          let text = texts[depth];
          if (text === undefined) texts[depth] = text = frames.text(depth);
          return text;
        },
      };
    }
    handler(s);
  }
  return dropped;
}

/** The samplers of this thread, for the tick of a busy main thread (profile-tick.ts). */
let running = bare<Profiler>();
/** Tells the console profiles of one Profiler from another's in the same thread (a second runtime under -p has its own copy of this module, hence the time). */
let made = 0;

export class Profiler {
  readonly #samplers = bare<Sampler>();
  readonly #prefix = `jsprobe ${MathRound(now() * 1000)}.${made++} `;
  /** The console profile of the slice under way; null when sampling is off. */
  #open: string | null = null;
  #slices = 0;
  #since = 0;
  /** Set while a slice talks to the profiler: what lands inside it is an interrupt (see #slice). */
  #posting = false;
  /** A stop that landed inside a slice's calls, done by that slice when they are over. */
  #stopAsked = false;

  constructor(probes: ProfileProbe[], warn: (s: string) => void) {
    for (let i = 0; i < probes.length; i++) {
      const s = new Sampler(probes[i], warn, this.#prefix);
      if (s.connect()) this.#samplers[this.#samplers.length] = s;
    }
    if (this.#samplers.length > 0) this.#begin();
    running[running.length] = this;
  }

  #title(): string {
    return `${this.#prefix}${this.#slices++}`;
  }

  /** The first slice: each sampler whose session did not start its profile is off, said once. */
  #begin(): void {
    const title = this.#title();
    const ok = consoleCall(false, title);
    const on = bare<Sampler>();
    for (let i = 0; i < this.#samplers.length; i++) {
      const s = this.#samplers[i];
      if (ok && s.started) on[on.length] = s;
      else s.fail(ok ? 'no console profile began in its session' : "V8's console.profile threw");
    }
    if (on.length !== this.#samplers.length) {
      // A sampler that is off still had the profile started if others did: it ends with the slice, unread.
      this.#samplers.length = 0;
      for (let i = 0; i < on.length; i++) this.#samplers[i] = on[i];
    }
    if (on.length === 0) {
      if (ok) consoleCall(true, title);
      return;
    }
    this.#open = title;
    this.#since = now();
  }

  /**
   * End the slice and run its samples through the handlers; `again`: the next slice's profile
   * starts before this one stops, so that V8's profiler (and what it can name) never stops.
   * Under -p a request of the command's (a snapshot, a tick, the detach) runs as an interrupt, and
   * may land inside a slice's calls: one landing there must not start or end a profile between
   * them. So a slice asked for there does nothing, this one hands the samples over; a stop asked
   * for there is done once this slice's calls are over.
   */
  #slice(again: boolean): void {
    const ending = this.#open;
    if (ending === null) return;
    if (this.#posting) {
      if (!again) this.#stopAsked = true;
      return;
    }
    this.#posting = true;
    let next: string | null = null;
    if (again && !this.#stopAsked) {
      next = this.#title();
      if (!consoleCall(false, next)) next = null;
    }
    consoleCall(true, ending);
    this.#open = next;
    if (next !== null) this.#since = now();
    else for (let i = 0; i < this.#samplers.length; i++) this.#samplers[i].disconnect();
    this.#posting = false;
    for (let i = 0; i < this.#samplers.length; i++) this.#samplers[i].run();
    // A stop that landed inside the calls: sampling ends now. (The samples of a slice a stop landed
    // inside run after that stop's caller has read the maps: the detach's output misses them.)
    if (this.#stopAsked && this.#open !== null) this.#slice(false);
  }

  /** The samples so far, through the handlers; sampling goes on. */
  slice(): void {
    this.#slice(true);
  }

  /** The tick: a slice older than SLICE_MS ends (not one an interval or a snapshot just began). */
  tick(): void {
    if (this.#open !== null && now() - this.#since >= SLICE_MS) this.#slice(true);
  }

  /** The last samples through the handlers, sampling off; what was dropped is said on `warn`. */
  stop(warn: (s: string) => void): void {
    const rest = bare<Profiler>();
    for (let i = 0; i < running.length; i++) if (running[i] !== this) rest[rest.length] = running[i];
    running = rest;
    this.#slice(false);
    for (let i = 0; i < this.#samplers.length; i++) this.#samplers[i].report(warn);
  }
}

/** Ends the slices older than SLICE_MS in this thread; false when nothing samples here. */
export function tickProfilers(): boolean {
  for (let i = 0; i < running.length; i++) running[i].tick();
  return running.length > 0;
}
