// Printing maps: text in bpftrace's shape, or one JSON object a line (schema in docs/cli.md).
// Scalar maps print sorted by value, smallest first (so the largest are nearest the prompt);
// `top` keeps the largest N, `div` divides the values.

import { display } from './format.js';
import { ArrayPrototypeJoin, ArrayPrototypeSlice, MathRound, MathTrunc, NumberIsInteger, ObjectSetPrototypeOf } from '../core/primordials.js';
import { formatHist, histBuckets, type Log2Hist } from './hist.js';
import type { LinearHist } from './lhist.js';
import { avgOf, scalar, type AggMap, type Entry } from './maps.js';

export interface Output {
  /** Text output (ends with what the caller gives; maps end with a blank line). */
  text(s: string): void;
  /** JSON output: one object a line. */
  json(o: object): void;
  readonly format: 'text' | 'json';
}

function sorted(m: AggMap, top: number): [string, Entry][] {
  const rows = [...m.entries];
  if (m.agg !== 'value' || rows.every(([, v]) => typeof v === 'number')) {
    rows.sort((a, b) => (scalar(m.agg, a[1]) as number) - (scalar(m.agg, b[1]) as number));
  }
  return top > 0 ? ArrayPrototypeSlice(rows, -top) as [string, Entry][] : rows;
}

function nameOf(m: AggMap, key: string): string {
  return m.keyed ? `${m.name}[${key}]` : m.name;
}

function scaled(v: unknown, div: number): unknown {
  return div !== 1 && typeof v === 'number' ? MathTrunc(v / div) : v;
}

function textOf(m: AggMap, top: number, div: number): string {
  const lines: string[] = [];
  for (const [key, v] of sorted(m, top)) {
    if (m.agg === 'hist' || m.agg === 'lhist') {
      const rows = m.agg === 'hist' ? formatHist(v as Log2Hist) : (v as LinearHist).rows();
      lines.push(`${nameOf(m, key)}:`, ...rows, '');
    } else if (m.agg === 'stats') {
      const s = avgOf(v);
      lines.push(`${nameOf(m, key)}: count ${s.count}, average ${scaled(s.average, div)}, total ${scaled(s.total, div)}`);
    } else {
      const shown = scalar(m.agg, v);
      lines.push(`${nameOf(m, key)}: ${typeof shown === 'string' ? shown : formatScalar(scaled(shown, div))}`);
    }
  }
  if (lines.length === 0) return '';
  if (lines[lines.length - 1] !== '') lines.push('');
  return `${ArrayPrototypeJoin(lines, '\n')}\n`;
}

function formatScalar(v: unknown): string {
  if (typeof v === 'number') return NumberIsInteger(v) ? `${v}` : `${MathRound(v * 1000) / 1000}`;
  return display(v);
}

function jsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (typeof v === 'object' && v !== null) return display(v);
  return v;
}

/** Rows as one object, on a null prototype: a key such as `__proto__` is a key like any other. */
function keyedData(rows: [string, Entry][], value: (v: Entry) => unknown): Record<string, unknown> {
  const data = ObjectSetPrototypeOf({}, null) as Record<string, unknown>;
  for (let i = 0; i < rows.length; i++) data[rows[i][0]] = value(rows[i][1]);
  return data;
}

function jsonOf(m: AggMap, top: number, div: number): object {
  const rows = sorted(m, top);
  const value = (v: Entry): unknown => {
    if (m.agg === 'hist') return histBuckets(v as Log2Hist);
    if (m.agg === 'lhist') return (v as LinearHist).buckets();
    if (m.agg === 'stats') {
      const s = avgOf(v);
      return { count: s.count, average: scaled(s.average, div), total: scaled(s.total, div) };
    }
    return jsonValue(scaled(scalar(m.agg, v), div));
  };
  const type = m.agg === 'hist' || m.agg === 'lhist' ? 'hist' : m.agg === 'stats' ? 'stats' : 'map';
  const data = m.keyed ? keyedData(rows, value) : rows.length > 0 ? value(rows[0][1]) : null;
  return { type, data: { [m.name]: data } };
}

export function printMap(out: Output, m: AggMap, top = 0, div = 1): void {
  if (out.format === 'json') out.json(jsonOf(m, top, div));
  else {
    const t = textOf(m, top, div);
    if (t !== '') out.text(t);
  }
}
