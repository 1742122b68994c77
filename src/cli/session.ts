// One run of a compiled program in this process: its probes registered, BEGIN run, intervals
// ticking; finish() runs END and prints the maps, once. Used inside the traced program (agent.ts)
// and, for programs without probes, by the command itself.

import { list, register, unregister, type Probe, type ProbeSpec } from '../index.js';
import type { CompiledProgram } from '../lang/compile.js';
import { ProgramError } from '../lang/errors.js';
import { mapData, mergeAll, type MapData } from '../agg/maps.js';
import { stringifyJson } from '../agg/safe-json.js';
import { isJsprobeError } from '../core/index.js';
import { instantiate, makeRuntime, printAll } from './runtime.js';

export interface SessionOptions {
  format: 'text' | 'json';
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
}

export type Session = { probes: number; handles: Probe[]; skipped: string[]; finish(): void; maps(): MapData[] } | { error: string };

export function start(program: CompiledProgram, options: SessionOptions): Session {
  const out = {
    format: options.format,
    text: (s: string) => options.write(s),
    json: (o: object) => options.write(`${stringifyJson(o)}\n`),
  };
  let exiting = false;
  const rt = makeRuntime(program, out, () => {
    if (exiting) return;
    exiting = true;
    options.exit();
  }, options.warn);
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
  const timers = (worker ? [] : program.intervals).map((c) => {
    const tick = instantiate(rt, c.source);
    const t = setInterval(() => tick(), c.probe.periodMs);
    t.unref();
    return t;
  });
  if (!worker) for (const c of program.begin) instantiate(rt, c.source)();
  const ends = (worker ? [] : program.end).map((c) => instantiate(rt, c.source));
  let finished = false;
  return {
    probes: probes.length,
    handles: probes,
    skipped,
    maps: () => rt.maps.filter((m) => m.entries.size > 0).map(mapData),
    finish: () => {
      if (finished) return;
      finished = true;
      for (const t of timers) clearInterval(t);
      if (options.gather !== undefined) mergeAll(rt.maps, options.gather());
      for (const end of ends) {
        try {
          end();
        } catch (e) {
          options.warn(`jsprobe: END threw: ${(e as Error).message}\n`);
        }
      }
      if (options.attached === undefined) printAll(rt);
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
