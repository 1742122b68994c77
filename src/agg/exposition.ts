// Maps as a Prometheus page (the text exposition format, version 0.0.4), for `--prometheus`:
// count, sum, min, max, avg and numeric values as gauges, hist and lhist as histograms, stats as
// summaries. The page has a size cap; keys past it are left off and counted. docs/cli.md
// ("Prometheus") gives the names, labels and types. Runs in the command, never in the traced program.

import { Buffer } from 'node:buffer';
import type { AggMap } from './maps.js';
import { bucketRange, type Log2Hist } from './hist.js';
import type { LinearHist } from './lhist.js';
import { PERCENTILES } from './quantiles.js';
import type { Stats } from './stats.js';

/** The Content-Type of the page. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** The page's size cap in bytes, unless the caller gives one: Prometheus's own default body limit is far above it. */
export const DEFAULT_MAX_PAGE_BYTES = 4 << 20;

/** Names jsprobe's own series take before any map's. */
const DROPPED_SERIES = 'jsprobe_dropped_series';
const DROPPED_UPDATES = 'jsprobe_dropped_updates';

/** A map to export, and how many elements its key has (0 for a map without a key). */
export interface ExportedMap {
  map: AggMap;
  keys: number;
}

export interface ExpositionOptions {
  /** The page's cap in bytes (DEFAULT_MAX_PAGE_BYTES). */
  maxBytes?: number;
}

type Family = 'gauge' | 'histogram' | 'summary';

