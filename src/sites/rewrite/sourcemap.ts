// Source maps for rewritten code. Lines never move, so the map is the incoming one (tsc's, tsx's)
// with generated columns moved right by the text inserted before them. Without an incoming map,
// an identity map is made, with a segment at every token boundary so that columns stay exact;
// that costs time and memory on big files, so it is only made when something will read it.

import { encode, type SourceMapSegment } from '@jridgewell/sourcemap-codec';
import { decodedMappings, TraceMap, type SourceMapInput } from '@jridgewell/trace-mapping';
import type { Shifts } from './insertions.js';
import { JSONStringify } from '../../core/primordials.js';

export interface EncodedMap {
  version: 3;
  file?: string;
  sources: (string | null)[];
  sourcesContent?: (string | null)[];
  names: string[];
  mappings: string;
  sourceRoot?: string;
}

/** How far right original column `col` of `line` moved: insertions at or before it. */
export function shiftAt(list: { col: number; len: number }[] | undefined, col: number): number {
  if (list === undefined) return 0;
  let s = 0;
  for (const ins of list) {
    if (ins.col > col) break;
    s += ins.len;
  }
  return s;
}

/** The incoming map with its generated columns moved by `shifts`: maps rewritten code to the original source. */
export function chainMap(incoming: TraceMap, shifts: Shifts): EncodedMap {
  const lines = decodedMappings(incoming);
  const out: SourceMapSegment[][] = lines.map((segs, line) => {
    const list = shifts.get(line);
    if (list === undefined) return segs.map((s) => [...s] as SourceMapSegment);
    return segs.map((s) => {
      const moved = [...s] as number[];
      moved[0] = s[0] + shiftAt(list, s[0]);
      return moved as SourceMapSegment;
    });
  });
  return {
    version: 3,
    file: incoming.file ?? undefined,
    sources: incoming.resolvedSources,
    sourcesContent: incoming.sourcesContent ?? undefined,
    names: incoming.names,
    mappings: encode(out),
  };
}

const BOUNDARY = /[A-Za-z0-9_$]+|[^\sA-Za-z0-9_$]/g;

/** A map from the rewritten code to the code as it was, exact at every token. */
export function identityMap(src: string, source: string, starts: readonly number[], shifts: Shifts): EncodedMap {
  const out: SourceMapSegment[][] = [];
  for (let line = 0; line < starts.length; line++) {
    const from = starts[line];
    const to = line + 1 < starts.length ? starts[line + 1] : src.length;
    const text = src.slice(from, to);
    const list = shifts.get(line);
    const segs: SourceMapSegment[] = [];
    // Inserted text maps to the original character it was put before.
    if (list !== undefined) {
      let before = 0;
      for (const ins of list) {
        segs.push([ins.col + before, 0, line, ins.col]);
        before += ins.len;
      }
    }
    BOUNDARY.lastIndex = 0;
    for (let m = BOUNDARY.exec(text); m !== null; m = BOUNDARY.exec(text)) {
      segs.push([m.index + shiftAt(list, m.index), 0, line, m.index]);
    }
    if (segs.length === 0) segs.push([0, 0, line, 0]);
    segs.sort((a, b) => a[0] - b[0]);
    out.push(segs);
  }
  return { version: 3, sources: [source], names: [], mappings: encode(out) };
}

export function traceMap(map: SourceMapInput, mapUrl: string): TraceMap {
  return new TraceMap(map, mapUrl);
}

export function inlineComment(map: EncodedMap): string {
  return `//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(JSONStringify(map)).toString('base64')}`;
}
