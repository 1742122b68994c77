// The string bound (--max-strlen): the longest string a handler reads, builds or prints, and the
// count of strings cut to it. One bound per thread: a thread runs one session at a time, and
// makeRuntime() sets it for its session, so the formatter, printf and the pure methods read it
// here rather than through every call.

import { StringPrototypeCharCodeAt, StringPrototypeSlice } from '../core/primordials.js';
import type { MapData } from './maps.js';
import type { Output } from './print.js';

/**
 * Characters (UTF-16 units) a string keeps unless --max-strlen says otherwise. bpftrace's 64 bytes
 * cut most of what JS programs pass around (SQL, URLs, JSON bodies); 4096 keeps them whole, and
 * a handler's costliest builtins over strings this long take microseconds (docs/cli.md, Limits).
 */
export const DEFAULT_MAX_STRLEN = 4096;

/** What a cut string ends with, inside the bound (as bpftrace marks a truncated string). */
export const CUT_MARKER = '...';

/** The MapData name that carries a thread's cut count along with its maps (no map can be named so). */
export const CUT_RECORD = '#strings-cut';

/** The bound of this thread's session, and the strings cut to it so far. */
export const STRLEN = { max: DEFAULT_MAX_STRLEN, cut: 0 };

/** A new session: its bound, and a count from zero. */
export function resetStrlen(max: number = DEFAULT_MAX_STRLEN): void {
  STRLEN.max = max;
  STRLEN.cut = 0;
}

/**
 * `s` within the bound: as it is, or its first characters and CUT_MARKER, `max` characters in
 * all (so that cutting again changes nothing), counted. A surrogate pair is not split.
 */
export function clip(s: string): string {
  if (s.length <= STRLEN.max) return s;
  STRLEN.cut++;
  return cutText(s);
}

/** `s` cut to the bound with its marker, not counted (for a caller that counts its cuts itself). */
export function cutText(s: string): string {
  const max = STRLEN.max;
  if (s.length <= max) return s;
  if (max <= CUT_MARKER.length) return StringPrototypeSlice(s, 0, max);
  let keep = max - CUT_MARKER.length;
  const c = StringPrototypeCharCodeAt(s, keep - 1);
  if (c >= 0xd800 && c <= 0xdbff) keep--;
  return StringPrototypeSlice(s, 0, keep) + CUT_MARKER;
}

/** A value as read from the program: a string within the bound, anything else as it is. */
export function clipRead(v: unknown): unknown {
  return typeof v === 'string' && v.length > STRLEN.max ? clip(v) : v;
}

/** The line printed at the end when strings were cut. */
export function cutLine(n: number, max: number): string {
  return `${n} string${n === 1 ? '' : 's'} cut at --max-strlen (${max})\n`;
}

/** This thread's cut count as a record among its maps' data, which carries it to whoever prints the maps. */
export function withCutRecord(maps: MapData[]): MapData[] {
  if (STRLEN.cut > 0) maps[maps.length] = { name: CUT_RECORD, entries: [], dropped: STRLEN.cut };
  return maps;
}

/** The cut counts among other threads' map data (their records), summed. */
export function cutsIn(data: readonly MapData[]): number {
  let n = 0;
  // By index: at exit the program may have replaced Array's iterator.
  for (let i = 0; i < data.length; i++) if (data[i].name === CUT_RECORD && typeof data[i].dropped === 'number') n += data[i].dropped!;
  return n;
}

/** The count at the end, after the maps: a line of text, or in JSON `{"type":"strings_cut","data":{…}}`. */
export function printCut(out: Output, n: number, max: number): void {
  if (n === 0) return;
  if (out.format === 'json') out.json({ type: 'strings_cut', data: { count: n, max_strlen: max } });
  else out.text(cutLine(n, max));
}
