// `table(@a, @b, …)`: maps that share their keys printed side by side, a row per key of the first
// map and a column per map (a stats() map gives four: its average, p50, p99 and max), as
// `jsprobe monitor` prints each interval. Runs in the traced program: captured built-ins only.

import { ArrayPrototypeJoin, mapForEach, StringPrototypePadEnd, StringPrototypePadStart } from '../core/primordials.js';
import { formatScalar, jsonValue } from './aggregator.js';
import type { AggMap } from './maps.js';
import { bareObject, type Output } from './print.js';

/** What a stats() map shows in a table, of the fields its JSON has. */
const STATS_COLUMNS = [['avg', 'average'], ['p50', 'p50'], ['p99', 'p99'], ['max', 'max']] as const;

/** The column headings: a map's name, or for a stats() map `avg_NAME`, `p50_NAME`, …. */
function headings(maps: readonly AggMap[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < maps.length; i++) {
    const m = maps[i];
    const name = m.name === '@' ? '@' : m.name.slice(1);
    if (m.kind.jsonType === 'stats') for (let j = 0; j < STATS_COLUMNS.length; j++) out[out.length] = `${STATS_COLUMNS[j][0]}_${name}`;
    else out[out.length] = name;
  }
  return out;
}

/** One row's values: what each map reads back for `key` (0 where it has none, as a read in the language gives; NaN for stats). */
function cells(maps: readonly AggMap[], key: string): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < maps.length; i++) {
    const m = maps[i];
    if (m.kind.jsonType !== 'stats') {
      out[out.length] = m.get(key);
      continue;
    }
    const e = m.entries.get(key);
    const fields = e === undefined ? undefined : (m.kind.json(e, 1) as Record<string, unknown>);
    for (let j = 0; j < STATS_COLUMNS.length; j++) out[out.length] = fields === undefined ? NaN : fields[STATS_COLUMNS[j][1]];
  }
  return out;
}

/** Prints the table of `maps` (nothing when the first has no keys: a `table` object with no rows under JSON). */
export function printTable(out: Output, maps: readonly AggMap[]): void {
  const columns = headings(maps);
  const rows: [string, unknown[]][] = [];
  mapForEach(maps[0].entries, (_e, key) => {
    rows[rows.length] = [key, cells(maps, key)];
  });
  if (out.format === 'json') {
    const data: unknown[] = [];
    for (let i = 0; i < rows.length; i++) {
      const values: unknown[] = [];
      for (let j = 0; j < rows[i][1].length; j++) values[j] = jsonValue(rows[i][1][j]);
      const row = bareObject();
      row.key = rows[i][0];
      row.values = values;
      data[i] = row;
    }
    const o = bareObject();
    o.type = 'table';
    o.data = { columns, rows: data };
    out.json(o);
    return;
  }
  if (rows.length === 0) return;
  const texts: string[][] = [];
  let keyWidth = 0;
  const widths: number[] = [];
  for (let j = 0; j < columns.length; j++) widths[j] = columns[j].length;
  for (let i = 0; i < rows.length; i++) {
    if (rows[i][0].length > keyWidth) keyWidth = rows[i][0].length;
    const t: string[] = [];
    for (let j = 0; j < rows[i][1].length; j++) {
      t[j] = formatScalar(rows[i][1][j]);
      if (t[j].length > widths[j]) widths[j] = t[j].length;
    }
    texts[i] = t;
  }
  const line = (key: string, values: readonly string[]): string => {
    let s = StringPrototypePadEnd(key, keyWidth);
    for (let j = 0; j < values.length; j++) s += `  ${StringPrototypePadStart(values[j], widths[j])}`;
    return s;
  };
  const lines = [line('', columns)];
  for (let i = 0; i < rows.length; i++) lines[lines.length] = line(rows[i][0], texts[i]);
  out.text(`${ArrayPrototypeJoin(lines, '\n')}\n\n`);
}
