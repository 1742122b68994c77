// END where every traced process's maps meet. Under -c and -p, each process (and each of its
// threads) hands its maps over; the command merges them and then runs END once, on the merged
// maps, before it prints them, as bpftrace runs END once after every probe is off. END run in
// each process would see only that process's maps, and print once per process. The exception is
// an END that calls pending(), which lists the calls in flight in a thread: it runs there.
//
// Also the fault isolation of BEGIN, END and interval blocks (guard), shared with session.ts.

import { mergeAll, type MapData } from '../agg/maps.js';
import type { Output } from '../agg/print.js';
import { errorText } from '../agg/safe-format.js';
import { stringifyJson } from '../agg/safe-json.js';
import { addCounts, cutsIn, DEFAULT_MAX_STRLEN, printCut, STRLEN, type StrCounts } from '../agg/safe-strlen.js';
import { asHandler } from '../core/handlers.js';
import type { CompiledProgram } from '../lang/compile.js';
import { instantiate, makeRuntime, printAll } from './runtime.js';

/** A BEGIN, END or interval block, under the same fault isolation as a probe's handler. */
export interface Guarded {
  readonly name: string;
  faults: number;
  run(): void;
}

/** A block that throws is counted and reported once, on jsprobe's side; the program never sees it. */
export function guard(name: string, block: () => void, warn: (s: string) => void): Guarded {
  const g: Guarded = {
    name,
    faults: 0,
    run: () => {
      try {
        asHandler(block);
      } catch (e) {
        if (g.faults++ === 0) warn(`jsprobe: ${name} threw (reported once): ${errorText(e)}\n`);
      }
    },
  };
  return g;
}

export interface EndOptions {
  format: 'text' | 'json' | 'folded';
  maxMapKeys?: number;
  maxStrlen?: number;
  /** Strings cut (and not read) where the maps came from, when `data` does not carry them. */
  cut?: StrCounts;
  write(s: string): void;
  warn(s: string): void;
}

/**
 * The end of a run whose maps came from elsewhere: `data` (every process's and thread's) merged,
 * END run on them once, and the maps printed with the strings cut in all. exit() in END has
 * nothing left to end.
 */
export function runEnd(program: CompiledProgram, data: readonly MapData[], o: EndOptions): void {
  const out: Output = { format: o.format, text: o.write, json: (x) => o.write(`${stringifyJson(x)}\n`) };
  // tid 0: END runs in the command's own main thread (and node:worker_threads is not loaded to say so).
  const rt = makeRuntime(program, out, () => {}, { maxMapKeys: o.maxMapKeys, maxStrlen: o.maxStrlen, warn: o.warn, tid: 0 });
  mergeAll(rt.maps, data);
  // An END that calls pending() has run where the calls are in flight (session.ts), on that process's maps.
  // By index: the program may have replaced Array's iterator by now.
  if (!program.usesPending) for (let i = 0; i < program.end.length; i++) guard('END', instantiate(rt, program.end[i].source), o.warn).run();
  rt.close();
  printAll(rt);
  const n = addCounts(cutsIn(data), STRLEN);
  printCut(out, o.cut === undefined ? n : addCounts(n, o.cut), o.maxStrlen ?? DEFAULT_MAX_STRLEN);
}
