// What a load hook does with one module's source: decide whether a registered or hinted target
// names it (directly, or through its source map for .ts files), and if so rewrite it with probe
// sites and a source map chained to the incoming one. Runs on whatever thread the hook runs on.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodedMappings, generatedPositionFor, LEAST_UPPER_BOUND, originalPositionFor, type TraceMap } from '@jridgewell/trace-mapping';
import { lineKey, SITES_TRAILER, sitesTrailer } from '../rewrite/abi.js';
import { instrument, type ModuleTable } from '../rewrite/instrument.js';
import { chainMap, identityMap, inlineComment, traceMap } from '../rewrite/sourcemap.js';
import { OriginalFunctions } from '../rewrite/original-names.js';
import { pathGlob } from '../../core/glob.js';
import { cacheable, cached, cacheKey, smallCached, smallKey, smallStore, store } from './rewrite-cache.js';
import type { Wanted } from './wanted.js';
import type { CountKind } from '../../core/probe.js';
import {
  arrayMap, ArrayPrototypeIncludes, hasKey, JSONStringify, RegExpPrototypeExec, regExpTest, SafeMap, SafeNumber, SafeSet, StringPrototypeIncludes,
  StringPrototypeLastIndexOf, StringPrototypeSlice, StringPrototypeStartsWith,
} from '../../core/primordials.js';
import { inlineMapText } from '../rewrite/inline-map.js';

/**
 * What the main thread learns about a rewritten module (embedded in its prologue). Line keys are
 * abi.ts's lineKey of what was asked for.
 */
export interface LoadTable extends ModuleTable {
  /** Absolute path of the module's file. */
  file: string;
  /** Absolute paths of the original sources its source map names (e.g. the .ts files). */
  sources: string[];
}

// What runs here runs in the program's thread at each load, a module it loads late included: it
// calls the built-ins captured at load (core/primordials.ts), never the program's.

const globs = new SafeMap() as Map<string, RegExp>;
export function matches(glob: string, path: string): boolean {
  let re = globs.get(glob);
  if (re === undefined) globs.set(glob, (re = pathGlob(glob)));
  return regExpTest(re, path);
}

/** The source map a module points at, if it has one and it can be read. */
function loadMap(src: string, file: string): TraceMap | null {
  const at = StringPrototypeLastIndexOf(src, 'sourceMappingURL=');
  if (at < 0) return null;
  const url = RegExpPrototypeExec(/^sourceMappingURL=(\S+)/, StringPrototypeSlice(src, at))?.[1];
  if (url === undefined) return null;
  try {
    if (StringPrototypeStartsWith(url, 'data:')) {
      const json = inlineMapText(url);
      return json === null ? null : traceMap(json, file);
    }
    const mapFile = StringPrototypeStartsWith(url, 'file:') ? fileURLToPath(url) : resolve(dirname(file), url);
    return traceMap(readFileSync(mapFile, 'utf8'), mapFile);
  } catch {
    return null;
  }
}

interface Plan {
  /** Generated positions to put line sites at, with the keys of the lines they stand for. */
  lines: { line: number; column: number; key: string }[];
  map: TraceMap | null;
  sources: string[];
  /**
   * Every function is for counting its calls alone, at their entry or as they end (instrument's
   * countOnly): one entry wants the file, and it is a sealed count's. Undefined: whole sites.
   */
  countOnly: CountKind | undefined;
}

/** Whether to rewrite `file`, and where its line sites go. */
export function plan(file: string, src: string, wanted: readonly Wanted[]): Plan | null {
  if (wanted.length === 0) return null;
  const lines: Plan['lines'] = [];
  // A .ts target runs as JavaScript: look for it among the sources of the module's map. tsx
  // loads the .ts file itself, compiled: its lines are the map's, not the file's.
  const map = StringPrototypeIncludes(src, 'sourceMappingURL=') ? loadMap(src, file) : null;
  const sources = map === null ? [] : arrayMap(map.resolvedSources, (s) => (StringPrototypeStartsWith(s, 'file:') ? fileURLToPath(s) : s));
  const mapped = ArrayPrototypeIncludes(sources, file);
  // The entries that want the file, by its path or its sources' (an entry counts once).
  const by = new SafeSet() as Set<Wanted>;
  let only: Wanted | undefined;
  for (let j = 0; j < wanted.length; j++) {
    const w = wanted[j];
    if (!matches(w.file, file)) continue;
    by.add(w);
    only ??= w;
    if (!mapped) for (let k = 0; k < w.lines.length; k++) lines[lines.length] = { line: w.lines[k], column: 0, key: lineKey(-1, w.lines[k]) };
  }
  for (let i = 0; i < sources.length; i++) {
    for (let j = 0; j < wanted.length; j++) {
      const w = wanted[j];
      if (!matches(w.file, sources[i])) continue;
      by.add(w);
      only ??= w;
      for (let k = 0; k < w.lines.length; k++) {
        const line = w.lines[k];
        const pos = generatedPositionFor(map!, { source: map!.resolvedSources[i], line, column: 0, bias: LEAST_UPPER_BOUND });
        lines[lines.length] = { line: pos.line ?? -1, column: pos.column ?? 0, key: lineKey(i, line) };
      }
    }
  }
  if (only === undefined) return null;
  // Its own `count` only: the list comes through JSON, which leaves out a `count` that is undefined,
  // and Object.prototype may have one of the program's (test/safety/pollute.test.ts).
  return { lines, map, sources, countOnly: by.size === 1 && only.lines.length === 0 && hasKey(only, 'count') ? only.count : undefined };
}

