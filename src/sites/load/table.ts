// A rewritten module's table as the main thread reads it: decoded once, when the module
// registers, from the rows its prologue hands over (rewrite/abi.ts) into named records.

import { fileURLToPath } from 'node:url';
import { functionSlots, lineSlots, parseLineKey, type FunctionSlot, type LineSlot } from '../rewrite/abi.js';
import type { LoadTable } from '../hooks/rewrite-module.js';
import { arrayMap, JSONParse, ownFields, StringPrototypeStartsWith } from '../../core/primordials.js';

export interface LineSiteEntry extends LineSlot {
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
  fns: FunctionSlot[];
  lines: LineSiteEntry[];
  /** Function sites then line sites: how many slots the module reads. */
  slots: number;
  /** Functions the rewrite left without a site, and the name their body declares twice (rewrite's ModuleTable.unsited). */
  unsited: { name: string; line: number; conflict: string; aliases: string[] }[];
}

export function decodeTable(json: string): SiteTable {
  // Its own fields: an optional one JSON left out is not Object.prototype's.
  const t = ownFields(JSONParse(json) as Partial<LoadTable> & Pick<LoadTable, 'url' | 'fns' | 'lines'>);
  const fnSources = t.fnSources;
  const fns = functionSlots(t.fns, fnSources);
  const lines = arrayMap(lineSlots(t.lines, fns.length), (l): LineSiteEntry => ({ ...l, asked: parseLineKey(l.key) }));
  return {
    url: t.url,
    file: t.file ?? (StringPrototypeStartsWith(t.url, 'file:') ? fileURLToPath(t.url) : t.url),
    sources: t.sources ?? [],
    mapped: fnSources !== undefined,
    fns,
    lines,
    slots: fns.length + lines.length,
    unsited: arrayMap(t.unsited ?? [], (u) => ({ name: u[0], line: u[1], conflict: u[2], aliases: u[3] ?? [] })),
  };
}

/** The function site in slot `slot`, if that slot is a function site's. */
export function functionAt(t: SiteTable, slot: number): FunctionSlot | undefined {
  return slot >= 0 && slot < t.fns.length ? t.fns[slot] : undefined;
}

/** The line site in slot `slot`, if that slot is a line site's. */
export function lineAt(t: SiteTable, slot: number): LineSiteEntry | undefined {
  const i = slot - t.fns.length;
  return i >= 0 && i < t.lines.length ? t.lines[i] : undefined;
}
