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

/**
 * A string longer than this many times the bound is not read at all. V8 keeps a string built by
 * concatenation as a rope, and the first read of any of its characters (slice, charCodeAt, an
 * encoder's) flattens the whole of it, ~5 ns a character: a 50 MB rope's cut would stall the
 * program ~0.3 s. JS cannot tell a rope without reading it, so the rule is on the length: at the
 * default bound, 262,144 characters, ~1.3 ms of flattening at most (docs/language.md).
 */
export const UNREAD_FACTOR = 64;

/** The MapData name that carries a thread's cut count along with its maps (no map can be named so). */
export const CUT_RECORD = '#strings-cut';

/** The same for its count of strings not read (longer than UNREAD_FACTOR × the bound). */
export const UNREAD_RECORD = '#strings-unread';

/** The bound of this thread's session, the strings cut to it so far, and those too long to read. */
export const STRLEN = { max: DEFAULT_MAX_STRLEN, cut: 0, unread: 0 };

/** A new session: its bound, and counts from zero. */
export function resetStrlen(max: number = DEFAULT_MAX_STRLEN): void {
  STRLEN.max = max;
  STRLEN.cut = 0;
  STRLEN.unread = 0;
}

/** `n` characters are more than a string may have to be read at all. */
export function unreadable(n: number): boolean {
  return n > STRLEN.max * UNREAD_FACTOR;
}

/** `s`, or undefined where it is too long to read (unreadable()), counted as not read: for a name the formatter shows. */
export function readable(s: string): string | undefined {
  if (!unreadable(s.length)) return s;
  STRLEN.unread++;
  return undefined;
}

/**
 * `s` within the bound: as it is, or its first characters and CUT_MARKER, `max` characters in
 * all (so that cutting again changes nothing), counted. A surrogate pair is not split. A string
 * too long to read (unreadable()) is cut to nothing, the marker alone, and counted apart.
 */
export function clip(s: string): string {
  if (s.length <= STRLEN.max) return s;
  if (unreadable(s.length)) STRLEN.unread++;
  else STRLEN.cut++;
  return cutText(s);
}

/** `s` cut to the bound with its marker, not counted (for a caller that counts its cuts itself). */
export function cutText(s: string): string {
  const max = STRLEN.max;
  if (s.length <= max) return s;
  // Its length only: no character of it is read.
  if (unreadable(s.length)) return max < CUT_MARKER.length ? StringPrototypeSlice(CUT_MARKER, 0, max) : CUT_MARKER;
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

/** Strings cut to the bound, and strings not read (too long), in some threads. */
export interface StrCounts {
  cut: number;
  unread: number;
}

/** The lines printed at the end when strings were cut or not read. */
export function cutLine(n: StrCounts, max: number): string {
  const s = (k: number): string => (k === 1 ? '' : 's');
  const cut = n.cut === 0 ? '' : `${n.cut} string${s(n.cut)} cut at --max-strlen (${max})\n`;
  if (n.unread === 0) return cut;
  return `${cut}${n.unread} string${s(n.unread)} not read: longer than ${max * UNREAD_FACTOR} characters ` +
    `(${UNREAD_FACTOR} × --max-strlen), whose read could stall the program\n`;
}

/** This thread's counts as records among its maps' data, which carry them to whoever prints the maps. */
export function withCutRecord(maps: MapData[], n: StrCounts = STRLEN): MapData[] {
  if (n.cut > 0) maps[maps.length] = { name: CUT_RECORD, entries: [], dropped: n.cut };
  if (n.unread > 0) maps[maps.length] = { name: UNREAD_RECORD, entries: [], dropped: n.unread };
  return maps;
}

/** The counts among other threads' map data (their records), summed. */
export function cutsIn(data: readonly MapData[]): StrCounts {
  const n = { cut: 0, unread: 0 };
  // By index: at exit the program may have replaced Array's iterator.
  for (let i = 0; i < data.length; i++) {
    const d = data[i];
    if (typeof d.dropped !== 'number') continue;
    if (d.name === CUT_RECORD) n.cut += d.dropped;
    else if (d.name === UNREAD_RECORD) n.unread += d.dropped;
  }
  return n;
}

/** `a` plus `b`, into `a`. */
export function addCounts(a: StrCounts, b: StrCounts): StrCounts {
  a.cut += b.cut;
  a.unread += b.unread;
  return a;
}

/**
 * The counts at the end, after the maps: lines of text, or in JSON `{"type":"strings_cut","data":{…}}`
 * and `{"type":"strings_unread","data":{…}}`.
 */
export function printCut(out: Output, n: StrCounts, max: number): void {
  if (out.format !== 'json') {
    if (n.cut > 0 || n.unread > 0) out.text(cutLine(n, max));
    return;
  }
  if (n.cut > 0) out.json({ type: 'strings_cut', data: { count: n.cut, max_strlen: max } });
  if (n.unread > 0) out.json({ type: 'strings_unread', data: { count: n.unread, max_chars: max * UNREAD_FACTOR, max_strlen: max } });
}
