// A rewritten module's columns back to the original's. The rewrite inserts text and never moves
// a line (rewrite/insertions.ts), so a position in the running code maps back by taking away
// what went in before it on its line. The module hands over its insertions as text
// (rewrite/instrument.ts's shiftsText), parsed here the first time a stack needs the module.
// Called at a hit: only captured built-ins, and no RegExp or Array method the program could replace.

import { MapPrototypeGet, MapPrototypeSet, SafeMap, StringPrototypeCharCodeAt } from '../../core/primordials.js';

/** Per 0-based line, the insertions on it: [original column, length] pairs, in order. */
export type Shifts = Map<number, number[]>;

/** shiftsText back into Shifts, by character codes. */
export function parseShifts(text: string): Shifts {
  const out: Shifts = new SafeMap();
  let line = -1;
  let list: number[] = [];
  let n = 0;
  let digits = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? StringPrototypeCharCodeAt(text, i) : 59;
    if (c >= 48 && c <= 57) {
      n = n * 10 + (c - 48);
      digits = true;
      continue;
    }
    if (c === 58) {
      line = n;
      list = [];
    } else if (digits) list[list.length] = n;
    if (c === 59 && line >= 0) {
      MapPrototypeSet(out, line, list);
      line = -1;
    }
    n = 0;
    digits = false;
  }
  return out;
}

/**
 * The original 0-based column of running column `col` on 0-based `line`. A column inside inserted
 * text (jsprobe's own call at a site) is the original column the text was put before.
 */
export function originalColumn(shifts: Shifts, line: number, col: number): number {
  const list = MapPrototypeGet(shifts, line);
  if (list === undefined) return col;
  let moved = 0;
  for (let i = 0; i + 1 < list.length; i += 2) {
    const at = list[i] + moved;
    if (col < at) break;
    if (col < at + list[i + 1]) return list[i];
    moved += list[i + 1];
  }
  return col - moved;
}
