// A rewritten module's positions back to the original's, for stacks read at a hit (ustack). The rewrite inserts text and never moves
// a line (rewrite/insertions.ts), so a position in the running code maps back by taking away
// what went in before it on its line. The module hands over its insertions as text
// (rewrite/instrument.ts's shiftsText), parsed here the first time a stack needs the module; a
// module that came with a source map (tsc's, tsx's, a bundler's) hands that over too, and a
// position then goes on through it to the original file, line and column.
// Called at a hit: only captured built-ins, and no RegExp or Array method the program could replace.

import { ArrayIsArray, JSONParse, MapPrototypeGet, MapPrototypeSet, SafeMap, StringPrototypeCharCodeAt } from '../../core/primordials.js';

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

/** A module's own source map, decoded: per generated 0-based line, [column, source, line, column] fours (source -1: none). */
export interface ModuleMap {
  sources: string[];
  lines: number[][];
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT: number[] = [];
for (let i = 0; i < 128; i++) DIGIT[i] = -1;
for (let i = 0; i < BASE64.length; i++) DIGIT[StringPrototypeCharCodeAt(BASE64, i)] = i;

/** `{ sources, mappings }` (rewrite-module.ts) decoded, by character codes; null when it is not one. */
export function parseMap(text: string): ModuleMap | null {
  let m: unknown;
  try {
    m = JSONParse(text);
  } catch {
    return null;
  }
  return decodeMap((m as { sources?: unknown }).sources, (m as { mappings?: unknown }).mappings);
}

/** A source map's `sources` and `mappings` decoded; null when they are not a map's. */
export function decodeMap(sources: unknown, mappings: unknown): ModuleMap | null {
  if (!ArrayIsArray(sources) || typeof mappings !== 'string') return null;
  const lines: number[][] = [];
  let segs: number[] = [];
  const v = [0, 0, 0, 0, 0];
  let fields = 0;
  let col = 0;
  let src = 0;
  let line = 0;
  let scol = 0;
  let value = 0;
  let shift = 0;
  for (let i = 0; i <= mappings.length; i++) {
    const c = i < mappings.length ? StringPrototypeCharCodeAt(mappings, i) : 59;
    if (c === 44 || c === 59) {
      if (fields > 0) {
        col += v[0];
        if (fields >= 4) {
          src += v[1];
          line += v[2];
          scol += v[3];
        }
        segs[segs.length] = col;
        segs[segs.length] = fields >= 4 ? src : -1;
        segs[segs.length] = line;
        segs[segs.length] = scol;
      }
      fields = 0;
      if (c === 59) {
        lines[lines.length] = segs;
        segs = [];
        col = 0;
      }
      continue;
    }
    const d = c < 128 ? DIGIT[c] : -1;
    if (d < 0) return null;
    value += (d & 31) << shift;
    if ((d & 32) !== 0) {
      shift += 5;
      continue;
    }
    if (fields < 5) v[fields] = (value & 1) !== 0 ? -(value >>> 1) : value >>> 1;
    fields++;
    value = 0;
    shift = 0;
  }
  return { sources: sources as string[], lines };
}

/** Where 0-based `line`, `col` of the module's code comes from in its sources, or null (code the compiler added). */
export function originalPosition(map: ModuleMap, line: number, col: number): { file: string; line: number; column: number } | null {
  const segs = line < map.lines.length ? map.lines[line] : undefined;
  if (segs === undefined) return null;
  // The last segment at or before `col` (a bundle's one line may hold 100k segments).
  let lo = 0;
  let hi = segs.length / 4 - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (segs[mid * 4] <= col) {
      found = mid * 4;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found < 0 || segs[found + 1] < 0) return null;
  const file = map.sources[segs[found + 1]];
  return typeof file === 'string' ? { file, line: segs[found + 2], column: segs[found + 3] } : null;
}
