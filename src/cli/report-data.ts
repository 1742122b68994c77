// What the report page draws, gathered from the trace's JSON lines (-f json, docs/cli.md) as they
// arrive: each map as it printed last, drawn as its kind says, each map's prints over time (the
// timeline), and the text the program printed. Everything kept is bounded, however long the run.

import { stackFrames } from '../agg/folded.js';

/** Bars a keyed map draws, the largest first; the rest are counted ("and K more"). */
export const TOP_BARS = 40;
/** Histograms a keyed hist or lhist draws, those with the most values first. */
export const TOP_HISTS = 12;
/** Stacks a flame graph keeps, the heaviest first: a flame graph of more is unreadable, and the page grows. */
export const TOP_STACKS = 4000;
/** Prints of one map the timeline keeps; past it, every other one is let go (the span stays whole, the detail halves). */
export const MAX_SNAPSHOTS = 400;
/** Series one snapshot keeps: the largest values. */
export const SNAPSHOT_SERIES = 12;
/** Lines of the program's printf and print output kept, the last ones. */
export const LOG_LINES = 1000;

export interface Bucket {
  min: number | null;
  max: number | null;
  count: number;
}
export interface Percentiles {
  p50: number | string;
  p90: number | string;
  p99: number | string;
  /** Values past the percentile memory budget, which make these approximate (docs/cli.md, Percentiles). */
  clamped?: number;
}
/** A chart of one map, as the page draws it. */
export type Chart =
  | { kind: 'bars'; rows: [string, number][]; more: number; moreTotal: number }
  | { kind: 'table'; rows: [string, unknown][]; more: number }
  | { kind: 'hist'; hists: { key: string | null; buckets: Bucket[]; percentiles: Percentiles | null }[]; more: number }
  | { kind: 'stats'; rows: [string, Record<string, unknown>][]; more: number }
  | { kind: 'flame'; stacks: [string[], number][]; more: number; moreTotal: number };

export interface Snapshot {
  /** Seconds since the trace began. */
  t: number;
  values: Record<string, number>;
}

export interface ReportMap {
  name: string;
  chart: Chart;
  dropped: number;
  prints: number;
  timeline: Snapshot[];
}

export interface ReportData {
  maps: ReportMap[];
  log: string[];
  logDropped: number;
  stringsCut: number;
  /** Strings too long to read (over 64 × --max-strlen): not read at all. */
  stringsUnread: number;
  /** Lines that were not the JSON the agent writes (never expected; counted, not shown). */
  unreadable: number;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A number from a JSON value: NaN and the infinities travel as text. */
function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return Number(v);
  return NaN;
}

function bucketsOf(v: unknown): Bucket[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isObject).map((b) => ({
    min: typeof b.min === 'number' ? b.min : null,
    max: typeof b.max === 'number' ? b.max : null,
    count: num(b.count),
  }));
}

function percentilesOf(v: unknown): Percentiles | null {
  if (!isObject(v)) return null;
  const p = (x: unknown) => (typeof x === 'number' || typeof x === 'string' ? x : 'NaN');
  const out: Percentiles = { p50: p(v.p50), p90: p(v.p90), p99: p(v.p99) };
  if (typeof v.clamped === 'number' && v.clamped > 0) out.clamped = v.clamped;
  return out;
}

function histCount(buckets: Bucket[]): number {
  return buckets.reduce((n, b) => n + (b.count > 0 ? b.count : 0), 0);
}

/** The entries of a map's data: one, keyed null, for a map without keys. */
function entriesOf(data: unknown, keyed: boolean): [string | null, unknown][] {
  if (!keyed) return [[null, data]];
  return Object.entries(data as Json);
}

/** A map without keys holds one value (or a list of buckets); one with keys, an object of them. */
function isKeyed(type: string, data: unknown): boolean {
  // A stats entry is an object too; a keyed stats map's values are objects, its count is not.
  return type === 'stats' ? isObject(data) && !(typeof data.count === 'number' || typeof data.count === 'string') : isObject(data);
}

function byValue<T>(rows: [T, number][]): [T, number][] {
  return rows.sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : 0));
}

/** A keyed map whose every key is a stack (folded.ts), as stacks root first; undefined otherwise. */
function flameOf(entries: [string | null, unknown][], weight: (v: unknown) => number): Chart | undefined {
  if (entries.length === 0) return undefined;
  const stacks: [string[], number][] = [];
  let any = false;
  for (const [key, v] of entries) {
    const frames = stackFrames(key ?? '');
    if (frames === undefined) return undefined;
    if (frames.length > 0) any = true;
    stacks.push([frames.length > 0 ? frames.reverse() : ['[unknown]'], weight(v)]);
  }
  if (!any) return undefined;
  byValue(stacks);
  const rest = stacks.splice(TOP_STACKS);
  return { kind: 'flame', stacks, more: rest.length, moreTotal: rest.reduce((n, r) => n + (r[1] > 0 ? r[1] : 0), 0) };
}

function histChart(entries: [string | null, unknown][], percentiles: unknown, keyed: boolean): Chart {
  const hists = entries.map(([key, v]) => {
    const p = keyed ? (isObject(percentiles) ? percentiles[key ?? ''] : undefined) : percentiles;
    return { key, buckets: bucketsOf(v), percentiles: percentilesOf(p) };
  });
  hists.sort((a, b) => histCount(b.buckets) - histCount(a.buckets));
  const rest = hists.splice(TOP_HISTS);
  return { kind: 'hist', hists, more: rest.length };
}

