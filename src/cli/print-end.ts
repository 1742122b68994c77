// The one print at the end of a `-c` run, of the maps of every process merged (the first one's and
// its child processes', children.ts). Apart from what runs before the program starts: the command
// loads it once the program is on its way.

import { AggMap, mergeAll, type MapData } from '../agg/maps.js';
import { printMaps, type Output } from '../agg/print.js';
import { stringifyJson } from '../agg/safe-json.js';
import { cutsIn, DEFAULT_MAX_STRLEN, printCut } from '../agg/safe-strlen.js';
import type { CompiledProgram } from '../lang/compile.js';
import { neverMatched } from '../program/probe-records.js';

export interface EndOptions {
  format: 'text' | 'json' | 'folded';
  maxStrlen?: number;
  write(s: string): void;
  warn(s: string): void;
}

/**
 * The end of a `-c` run: the maps of every process (each with its threads' merged in) merged and
 * printed once, the strings cut in all, and the probes that matched nowhere.
 */
export function printEnd(program: CompiledProgram, data: readonly MapData[], o: EndOptions): void {
  const maps = program.maps.map((m) => AggMap.of(m));
  mergeAll(maps, data);
  const out: Output = { format: o.format, text: o.write, json: (x) => o.write(`${stringifyJson(x)}\n`) };
  printMaps(out, maps);
  printCut(out, cutsIn(data), o.maxStrlen ?? DEFAULT_MAX_STRLEN);
  for (const line of neverMatched(data)) o.warn(line);
}
