// The one end of a `-c` run, on the maps of every process merged (the first one's and its child
// processes', children.ts): END once, the maps printed once. Apart from what runs before the
// program starts: the command loads it once the program is on its way.

import type { MapData } from '../agg/maps.js';
import type { CompiledProgram } from '../lang/compile.js';
import { runEnd, type EndOptions } from '../program/end.js';
import { neverMatched } from '../program/probe-records.js';

/**
 * The end of a `-c` run: the maps of every process (each with its threads' merged in) merged, END
 * run once on them, the maps printed once, the strings cut in all, and the probes that matched
 * nowhere. `unreported`: the processes that ended before they sent any maps (killed), which may
 * have matched what the others did not: a probe's "never matched" then says so.
 */
export function printEnd(program: CompiledProgram, data: readonly MapData[], o: EndOptions, unreported: readonly number[] = []): void {
  runEnd(program, data, o);
  const which = `${unreported.length === 1 ? 'process' : 'processes'} ${unreported.join(', ')}`;
  const more = unreported.length === 0 ? '' : ` in the processes that reported; ${which} ended before reporting, and may have run it`;
  for (const line of neverMatched(data, more)) o.warn(line);
}