function chartOf(type: string, data: unknown, percentiles: unknown): Chart {
  const keyed = isKeyed(type, data);
  const entries = entriesOf(data, keyed);
  if (type === 'hist') return (keyed && flameOf(entries, (v) => histCount(bucketsOf(v)))) || histChart(entries, percentiles, keyed);
  if (type === 'stats') {
    const flame = keyed ? flameOf(entries, (v) => (isObject(v) ? num(v.count) : 0)) : undefined;
    if (flame !== undefined) return flame;
    const rows = byValue(entries.map(([k, v]): [string, number] => [k ?? '', isObject(v) ? num(v.count) : 0]));
    const rest = rows.splice(TOP_BARS);
    const stats = new Map(entries.map(([k, v]) => [k ?? '', isObject(v) ? v : {}]));
    return { kind: 'stats', rows: rows.map(([k]) => [k, stats.get(k)!]), more: rest.length };
  }
  if (entries.every(([, v]) => typeof v === 'number' || (typeof v === 'string' && !Number.isNaN(num(v))))) {
    const flame = keyed ? flameOf(entries, num) : undefined;
    if (flame !== undefined) return flame;
    const rows = byValue(entries.map(([k, v]): [string, number] => [k ?? '', num(v)]));
    const rest = rows.splice(TOP_BARS);
    return { kind: 'bars', rows, more: rest.length, moreTotal: rest.reduce((n, r) => n + (Number.isFinite(r[1]) ? r[1] : 0), 0) };
  }
  const rest = entries.splice(TOP_BARS);
  return { kind: 'table', rows: entries.map(([k, v]) => [k ?? '', v]), more: rest.length };
}

/**
 * The numbers of one print, for the timeline: each key's value (a histogram's or stats' count of
 * values), or for a histogram or stats without keys its percentiles, which say more over time.
 */
function snapshotValues(chart: Chart, name: string): Record<string, number> {
  const values: [string, number][] = [];
  switch (chart.kind) {
    case 'bars':
      for (const [k, v] of chart.rows) values.push([k === '' ? name : k, v]);
      break;
    case 'hist':
      if (chart.hists.length === 1 && chart.hists[0].key === null) {
        const p = chart.hists[0].percentiles;
        if (p !== null) values.push(['p50', num(p.p50)], ['p90', num(p.p90)], ['p99', num(p.p99)]);
      } else for (const h of chart.hists) values.push([h.key ?? name, histCount(h.buckets)]);
      break;
    case 'stats':
      if (chart.rows.length === 1 && chart.rows[0][0] === '') {
        const s = chart.rows[0][1];
        values.push(['p50', num(s.p50)], ['p90', num(s.p90)], ['p99', num(s.p99)]);
      } else for (const [k, s] of chart.rows) values.push([k, num(s.count)]);
      break;
    case 'flame':
      values.push([name, chart.stacks.reduce((n, s) => n + s[1], 0) + chart.moreTotal]);
      break;
    case 'table':
      break;
  }
  const kept = byValue(values.filter((v) => Number.isFinite(v[1]))).slice(0, SNAPSHOT_SERIES);
  return Object.fromEntries(kept);
}

export class ReportCollector {
  readonly #maps = new Map<string, ReportMap>();
  readonly #log: string[] = [];
  #logDropped = 0;
  #partial = '';
  #stringsCut = 0;
  #stringsUnread = 0;
  #unreadable = 0;
  readonly #start: number;

  constructor(private readonly now: () => number = Date.now) {
    this.#start = now();
  }

  /** Text from the trace: JSON lines, perhaps cut anywhere. */
  write(s: string): void {
    const lines = (this.#partial + s).split('\n');
    this.#partial = lines.pop()!;
    for (const line of lines) if (line !== '') this.#line(line);
  }

  #line(line: string): void {
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      this.#unreadable++;
      return;
    }
    if (!isObject(o) || typeof o.type !== 'string') {
      this.#unreadable++;
      return;
    }
    switch (o.type) {
      case 'map': case 'hist': case 'stats':
        if (isObject(o.data)) for (const [name, data] of Object.entries(o.data)) this.#map(o.type, name, data, o);
        return;
      case 'printf': case 'time':
        return this.#text(typeof o.data === 'string' ? o.data : String(o.data));
      case 'value':
        return this.#text(`${JSON.stringify(o.data)}\n`);
      case 'strings_cut':
        this.#stringsCut = isObject(o.data) ? num(o.data.count) : 0;
        return;
      case 'strings_unread':
        this.#stringsUnread = isObject(o.data) ? num(o.data.count) : 0;
        return;
      default:
        this.#unreadable++;
    }
  }

  #map(type: string, name: string, data: unknown, o: Json): void {
    const percentiles = isObject(o.percentiles) ? o.percentiles[name] : undefined;
    const chart = chartOf(type, data, percentiles);
    let m = this.#maps.get(name);
    if (m === undefined) {
      m = { name, chart, dropped: 0, prints: 0, timeline: [] };
      this.#maps.set(name, m);
    }
    m.chart = chart;
    m.prints++;
    if (typeof o.dropped === 'number') m.dropped = o.dropped;
    m.timeline.push({ t: (this.now() - this.#start) / 1000, values: snapshotValues(chart, name) });
    const n = m.timeline.length;
    if (n > MAX_SNAPSHOTS) m.timeline = m.timeline.filter((_, i) => (n - 1 - i) % 2 === 0);
  }

  #text(s: string): void {
    const lines = s.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    for (const l of lines) this.#log.push(l);
    if (this.#log.length > LOG_LINES) this.#logDropped += this.#log.splice(0, this.#log.length - LOG_LINES).length;
  }

  data(): ReportData {
    if (this.#partial !== '') {
      this.#line(this.#partial);
      this.#partial = '';
    }
    return { maps: [...this.#maps.values()], log: this.#log, logDropped: this.#logDropped, stringsCut: this.#stringsCut, stringsUnread: this.#stringsUnread,
      unreadable: this.#unreadable };
  }
}
