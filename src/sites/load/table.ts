// A rewritten module's table as the main thread reads it: decoded once, when the module
// registers, from the rows its prologue hands over (rewrite/abi.ts) into named records.

import { fileURLToPath } from 'node:url';
import { functionEntry, lineEntry, parseLineKey, type FunctionEntry, type LineEntry } from '../rewrite/abi.js';
import type { LoadTable } from '../hooks/rewrite-module.js';

export interface FunctionSiteEntry extends FunctionEntry {
  /** Its slot in the module's slot array. */
  slot: number;
  /** With a source map: the index of the original source it comes from (-1: none); else undefined. */
  source: number | undefined;
}

export interface LineSiteEntry extends LineEntry {
  slot: number;
  /** The asked-for line it stands for: the index of the map's source it is in (-1: the module's own file), and its line there. */
  asked: { source: number; line: number };
}

export interface SiteTable {
  url: string;
  /** Absolute path of the module's file. */
  file: string;
  /** Absolute paths of the original sources its source map names (e.g. the .ts files). */
  sources: string[];
  /** The module has a source map that says which source each function comes from. */
  mapped: boolean;
  fns: FunctionSiteEntry[];
  lines: LineSiteEntry[];
  /** Function sites then line sites: how many slots the module reads. */
  slots: number;
}

export function decodeTable(json: string): SiteTable {
  const t = JSON.parse(json) as Partial<LoadTable> & Pick<LoadTable, 'url' | 'fns' | 'lines'>;
  const fnSources = t.fnSources;
  const fns = t.fns.map((row, slot): FunctionSiteEntry => ({ ...functionEntry(row), slot, source: fnSources?.[slot] }));
  const lines = t.lines.map((row, i): LineSiteEntry => {
    const e = lineEntry(row);
    return { ...e, slot: fns.length + i, asked: parseLineKey(e.key) };
  });
  return {
    url: t.url,
    file: t.file ?? (t.url.startsWith('file:') ? fileURLToPath(t.url) : t.url),
    sources: t.sources ?? [],
    mapped: fnSources !== undefined,
    fns,
    lines,
    slots: fns.length + lines.length,
  };
}

/** The function site in slot `slot`, if that slot is a function site's. */
export function functionAt(t: SiteTable, slot: number): FunctionSiteEntry | undefined {
  return slot >= 0 && slot < t.fns.length ? t.fns[slot] : undefined;
}

/** The line site in slot `slot`, if that slot is a line site's. */
export function lineAt(t: SiteTable, slot: number): LineSiteEntry | undefined {
  const i = slot - t.fns.length;
  return i >= 0 && i < t.lines.length ? t.lines[i] : undefined;
}