/** The sample names each type of family writes, from its base name. */
const SUFFIXES: Record<Family, readonly string[]> = {
  gauge: [''],
  histogram: ['', '_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

/** A label value as the format wants it: backslash, double quote and line feed escaped. */
export function escapeLabelValue(s: string): string {
  return s.replace(/[\\"\n]/g, (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : '\\n'));
}

/** HELP text: backslash and line feed escaped (a double quote stays as it is there). */
export function escapeHelp(s: string): string {
  return s.replace(/[\\\n]/g, (c) => (c === '\\' ? '\\\\' : '\\n'));
}

/** A metric name: anything outside [a-zA-Z0-9_:] becomes `_`, and a leading digit gets a `_` before it. */
export function metricName(s: string): string {
  const t = s.replace(/[^a-zA-Z0-9_:]/g, '_');
  return t === '' || /^[0-9]/.test(t) ? `_${t}` : t;
}

/** A sample value as Go's ParseFloat reads it: NaN, +Inf and -Inf spelled its way. */
export function sampleValue(v: number | bigint): string {
  if (typeof v === 'bigint') return `${v}`;
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return `${v}`;
}

function labelText(labels: readonly (readonly [string, string])[]): string {
  if (labels.length === 0) return '';
  return `{${labels.map(([n, v]) => `${n}="${escapeLabelValue(v)}"`).join(',')}}`;
}

/**
 * The labels of one key: `key` for a map of one key element; `key0`, `key1`, … for a map of
 * several, whose key text holds them joined by ", " (when an element itself holds ", ", the split
 * is ambiguous, and the whole text goes in `key`).
 */
export function keyLabels(key: string, keys: number): [string, string][] {
  if (keys === 0) return [];
  if (keys > 1) {
    const parts = key.split(', ');
    if (parts.length === keys) return parts.map((p, i) => [`key${i}`, p]);
  }
  return [['key', key]];
}

/** The lines of one key's series, or none when the key's value is not a number (a string a map holds). */
function seriesLines(name: string, m: AggMap, e: unknown, labels: [string, string][]): string[] {
  switch (m.kind.kind) {
    case 'hist': {
      const h = e as Log2Hist;
      let last = h.counts.length - 1;
      while (last >= 0 && !(h.counts[last] > 0)) last--;
      const bounds: number[] = [];
      for (let i = 0; i <= last; i++) bounds.push(bucketRange(i).max ?? Infinity);
      return histogramLines(name, labels, bounds, h.counts, h.total, h.sum);
    }
    case 'lhist': {
      const h = e as LinearHist;
      const bounds: number[] = [];
      for (let i = 0; i < h.counts.length; i++) bounds.push(h.range(i).max ?? Infinity);
      let total = 0;
      for (const c of h.counts) total += c;
      return histogramLines(name, labels, bounds, h.counts, total, h.sum);
    }
    case 'stats': {
      const s = e as Stats;
      const p = s.q.percentiles(PERCENTILES);
      const lines = PERCENTILES.map((q, i) => `${name}${labelText([...labels, ['quantile', `${q / 100}`]])} ${sampleValue(p[i])}`);
      const l = labelText(labels);
      lines.push(`${name}_sum${l} ${sampleValue(s.total)}`, `${name}_count${l} ${sampleValue(s.n)}`);
      return lines;
    }
    default: {
      const v = m.kind.scalar(e);
      if (typeof v !== 'number' && typeof v !== 'bigint') return [];
      return [`${name}${labelText(labels)} ${sampleValue(v)}`];
    }
  }
}

/**
 * A histogram's lines: bucket i holds values below bounds[i] (jsprobe's buckets are [lo, hi)), so
 * `le` is that exclusive upper end; cumulative counts; then +Inf (the total), _sum and _count.
 */
function histogramLines(name: string, labels: [string, string][], bounds: number[], counts: readonly number[], total: number, sum: number): string[] {
  const lines: string[] = [];
  let running = 0;
  for (let i = 0; i < bounds.length; i++) {
    running += counts[i] ?? 0;
    // The last log2 bucket's end is 2^1024, Infinity: that one is the +Inf bucket below.
    if (bounds[i] === Infinity) continue;
    lines.push(`${name}_bucket${labelText([...labels, ['le', sampleValue(bounds[i])]])} ${sampleValue(running)}`);
  }
  const l = labelText(labels);
  lines.push(`${name}_bucket${labelText([...labels, ['le', '+Inf']])} ${sampleValue(total)}`);
  lines.push(`${name}_sum${l} ${sampleValue(sum)}`, `${name}_count${l} ${sampleValue(total)}`);
  return lines;
}

function familyOf(m: AggMap): Family {
  const k = m.kind.kind;
  return k === 'hist' || k === 'lhist' ? 'histogram' : k === 'stats' ? 'summary' : 'gauge';
}

/** Each map's family name: jsprobe_<name> (`@` alone: jsprobe_map), with _2, _3, … when the names it writes are taken. */
function familyNames(maps: readonly ExportedMap[]): string[] {
  const taken = new Set<string>([DROPPED_SERIES, DROPPED_UPDATES]);
  return maps.map(({ map }) => {
    const family = familyOf(map);
    const base = metricName(`jsprobe_${map.name.slice(1) || 'map'}`);
    let name = base;
    for (let n = 2; SUFFIXES[family].some((s) => taken.has(name + s)); n++) name = `${base}_${n}`;
    for (const s of SUFFIXES[family]) taken.add(name + s);
    return name;
  });
}

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** The page: every map with entries, its keys in the order the map got them, within the size cap. */
export function exposition(maps: readonly ExportedMap[], options: ExpositionOptions = {}): string {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_PAGE_BYTES;
  const names = familyNames(maps);
  const updates = maps.filter(({ map }) => map.dropped > 0);
  // What always ends the page, so its room is kept from the start (the count's digits: at most 16).
  const trailer = (dropped: number): string => {
    let t = `# HELP ${DROPPED_SERIES} Map keys left off this page: it reached its cap of ${maxBytes} bytes.\n`;
    t += `# TYPE ${DROPPED_SERIES} gauge\n${DROPPED_SERIES} ${dropped}\n`;
    if (updates.length > 0) {
      t += `# HELP ${DROPPED_UPDATES} Updates of new keys a map dropped at its key limit (--max-map-keys).\n# TYPE ${DROPPED_UPDATES} gauge\n`;
      for (const { map } of updates) t += `${DROPPED_UPDATES}${labelText([['map', map.name]])} ${map.dropped}\n`;
    }
    return t;
  };
  let room = maxBytes - bytes(trailer(0)) - 16;
  const parts: string[] = [];
  let dropped = 0;
  for (let i = 0; i < maps.length; i++) {
    const { map, keys } = maps[i];
    const family = familyOf(map);
    let header = `# HELP ${names[i]} jsprobe map ${escapeHelp(map.name)}, ${map.kind.kind}()\n# TYPE ${names[i]} ${family}\n`;
    for (const [key, e] of map.entries) {
      if (room < 0) {
        dropped++;
        continue;
      }
      const lines = seriesLines(names[i], map, e, keyLabels(key, map.keyed ? keys : 0));
      if (lines.length === 0) continue;
      const text = `${header}${lines.join('\n')}\n`;
      const size = bytes(text);
      // Past the cap, every key after is left off too: the page never holds a later key without an earlier one.
      if (size > room) {
        room = -1;
        dropped++;
        continue;
      }
      room -= size;
      parts.push(text);
      header = '';
    }
  }
  parts.push(trailer(dropped));
  return parts.join('');
}
