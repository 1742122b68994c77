// Printing maps: text in bpftrace's shape, or one JSON object a line (schema in docs/cli.md).
// Scalar maps print sorted by value, smallest first (so the largest are nearest the prompt);
// `top` keeps the largest N, `div` divides the values. Each entry prints as its kind says.

import type { AggMap } from './maps.js';

export interface Output {
  /** Text output (ends with what the caller gives; maps end with a blank line). */
  text(s: string): void;
  /** JSON output: one object a line. */
  json(o: object): void;
  readonly format: 'text' | 'json';
}

/** The rows to print: sorted by what each reads back when all are numbers, then the top N. */
function sorted(m: AggMap, top: number): [string, unknown][] {
  const kind = m.kind;
  const rows = [...m.entries].map(([key, e]) => ({ key, e, by: kind.scalar(e) }));
  if (rows.every((r) => typeof r.by === 'number')) rows.sort((a, b) => Number(a.by) - Number(b.by));
  const kept = top > 0 ? rows.slice(-top) : rows;
  return kept.map((r) => [r.key, r.e]);
}

function nameOf(m: AggMap, key: string): string {
  return m.keyed ? `${m.name}[${key}]` : m.name;
}

function textOf(m: AggMap, top: number, div: number): string {
  const lines: string[] = [];
  for (const [key, e] of sorted(m, top)) lines.push(...m.kind.text(nameOf(m, key), e, div));
  if (lines.length === 0) return '';
  if (lines[lines.length - 1] !== '') lines.push('');
  return `${lines.join('\n')}\n`;
}

function jsonOf(m: AggMap, top: number, div: number): { type: string; data: object; dropped?: number } {
  const rows = sorted(m, top);
  const kind = m.kind;
  const data = m.keyed ? Object.fromEntries(rows.map(([k, e]) => [k, kind.json(e, div)])) : rows.length > 0 ? kind.json(rows[0][1], div) : null;
  return { type: kind.jsonType, data: { [m.name]: data } };
}

export function printMap(out: Output, m: AggMap, top = 0, div = 1): void {
  if (out.format === 'json') out.json(jsonOf(m, top, div));
  else {
    const t = textOf(m, top, div);
    if (t !== '') out.text(t);
  }
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
    for (const m of maps) {
      if (m.entries.size === 0 && m.dropped === 0) continue;
      const o = jsonOf(m, 0, 1);
      if (m.dropped > 0) o.dropped = m.dropped;
      out.json(o);
    }
    return;
  }
  for (const m of maps) if (m.entries.size > 0) printMap(out, m);
  for (const m of maps) if (m.dropped > 0) out.text(droppedLine(m));
}
