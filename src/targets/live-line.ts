// `file:LINE` in code that loaded without a line site there (jsprobe -p, or register() after the
// file loaded): a line breakpoint site at the statement that starts on that line, with the
// variables in scope there readable as at a load site's line site. A .ts file that tsx compiled
// is found through the script's inline source map: its line is a position in the JavaScript.

import { fileURLToPath } from 'node:url';
import { generatedPositionFor, LEAST_UPPER_BOUND, originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import { JsprobeError, type ProbeSite, type Resolution } from '../core/index.js';
import { lineBreakpointSite, lineStatement } from '../sites/breakpoint.js';
import type { LiveScript } from '../sites/live.js';
import { inlineMapText } from '../sites/rewrite/inline-map.js';
import { lineOf, lineStarts } from '../sites/rewrite/insertions.js';

const TS = /\.[cm]?tsx?$/;

/** The inline source map a script names (`data:…;base64,…` or percent-encoded), or undefined. */
function inlineMap(s: LiveScript): TraceMap | undefined {
  const text = s.sourceMapURL === undefined || !s.sourceMapURL.startsWith('data:') ? null : inlineMapText(s.sourceMapURL);
  if (text === null) return undefined;
  try {
    return new TraceMap(text, s.url);
  } catch {
    return undefined;
  }
}

/**
 * Of the functions `targets` found in loaded scripts, those a TypeScript file's source map says
 * come from it: not the helpers tsx adds, such as the getter of each CommonJS export
 * (`__export(m,{spin:()=>spin})`), which is named like the function and would count every read
 * of the export as a call. JavaScript files, and scripts without an inline map, keep them all.
 */
export function ownFunctions<T extends { script: LiveScript; index: number }>(targets: T[]): T[] {
  const maps = new Map<LiveScript, { map: TraceMap; starts: number[] } | undefined>();
  return targets.filter(({ script, index }) => {
    if (!TS.test(script.url)) return true;
    if (!maps.has(script)) {
      const m = inlineMap(script);
      maps.set(script, m === undefined ? undefined : { map: m, starts: lineStarts(script.original) });
    }
    const found = maps.get(script);
    if (found === undefined) return true;
    const { map, starts } = found;
    // Where a listing places the function, as load sites ask the map (sites/hooks/rewrite-module.ts).
    const at = script.fns[index].at;
    const line = lineOf(starts, at);
    return originalPositionFor(map, { line: line + 1, column: at - starts[line] }).source !== null;
  });
}

function pathOf(source: string): string {
  return source.startsWith('file:') ? fileURLToPath(source) : source;
}

/**
 * Where line `line` of the file a target names is in script `s`: itself for JavaScript; for a
 * TypeScript file, its first mapped position in the JavaScript that runs. Undefined: nothing of
 * that line is in the script.
 */
function positionIn(s: LiveScript, file: RegExp, line: number): { line: number; column: number } | undefined {
  if (!TS.test(s.url)) return { line, column: 0 };
  const map = inlineMap(s);
  if (map === undefined) {
    throw new JsprobeError('JSPROBE_E_SITE_UNAVAILABLE',
      `${s.label} runs as JavaScript compiled from TypeScript without an inline source map: its lines cannot be found`);
  }
  const sources = map.resolvedSources;
  const source = sources.find((x) => file.test(pathOf(x))) ?? (sources.length === 1 ? sources[0] : undefined);
  if (source === undefined) return undefined;
  const at = generatedPositionFor(map, { source, line, column: 0, bias: LEAST_UPPER_BOUND });
  return at.line === null ? undefined : { line: at.line, column: at.column };
}

/**
 * Line breakpoint sites at line `line` of the loaded scripts `scripts` (which `file` matched).
 * null when none has a statement there and the target is a glob (a file loaded later may).
 */
export function liveLineTarget(
  scripts: LiveScript[], file: RegExp, ref: { file: string; line: number; glob: boolean }, label: string,
): Resolution | null {
  const sites: ProbeSite[] = [];
  for (const s of scripts) {
    const pos = positionIn(s, file, ref.line);
    const at = pos === undefined ? undefined : lineStatement(s, pos.line, pos.column);
    if (at !== undefined) sites.push(lineBreakpointSite(s, at, scripts.length === 1 ? label : `${s.label}:${ref.line}`));
  }
  if (sites.length > 0) return { sites, label, kind: 'breakpoint', entryOnly: true };
  if (ref.glob) return null;
  throw new JsprobeError('JSPROBE_E_TARGET_NOT_FOUND',
    `${label}: no statement that runs code starts at line ${ref.line} of ${ref.file}; put the probe on a line where one does`);
}
