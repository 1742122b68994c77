// Text insertions into a source, applied in one pass. Nothing is ever removed or moved, and no
// inserted text holds a newline, so every original line keeps its number and only columns shift:
// the source map is the original one with columns moved (see sourcemap.ts).


import {
  ArrayPrototypeJoin, ArrayPrototypeSort, RegExpPrototypeExec, regExpTest, SafeError, SafeMap, StringPrototypeIndexOf, StringPrototypeSlice,
} from '../../core/primordials.js';
export interface Insertion {
  at: number;
  text: string;
  /**
   * Opening text (before a construct) or closing text (after one). At one offset, closings come
   * first, innermost first; then openings, outermost first: `x => y => 1` closes y's body before x's.
   * A construct's own opening and closing at one offset (an empty body: `() => {}`) open first.
   */
  closing: boolean;
  /** Start of the construct the text belongs to: outer constructs start earlier. */
  owner: number;
}

export function opening(at: number, text: string, owner: number): Insertion {
  return { at, text, closing: false, owner };
}

export function closing(at: number, text: string, owner: number): Insertion {
  return { at, text, closing: true, owner };
}

function order(a: Insertion, b: Insertion): number {
  if (a.at !== b.at) return a.at - b.at;
  if (a.closing !== b.closing) {
    if (a.owner === b.owner) return a.closing ? 1 : -1;
    return a.closing ? -1 : 1;
  }
  return a.closing ? b.owner - a.owner : a.owner - b.owner;
}

/** Where text went in: per original line, the original columns and lengths of insertions. */
export type Shifts = Map<number, { col: number; len: number }[]>;

export interface Applied {
  code: string;
  /** 0-based original line → insertions on it, by original column. */
  shifts: Shifts;
}

/**
 * Offsets where each line starts, with JavaScript's line terminators (\n, \r\n, \r, U+2028,
 * U+2029): the lines V8 numbers in stack traces and source maps count.
 */
export function lineStarts(src: string): number[] {
  const starts = [0];
  if (regExpTest(/[\r\u2028\u2029]/, src)) {
    const terminator = /\r\n?|[\n\u2028\u2029]/g;
    for (let m = RegExpPrototypeExec(terminator, src); m !== null; m = RegExpPrototypeExec(terminator, src)) starts[starts.length] = m.index + m[0].length;
  } else {
    // Only \n: indexOf is 3-4× faster than the regular expression on typescript.js.
    for (let i = StringPrototypeIndexOf(src, '\n'); i >= 0; i = StringPrototypeIndexOf(src, '\n', i + 1)) starts[starts.length] = i + 1;
  }
  return starts;
}

/** The 0-based line holding `offset`. */
export function lineOf(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function apply(src: string, insertions: Insertion[], starts: readonly number[]): Applied {
  ArrayPrototypeSort(insertions, order);
  const parts: string[] = [];
  const shifts: Shifts = new SafeMap();
  let prev = 0;
  let line = 0;
  for (let i = 0; i < insertions.length; i++) {
    const ins = insertions[i];
    if (regExpTest(/[\n\r\u2028\u2029]/, ins.text)) throw new SafeError('jsprobe: an insertion may not hold a line terminator');
    parts[parts.length] = StringPrototypeSlice(src, prev, ins.at);
    parts[parts.length] = ins.text;
    prev = ins.at;
    while (line + 1 < starts.length && starts[line + 1] <= ins.at) line++;
    let list = shifts.get(line);
    if (list === undefined) shifts.set(line, (list = []));
    list[list.length] = { col: ins.at - starts[line], len: ins.text.length };
  }
  parts[parts.length] = StringPrototypeSlice(src, prev);
  return { code: ArrayPrototypeJoin(parts, ''), shifts };
}
