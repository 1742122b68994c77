// Printing maps: text in bpftrace's shape, one JSON object a line (schema in docs/cli.md), or, for
// maps keyed by a stack, folded stacks (folded.ts) with the rest as text.
// Scalar maps print sorted by value, smallest first (so the largest are nearest the prompt);
// `top` keeps the largest N, `div` divides the values. Each entry prints as its kind says.
// This runs at exit, after the program may have replaced Array's methods: only captured built-ins.

import { ArrayPrototypeJoin, ArrayPrototypeSlice, ArrayPrototypeSort, mapForEach, ObjectSetPrototypeOf } from '../core/primordials.js';
import { formatScalar, scaled } from './aggregator.js';
import { foldedLine, stackFrames } from './folded.js';
import type { AggMap } from './maps.js';

/** `-f`: text, JSON lines, or text with maps keyed by a stack as folded stacks. */
export type Format = 'text' | 'json' | 'folded';

export interface Output {
  /** Text output (ends with what the caller gives; maps end with a blank line). */
  text(s: string): void;
  /** JSON output: one object a line. */
  json(o: object): void;
  readonly format: Format;
}

interface Row {
  key: string;
  e: unknown;
  by: unknown;
}

/** The rows to print: sorted by what each reads back when all are numbers, then the top N. */
function sorted(m: AggMap, top: number): Row[] {
  const kind = m.kind;
  const rows: Row[] = [];
  let numbers = true;
  mapForEach(m.entries, (e, key) => {
    const by = kind.scalar(e);
    if (typeof by !== 'number') numbers = false;
    rows[rows.length] = { key, e, by };
  });
  if (numbers) ArrayPrototypeSort(rows, (a: Row, b: Row) => (a.by as number) - (b.by as number));
  return top > 0 ? (ArrayPrototypeSlice(rows, -top) as Row[]) : rows;
}

function nameOf(m: AggMap, key: string): string {
  return m.keyed ? `${m.name}[${key}]` : m.name;
}

function textOf(m: AggMap, top: number, div: number): string {
  const lines: string[] = [];
  const rows = sorted(m, top);
  for (let i = 0; i < rows.length; i++) {
    const text = m.kind.text(nameOf(m, rows[i].key), rows[i].e, div);
    for (let j = 0; j < text.length; j++) lines[lines.length] = text[j];
  }
  if (lines.length === 0) return '';
  if (lines[lines.length - 1] !== '') lines[lines.length] = '';
  return `${ArrayPrototypeJoin(lines, '\n')}\n`;
}

/** An object for output on a null prototype: a key such as `__proto__` is a key like any other, and no setter is met. */
export function bareObject(): Record<string, unknown> {
  return ObjectSetPrototypeOf({}, null) as Record<string, unknown>;
}

/** Rows as one object, on a null prototype. */
function keyedData(m: AggMap, rows: Row[], div: number): Record<string, unknown> {
  const data = bareObject();
  for (let i = 0; i < rows.length; i++) data[rows[i].key] = m.kind.json(rows[i].e, div);
  return data;
}

/** A histogram's percentiles, shaped as its data is: one object, or one per key. */
function percentilesOf(m: AggMap, rows: Row[], percentiles: (e: unknown) => unknown): unknown {
  if (!m.keyed) return rows.length > 0 ? percentiles(rows[0].e) : null;
  const data = bareObject();
  for (let i = 0; i < rows.length; i++) data[rows[i].key] = percentiles(rows[i].e);
  return data;
}

function jsonOf(m: AggMap, top: number, div: number): { type: string; data: object; percentiles?: object; dropped?: number } {
  const rows = sorted(m, top);
  const data = m.keyed ? keyedData(m, rows, div) : rows.length > 0 ? m.kind.json(rows[0].e, div) : null;
  const kind = m.kind;
  if (kind.percentiles === undefined) return { type: kind.jsonType, data: { [m.name]: data } };
  // Beside `data`, not in it: a histogram's data stays its list of buckets, as readers expect.
  const percentiles = percentilesOf(m, rows, (e) => kind.percentiles!(e));
  return { type: kind.jsonType, data: { [m.name]: data }, percentiles: { [m.name]: percentiles } };
}

/**
 * The map as folded stacks, one line per key with its value (a histogram's or stats' count of
 * values), or '' when it is not a map whose every key is a stack: a map of one key, `stack` or
 * `ustack`. No label and no blank line, so that flamegraph.pl reads the lines as they come.
 */
function foldedOf(m: AggMap, top: number, div: number): string {
  if (!m.keyed) return '';
  const rows = sorted(m, top);
  const frames: string[][] = [];
  let any = false;
  for (let i = 0; i < rows.length; i++) {
    const f = stackFrames(rows[i].key);
    if (f === undefined) return '';
    if (f.length > 0) any = true;
    frames[i] = f;
  }
  if (!any) return '';
  let s = '';
  for (let i = 0; i < rows.length; i++) s += `${foldedLine(frames[i], formatScalar(scaled(rows[i].by, div)))}\n`;
  return s;
}

export function printMap(out: Output, m: AggMap, top = 0, div = 1): void {
  if (out.format === 'json') {
    out.json(jsonOf(m, top, div));
    return;
  }
  const t = (out.format === 'folded' ? foldedOf(m, top, div) : '') || textOf(m, top, div);
  if (t !== '') out.text(t);
}

/** The line for a map that dropped updates of new keys at its key limit. */
export function droppedLine(m: AggMap): string {
  return `${m.name}: ${m.dropped} updates dropped at the key limit\n`;
}

/**
 * The maps at the end of a run, in the order the program names them (as bpftrace prints at exit):
 * each that holds something, then a line for each that dropped updates at its key limit. In JSON
 * the count is the `dropped` field of the map's object.
 */
export function printMaps(out: Output, maps: readonly AggMap[]): void {
  if (out.format === 'json') {
    for (let i = 0; i < maps.length; i++) {
      const m = maps[i];
      if (m.entries.size === 0 && m.dropped === 0) continue;
      const o = jsonOf(m, 0, 1);
      if (m.dropped > 0) o.dropped = m.dropped;
      out.json(o);
    }
    return;
  }
  for (let i = 0; i < maps.length; i++) if (maps[i].entries.size > 0) printMap(out, maps[i]);
  for (let i = 0; i < maps.length; i++) if (maps[i].dropped > 0) out.text(droppedLine(maps[i]));
}
