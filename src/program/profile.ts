// profile:hz:N: this thread's stack, sampled N times a second by V8's CPU profiler through an
// inspector session of the thread's own. V8's sampler runs on a thread of its own and hands the
// samples over only when the profile stops, so sampling runs in slices: a slice ends when its
// samples are needed (an interval probe, END, a worker's map snapshot, a tick of the thread that
// drives a busy main thread: profile-tick.ts), and every sample of it runs the probe's handler.
// docs/cli.md ("Sampling stacks") says what a slice costs and what V8 can name in it.

import type { Session } from 'node:inspector';
import { fileURLToPath } from 'node:url';
import { errorText } from '../agg/safe-format.js';
import { now } from '../core/clock.js';
import { MathRound, ObjectCreate, StringPrototypeStartsWith } from '../core/primordials.js';
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
 * The samples a slice may hold, so that what V8 keeps and hands over stays bounded. A slice that
 * nothing else ends ends after half of it in time (15 s at 999 Hz, about 2.5 min at 99 Hz): the
 * other half is room for a late tick and a sampler that ran fast. Samples past it (a thread
 * nobody could reach) are dropped and counted.
 */
export const MAX_SLICE_SAMPLES = 30_000;
/** Profile nodes (distinct stacks) a slice may hold; samples at nodes past it are dropped and counted. */
export const MAX_SLICE_NODES = 50_000;

/** One probe's sampler: a session of its own, so that each probe samples at its own rate. */
class Sampler {
  readonly #session: Session = new (nodeInspector().Session)();
  readonly #maxSliceMs: number;
  #since = 0;
  #running = false;
  /** Set while a slice talks to the profiler: what lands inside it is an interrupt (see slice). */
  #posting = false;
  /** A stop that landed inside a slice's posts, done by that slice when they are over. */
  #stopAsked = false;
  dropped = 0;
  faults = 0;

  constructor(readonly probe: ProfileProbe, readonly warn: (s: string) => void) {
    this.#maxSliceMs = (MAX_SLICE_SAMPLES / 2 / probe.hz) * 1000;
  }

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

  start(): boolean {
    this.#session.connect();
    const steps: [string, object?][] = [
      ['Profiler.enable'],
      ['Profiler.setSamplingInterval', { interval: MathRound(1e6 / this.probe.hz) }],
      ['Profiler.start'],
    ];
    for (let i = 0; i < steps.length; i++) {
      const method = steps[i][0];
      const r = this.#post(method, steps[i][1]);
      if (r.error !== undefined) {
        this.warn(`jsprobe: ${this.probe.text}: V8's CPU profiler did not start (${method}: ${r.error.message}); the probe stays off\n`);
        this.#session.disconnect();
        return false;
      }
    }
    this.#running = true;
    this.#since = now();
    return true;
  }

  get due(): boolean {
    return this.#running && now() - this.#since >= this.#maxSliceMs;
  }

  /**
   * End the slice and run its samples through the handler; `again`: the next slice begins at once.
   * Under -p a request of the command's (a snapshot, a tick, the detach) runs as an interrupt, and
   * may land inside a slice's posts: one landing there must not stop or restart the profiler
   * between them (a detach that disconnected the session between the stop and the start made the
   * start throw in the program's timer). So a slice asked for there does nothing, this one hands
   * the samples over; a stop asked for there is done once this slice's posts are over.
   */
  slice(again: boolean): void {
    if (!this.#running) return;
    if (this.#posting) {
      if (!again) this.#stopAsked = true;
      return;
    }
    this.#posting = true;
    const r = this.#post('Profiler.stop');
    const on = again && !this.#stopAsked && this.#post('Profiler.start').error === undefined;
    if (on) this.#since = now();
    else {
      this.#running = false;
      this.#session.disconnect();
    }
    this.#posting = false;
    const profile = (r.result as { profile?: ProfileData } | undefined)?.profile;
    if (profile !== undefined) this.dropped += runSamples(profile, this.#guarded);
    // A stop that landed inside the start post: sampling ends now. (The samples of a slice a stop
    // landed inside run after that stop's caller has read the maps: the detach's output misses them.)
    if (this.#stopAsked && this.#running) this.slice(false);
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
  const { stacks, order, dropped } = sampleStacks(profile, {
    maxNodes: MAX_SLICE_NODES, maxSamples: MAX_SLICE_SAMPLES, maxDepth: STACK_DEPTH.max, own: ownCode, frame: frameText,
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

export class Profiler {
  readonly #samplers = bare<Sampler>();

  constructor(probes: ProfileProbe[], warn: (s: string) => void) {
    for (let i = 0; i < probes.length; i++) {
      const s = new Sampler(probes[i], warn);
      if (s.start()) this.#samplers[this.#samplers.length] = s;
    }
    running[running.length] = this;
  }

  /** The samples so far, through the handlers; sampling goes on. */
  slice(): void {
    for (let i = 0; i < this.#samplers.length; i++) this.#samplers[i].slice(true);
  }

  /** A slice that has run its longest ends. */
  tick(): void {
    for (let i = 0; i < this.#samplers.length; i++) if (this.#samplers[i].due) this.#samplers[i].slice(true);
  }

  /** The last samples through the handlers, sampling off; what was dropped is said on `warn`. */
  stop(warn: (s: string) => void): void {
    const rest = bare<Profiler>();
    for (let i = 0; i < running.length; i++) if (running[i] !== this) rest[rest.length] = running[i];
    running = rest;
    for (let i = 0; i < this.#samplers.length; i++) {
      const s = this.#samplers[i];
      s.slice(false);
      s.report(warn);
    }
  }
}

/** Ends the slices that have run their longest, in this thread; false when nothing samples here. */
export function tickProfilers(): boolean {
  for (let i = 0; i < running.length; i++) running[i].tick();
  return running.length > 0;
}
