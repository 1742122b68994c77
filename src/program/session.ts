// One run of a compiled program in this process: its probes registered, BEGIN run, intervals
// ticking; finish() runs END and prints the maps, once. Used inside the traced program
// (cli/agent.ts, attach/remote.ts) and, for programs without probes, by the command itself.

import { list, register, setFaultHandler, unregister, type FaultHandler, type Probe, type ProbeSpec } from '../index.js';
import type { CompiledProgram } from '../lang/compile.js';
import { ProgramError } from '../lang/errors.js';
import { mapsData, mergeAll, type MapData } from '../agg/maps.js';
import { errorText } from '../agg/safe-format.js';
import { stringifyJson } from '../agg/safe-json.js';
import { isJsprobeError } from '../core/index.js';
import { instantiate, makeRuntime, printAll } from './runtime.js';
import type { Sender } from './messages.js';

export interface SessionOptions {
  format: 'text' | 'json' | 'folded';
  write(s: string): void;
  exit(): void;
  warn(s: string): void;
  /**
   * Attached to a running process (-p): the maps are handed over (maps()) to be merged across
   * threads instead of printed here; a worker thread runs no BEGIN, END or intervals; a probe whose
   * target this thread does not have is skipped (another thread may have it) rather than an error.
   */
  attached?: 'main' | 'worker';
  /** Other threads' maps, merged into this one's when it finishes, before END runs. */
  gather?: () => Iterable<MapData>;
  /** Keys per map (--max-map-keys); past it, updates of new keys are dropped and counted. */
  maxMapKeys?: number;
}

/** A session whose output, warnings and exit() go out as messages to `to`. */
export function sessionOutput(to: Sender): Pick<SessionOptions, 'write' | 'warn' | 'exit'> {
  return {
    write: (text) => to.send({ t: 'out', text }),
    warn: (text) => to.send({ t: 'err', text }),
    exit: () => to.send({ t: 'exit' }),
  };
}

/** A BEGIN, END or interval block, under the same fault isolation as a probe's handler. */
interface Guarded {
  readonly name: string;
  faults: number;
  run(): void;
}

/** A block that throws is counted and reported once, on jsprobe's side; the program never sees it. */
function guard(name: string, block: () => void, warn: (s: string) => void): Guarded {
  const g: Guarded = {
    name,
    faults: 0,
    run: () => {
      try {
        block();
      } catch (e) {
        if (g.faults++ === 0) warn(`jsprobe: ${name} threw (reported once): ${errorText(e)}\n`);
      }
    },
  };
  return g;
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

export type Session = { probes: number; handles: Probe[]; skipped: string[]; finish(): void; maps(): MapData[] } | { error: string };

export function start(program: CompiledProgram, options: SessionOptions): Session {
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
  }, { maxMapKeys: options.maxMapKeys, warn: options.warn });
  const probes: Probe[] = [];
  const skipped: string[] = [];
  for (const c of program.probes) {
    const handler = instantiate(rt, c.source);
    const spec: ProbeSpec = { target: c.probe.target, name: c.probe.text };
    if (c.probe.kind === 'fnret') spec.onReturn = handler;
    else spec.onEntry = handler as ProbeSpec['onEntry'];
    try {
      probes.push(register(spec));
    } catch (e) {
      if (options.attached !== undefined && (isJsprobeError(e, 'JSPROBE_E_SITE_UNAVAILABLE') || isJsprobeError(e, 'JSPROBE_E_TARGET_NOT_FOUND'))) {
        skipped.push(c.probe.text);
        continue;
      }
      void unregister(probes);
      return { error: new ProgramError(program.source, c.probe.at, (e as Error).message).report };
    }
  }
  const worker = options.attached === 'worker';
  const blocks: Guarded[] = [];
  const guarded = (name: string, source: string): Guarded => {
    const g = guard(name, instantiate(rt, source), options.warn);
    blocks.push(g);
    return g;
  };
  const timers = (worker ? [] : program.intervals).map((c) => {
    const tick = guarded(c.probe.text, c.source);
    const t = setInterval(tick.run, c.probe.periodMs);
    t.unref();
    return t;
  });
  if (!worker) for (const c of program.begin) guarded('BEGIN', c.source).run();
  const ends = (worker ? [] : program.end).map((c) => guarded('END', c.source));
  let finished = false;
  return {
    probes: probes.length,
    handles: probes,
    skipped,
    maps: () => mapsData(rt.maps),
    finish: () => {
      if (finished) return;
      finished = true;
      // Loops by index: at exit the program may have replaced Array's iterator.
      for (let i = 0; i < timers.length; i++) clearInterval(timers[i]);
      if (options.gather !== undefined) mergeAll(rt.maps, options.gather());
      for (let i = 0; i < ends.length; i++) ends[i].run();
      if (options.attached === undefined) printAll(rt);
      for (let i = 0; i < blocks.length; i++) {
        const b = blocks[i];
        if (b.faults > 1) options.warn(`jsprobe: ${b.name} threw ${b.faults} times in all\n`);
      }
      // list() only when there is something to say: at exit the program's built-ins may be replaced.
      let waiting = false;
      for (let i = 0; i < probes.length; i++) if (probes[i].state === 'waiting') waiting = true;
      if (waiting) {
        const mine = new Set(probes.map((p) => p.id));
        for (const p of list()) {
          if (mine.has(p.id) && p.state === 'waiting') {
            options.warn(`jsprobe: ${p.name} never matched a function that ran${p.note !== undefined ? ` (${p.note})` : ''}\n`);
          }
        }
      }
    },
  };
}
