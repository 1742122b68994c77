// Files on disk that a path glob names, and the probe points in them (for listProbePoints): a
// file that has not loaded yet is parsed where it lies, TypeScript included, so `-l` can show
// what a target would match before the program runs.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { entriesOnly, findFunctions } from '../sites/rewrite/functions.js';
import { allLineSites, findLineSites } from '../sites/rewrite/lines.js';
import { lineOf, lineStarts } from '../sites/rewrite/insertions.js';
import { parse } from '../sites/rewrite/instrument.js';
import type { Program } from '../sites/rewrite/estree.js';
import { hasGlob, pathGlob } from '../core/glob.js';

const MAX_FILES = 10_000;
export const SOURCE = /\.(?:[cm]?js|[cm]?ts|tsx|jsx)$/;

/** Absolute files matching `glob`, skipping node_modules and dot-directories unless the glob names them. */
export function expandGlob(glob: string): string[] {
  if (!hasGlob(glob)) {
    try {
      return statSync(glob).isFile() ? [glob] : [];
    } catch {
      return [];
    }
  }
  const parts = glob.split('/');
  const firstGlob = parts.findIndex(hasGlob);
  const root = parts.slice(0, firstGlob).join('/') || '/';
  const re = pathGlob(glob);
  const wantsModules = glob.includes('node_modules');
  const out: string[] = [];
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (out.length >= MAX_FILES) return;
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name.startsWith('.') || (e.name === 'node_modules' && !wantsModules)) continue;
        walk(p);
      } else if (SOURCE.test(e.name) && re.test(p)) {
        out.push(p);
      }
    }
  };
  walk(root);
  return out.sort();
}

/** The program of a file on disk, JavaScript or TypeScript (both through oxc-parser). */
export function parseFile(file: string): { program: Program; src: string } {
  const src = readFileSync(file, 'utf8');
  if (/\.[cm]?tsx?$/.test(file)) return { program: parse(src, 'module', file, 'ts'), src };
  try {
    return { program: parse(src, 'module', file), src };
  } catch {
    return { program: parse(src, 'script', file), src };
  }
}

export interface FilePoint {
  file: string;
  name: string;
  aliases: string[];
  kind: string;
  line: number;
  column: number;
  /** The function gets no load site (FunctionSite.blockConflict): what its body declares twice. */
  unsited?: string;
  /** Such a function is sync: an entry count in a file rewritten for counting alone still counts it. */
  unsitedSync?: true;
  /** A breakpoint site sees its entries alone (an async function, a generator: functions.ts entriesOnly). */
  entriesOnly?: true;
}

export function functionsOf(program: Program, src: string, file: string): FilePoint[] {
  const starts = lineStarts(src);
  return findFunctions(program, src).map((f) => {
    const line = lineOf(starts, f.at);
    const p: FilePoint = { file, name: f.name, aliases: f.aliases, kind: f.kind, line: line + 1, column: f.at - starts[line] };
    if (f.blockConflict !== undefined) p.unsited = f.blockConflict;
    if (f.blockConflict !== undefined && !f.async && !f.generator) p.unsitedSync = true;
    if (entriesOnly(f)) p.entriesOnly = true;
    return p;
  });
}

/** The statement a line probe at `line` would stop at, if one starts there. */
export function statementAt(program: Program, src: string, line: number): { line: number; column: number; locals: string[] } | undefined {
  const starts = lineStarts(src);
  if (line < 1 || line > starts.length) return undefined;
  const [site] = findLineSites(program, src, starts, [{ line, column: 0 }]);
  return site === undefined ? undefined : { line: site.line, column: site.column, locals: site.locals };
}

export interface StatementLine {
  line: number;
  column: number;
  locals: string[];
}

/** Every line where a line probe can fire (a statement that runs code starts there), in order; `withLocals` false leaves locals empty. */
export function statementLines(program: Program, src: string, withLocals = true): StatementLine[] {
  return allLineSites(program, src, lineStarts(src), withLocals).map((s) => ({ line: s.line, column: s.column, locals: s.locals }));
}