/** The text of source `i` of `map`: from the map, else from its file. */
function originalSource(map: TraceMap, paths: readonly string[], i: number): { text: string; path: string } | null {
  const path = paths[i];
  const inMap = map.sourcesContent?.[i];
  if (typeof inMap === 'string') return { text: inMap, path };
  try {
    return { text: readFileSync(path, 'utf8'), path };
  } catch {
    return null;
  }
}

export interface Rewritten {
  code: string;
  /** Sites in the module: function sites, then line sites. */
  sites: number;
  /** The rewrite came from the disk cache. */
  cached: boolean;
}

/**
 * Rewrite `src` by `p`. A source map is emitted when the module came with one (it is chained),
 * or when source maps are enabled in this process (an exact identity map); otherwise nothing
 * would read it, and lines already match.
 */
export function rewrite(src: string, url: string, file: string, format: 'module' | 'script', p: Plan): Rewritten {
  const emitMap = p.map !== null || process.sourceMapsEnabled === true;
  // An external source map is not in `src`, and the rewrite depends on it (the chained map, each
  // function's source, names from it).
  const mapKey = (map: TraceMap): string => `${encodedMappings(map)}\0${JSONStringify(map.names)}`;
  const parts = (): string[] => [
    url, file, format, JSONStringify(p.lines), JSONStringify(p.sources), emitMap ? 'true' : 'false', p.map === null ? '' : mapKey(p.map), p.countOnly ?? '',
  ];
  const key = cacheable(src) ? cacheKey(src, parts()) : undefined;
  // A small module's rewrite has a cache of its own, which does not load the parser to be read (rewrite-cache.ts).
  const small = key === undefined ? smallKey(src, parts()) : undefined;
  const hit = key !== undefined ? cached(src, key) : small !== undefined ? smallCached(small) : undefined;
  if (hit !== undefined) {
    const sites = RegExpPrototypeExec(SITES_TRAILER, StringPrototypeSlice(hit, -40))?.[1];
    return { code: hit, sites: SafeNumber(sites ?? 0), cached: true };
  }
  const map = p.map;
  const sourceIndex = new SafeMap() as Map<string, number>;
  if (map !== null) for (let i = 0; i < map.resolvedSources.length; i++) sourceIndex.set(map.resolvedSources[i], i);
  const origin = map === null ? undefined : (line: number, column: number) => {
    const o = originalPositionFor(map, { line, column });
    return { source: o.source === null ? -1 : sourceIndex.get(o.source) ?? -1, name: o.name, line: o.line, column: o.column };
  };
  const originals = map === null ? undefined : new OriginalFunctions((i) => originalSource(map, p.sources, i));
  const mapText = map === null ? undefined : JSONStringify({ sources: p.sources, mappings: encodedMappings(map) });
  const out = instrument(src, {
    url, format, lines: p.lines, extra: { file, sources: p.sources }, origin, original: originals && ((s, l, c) => originals.at(s, l, c)), mapText,
    countOnly: p.countOnly,
  });
  let code = out.code;
  if (emitMap) {
    const map = p.map !== null ? chainMap(p.map, out.shifts) : identityMap(src, url, out.starts, out.shifts);
    code += `\n${inlineComment(map)}\n`;
  }
  const sites = out.table.fns.length + out.table.lines.length;
  // Appended after the last line, so no line moves; it lets a cached rewrite say what it holds.
  code += sitesTrailer(sites);
  if (key !== undefined) store(src, key, code);
  else if (small !== undefined) smallStore(small, code);
  return { code, sites, cached: false };
}
