// listProbePoints(pattern): every function or line a target pattern would match, so that a user
// can see what is there before probing it (the CLI's -l). Export patterns glob each name of the
// path (`node:fs#read*`, `pg#Client.prototype.*`); file patterns glob paths and names
// (`src/**/*.ts:Db.*`, `lib/app.js:42`).

import { readdirSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { types } from 'node:util';
import { JsprobeError } from '../core/errors.js';
import { closeMatches } from '../core/close-matches.js';
import { loadModule, namesOf, resolveModule } from './module-export.js';
import { exportsInText, type TextExport, type TextExports } from './export-text.js';
import { absoluteGlob, parseTarget, type TargetRef } from './parse.js';
import { expandGlob, functionsOf, parseFile, SOURCE, statementAt, statementLines, type StatementLine } from './files.js';
import { lineStarts } from '../sites/rewrite/insertions.js';
import { noSiteAt, topLevelNames } from '../sites/rewrite/lines.js';
import { hasGlob, nameGlob } from '../core/glob.js';
import { cachedFunctions, type FileFunctions } from './points-cache.js';
import { blockConflictShort } from '../sites/rewrite/abi.js';
import { hasKey, ownDescriptor } from '../core/primordials.js';

export interface ProbePoint {
  /** A target string that names exactly this point. */
  target: string;
  kind: 'function' | 'line';
  /** Qualified name, e.g. `Client.prototype.query`. */
  name: string;
  module?: string;
  file?: string;
  /** 1-based line and 0-based column in the file as written (the .ts file, for TypeScript). */
  line?: number;
  column?: number;
  /** At a line: the variables a probe there can read. */
  locals?: string[];
  /** At a line inside a function: the module's top-level names, which a probe there does not read. */
  outer?: string[];
  /** A function the rewrite gives no site (docs/load-sites.md): what its body declares twice. */
  unsited?: string;
  /** Such a function is sync (files.ts, FilePoint). */
  unsitedSync?: true;
  /** A breakpoint site sees its entries alone (files.ts, FilePoint). */
  entriesOnly?: true;
}

/** A file as a target names it: relative to the working directory when it is under it, else absolute. */
function shownPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') ? file : rel;
}

function globToRegExp(glob: string): RegExp {
  const body = glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`);
}

function isHolder(v: unknown): v is object {
  return (typeof v === 'object' && v !== null) || typeof v === 'function';
}

/**
 * `o[k]`. A getter runs only where `getters` is true (a builtin's, which is Node's code); elsewhere
 * the value is read from the data property that holds it, as a getter or proxy trap of the program
 * must not run to answer a listing.
 */
function safeGet(o: object, k: string, getters: boolean): unknown {
  if (!getters) {
    for (let at: object | null = o; at !== null; at = Object.getPrototypeOf(at) as object | null) {
      if (types.isProxy(at)) return undefined;
      const d = ownDescriptor(at, k);
      if (d !== undefined) return 'value' in d ? d.value : undefined;
    }
    return undefined;
  }
  try {
    return (o as Record<string, unknown>)[k];
  } catch {
    return undefined;
  }
}

/**
 * Every function or line a target pattern would match. Export patterns walk a builtin's exports,
 * and read those of the program's modules from their text (loading one would run its code); file
 * patterns parse the files where they lie (loaded or not).
 */
export function listProbePoints(pattern: string, options: ListOptions = {}): ProbePoint[] {
  const ref = parseTarget(pattern);
  if (ref.kind !== 'export') return listFilePoints(ref, options);
  return listExportPoints(ref, options);
}

export interface ListOptions {
  /**
   * Told of each file of a glob that does not parse (a JSX or Flow file under `node_modules/**`),
   * which is then left out: one such file must not fail a pattern over thousands. A file named
   * without a glob still throws.
   */
  unparsed?: (file: string, reason: string) => void;
  /**
   * Keep the functions of the files on disk for the next call, in another run too
   * (points-cache.ts): the command's check of its targets then parses nothing when the files are
   * as they were. Lines are parsed each time.
   */
  cache?: boolean;
  /** The pattern was written as a line probe's (`line:src/app.js:*`): a name of `*` lists the lines a line probe can fire at. */
  lines?: boolean;
  /**
   * In a running process (-l -p): the exports of the module loaded from `file`, if it is loaded,
   * walked as they are; one not loaded is read from its text like any other.
   */
  loaded?: (file: string) => unknown;
  /** Told when an export pattern's module was read from its text (`file`) and the text may not hold every export: why. */
  unsure?: (file: string, why: string) => void;
}

function listFilePoints(ref: Exclude<TargetRef, { kind: 'export' }>, options: ListOptions): ProbePoint[] {
  const files = expandGlob(absoluteGlob(ref.file));
  if (files.length === 0) {
    throw new JsprobeError('JSPROBE_E_TARGET_NOT_FOUND', `no source files match ${ref.file} (from ${process.cwd()})`);
  }
  if (ref.kind === 'line') return files.flatMap((file) => linePoints(ref, file, options));
  if (options.lines === true && ref.name === '*') return files.flatMap((file) => allLinePoints(ref, file, options));
  const functions = options.cache === true ? cachedFunctions(files, (file) => fileFunctions(ref, file)) : undefined;
  const re = nameGlob(ref.name);
  const out: ProbePoint[] = [];
  for (const file of files) {
    const rel = shownPath(file);
    const found = functions?.get(file) ?? fileFunctions(ref, file);
    if (hasKey(found, 'unparsed')) {
      leaveOut(file, found.unparsed, options);
      continue;
    }
    for (const f of found) {
      if (!re.test(f.name) && !f.aliases.some((a) => re.test(a))) continue;
      const p: ProbePoint = { target: `${rel}:${f.name}`, kind: 'function', name: f.name, file, line: f.line, column: f.column };
      if (f.unsited !== undefined) p.unsited = f.unsited;
      if (f.unsitedSync === true) p.unsitedSync = true;
      if (f.entriesOnly === true) p.entriesOnly = true;
      out.push(p);
    }
  }
  return out;
}

/**
 * The functions of `file`, or why it does not parse: a file of a glob that does not parse is left
 * out of it (ListOptions.unparsed); one named without a glob throws, here, before anything is kept.
 */
function fileFunctions(ref: Extract<TargetRef, { kind: 'function' }>, file: string): FileFunctions {
  const parsed = parsedOrWhy(ref, file);
  return hasKey(parsed, 'unparsed') ? parsed : functionsOf(parsed.program, parsed.src, file);
}

/** `file` parsed, or why it does not parse; one a target names without a glob throws. */
function parsedOrWhy(ref: Exclude<TargetRef, { kind: 'export' }>, file: string): ReturnType<typeof parseFile> | { unparsed: string } {
  try {
    return parseFile(file);
  } catch (e) {
    if (!hasGlob(ref.file)) throw new JsprobeError('JSPROBE_E_TARGET_NOT_FOUND', `cannot parse ${shownPath(file)}: ${(e as Error).message}`);
    return { unparsed: (e as Error).message };
  }
}

/** A file of a glob that does not parse: left out, through ListOptions.unparsed; without it, an error. */
function leaveOut(file: string, why: string, options: ListOptions): void {
  if (options.unparsed === undefined) throw new JsprobeError('JSPROBE_E_TARGET_NOT_FOUND', `cannot parse ${shownPath(file)}: ${why}`);
  options.unparsed(shownPath(file), why);
}

/** `file` parsed, or null when it does not parse and is left out of its glob (leaveOut). */
function parsedOrLeftOut(ref: Exclude<TargetRef, { kind: 'export' }>, file: string, options: ListOptions): ReturnType<typeof parseFile> | null {
  const parsed = parsedOrWhy(ref, file);
  if (!hasKey(parsed, 'unparsed')) return parsed;
  leaveOut(file, parsed.unparsed, options);
  return null;
}

/** The probe point of a line probe at statement `at`, of line `line` of `file` (shown as `rel`). */
function linePoint(rel: string, file: string, line: number, at: { line: number; column: number; locals: string[] }): ProbePoint {
  return { target: `${rel}:${line}`, kind: 'line', name: `line ${line}`, file, line: at.line, column: at.column, locals: at.locals };
}

function linePoints(ref: Extract<TargetRef, { kind: 'line' }>, file: string, options: ListOptions): ProbePoint[] {
  const rel = shownPath(file);
  const parsed = parsedOrLeftOut(ref, file, options);
  if (parsed === null) return [];
  const at = statementAt(parsed.program, parsed.src, ref.line);
  if (at === undefined) {
    // Some files of a glob have a statement at the line, others not: only a file named alone is wrong.
    if (hasGlob(ref.file)) return [];
    throw new JsprobeError('JSPROBE_E_TARGET_NOT_FOUND', noLineWhy(ref.line, rel, parsed));
  }
  const p = linePoint(rel, file, ref.line, at);
  const outer = topLevelNames(parsed.program).filter((n) => !at.locals.includes(n));
  if (outer.length > 0) p.outer = outer;
  return [p];
}

/** Every line of `file` where a line probe can fire (`-l 'line:src/app.js:*'`). */
function allLinePoints(ref: Extract<TargetRef, { kind: 'function' }>, file: string, options: ListOptions): ProbePoint[] {
  const rel = shownPath(file);
  const parsed = parsedOrLeftOut(ref, file, options);
  if (parsed === null) return [];
  return statementLines(parsed.program, parsed.src).map((at) => linePoint(rel, file, at.line, at));
}

/**
 * Why a line probe cannot fire at `line` (what is there runs no code, or nothing starts there), and
 * the nearest lines before and after it where one can.
 */
function noLineWhy(line: number, rel: string, { program, src }: ReturnType<typeof parseFile>): string {
  const starts = lineStarts(src);
  const lines = statementLines(program, src, false);
  const after = lines.findIndex((l) => l.line > line);
  const before = lines[(after < 0 ? lines.length : after) - 1] as StatementLine | undefined;
  const next = after < 0 ? undefined : lines[after];
  const count = src.endsWith('\n') ? starts.length - 1 : starts.length;
  const what = line >= 1 && line <= count ? noSiteAt(program, src, starts, line) : undefined;
  const why = line < 1 || line > count ? `${rel} has ${count} lines`
    : what?.kind === 'directive' ? `${what.text} is a directive, which runs no code`
      : what?.kind === 'function' ? `it declares function ${what.name}, which runs no code there (fn:${rel}:${what.name} fires at each of its calls)`
        : what?.kind === 'type' ? 'it declares a type, which compiles to nothing'
          : 'no statement starts there';
  const near = [before, next].filter((l) => l !== undefined).map((l) => l.line);
  const nearest = near.length === 0 ? `${rel} has no line a probe can fire at`
    : `the nearest line${near.length > 1 ? 's' : ''} where one can: ${near.join(' and ')} (jsprobe -l 'line:${rel}:*' lists them all)`;
  return `a line probe never fires at line ${line} of ${rel}: ${why}; ${nearest}`;
}

/**
 * For a file pattern that matches nothing, the targets nearest to it: the functions of its files
 * with the closest names, or, when no file matches, the source files beside it with the closest
 * names (`db.cjs` for `dbb.cjs`). For "did you mean".
 */
export function nearProbePoints(pattern: string, options: Pick<ListOptions, 'loaded'> = {}): string[] {
  let ref: TargetRef;
  try {
    ref = parseTarget(pattern);
  } catch {
    return [];
  }
  if (ref.kind === 'export') return nearExports(ref, options);
  const rest = ref.kind === 'line' ? `:${ref.line}` : `:${ref.name}`;
  const files = expandGlob(absoluteGlob(ref.file));
  if (files.length === 0) {
    const dir = dirname(ref.file);
    if (hasGlob(dir)) return [];
    let names: string[];
    try {
      names = readdirSync(absoluteGlob(dir)).filter((n) => SOURCE.test(n));
    } catch {
      return [];
    }
    // Only files where the rest of the target matches something: `b.js:foo` is no answer if b.js has no foo.
    return closeMatches(basename(ref.file), names)
      .map((n) => `${dir === '.' ? n : join(dir, n)}${rest}`)
      .filter((t) => {
        try {
          return listProbePoints(t).length > 0;
        } catch {
          return false;
        }
      });
  }
  if (ref.kind === 'line') return [];
  const where = new Map<string, string>();
  for (const file of files.slice(0, 20)) {
    let parsed;
    try {
      parsed = parseFile(file);
    } catch {
      continue;
    }
    const rel = shownPath(file);
    for (const f of functionsOf(parsed.program, parsed.src, file)) for (const n of [f.name, ...f.aliases]) if (!where.has(n)) where.set(n, rel);
  }
  // A name pattern's wildcards are no letters of the name: `getUsr*` is near getUser.
  return closeMatches(ref.name.replace(/[*?]/g, ''), where.keys()).map((n) => `${hasGlob(ref.file) ? where.get(n) : ref.file}:${n}`);
}

/** The exports nearest to the last name of an export pattern, beside the one it names. */
function nearExports(ref: Extract<TargetRef, { kind: 'export' }>, options: ListOptions): string[] {
  const path = ref.path.slice(0, -1);
  if (path.some(hasGlob)) return [];
  const last = ref.path[ref.path.length - 1].replace(/[*?]/g, '');
  let names: string[];
  try {
    const found = moduleExports(ref.module, options);
    if (hasKey(found, 'text')) {
      const prefix = path.map((n) => `${n}.`).join('');
      names = found.text.exports.map((e) => e.path).filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length).split('.')[0]);
    } else {
      let holder = found.exports;
      for (const name of path) holder = isHolder(holder) ? safeGet(holder, name, found.builtin) : undefined;
      names = isHolder(holder) ? namesOf(holder) : [];
    }
  } catch {
    return [];
  }
  return closeMatches(last, new Set(names)).map((n) => `${ref.module}#${[...path, n].join('.')}`);
}

/**
 * A module's exports, to walk (a builtin's; under -p, one the process has loaded), or else read
 * from the text of the file it would load from, without loading it.
 */
function moduleExports(module: string, options: ListOptions): { exports: unknown; builtin: boolean } | { text: TextExports; file: string } {
  if (isBuiltin(module)) return loadModule(module, process.cwd());
  const file = resolveModule(module, process.cwd());
  const loaded = options.loaded?.(file);
  if (loaded !== undefined) return { exports: loaded, builtin: false };
  try {
    return { text: exportsInText(file), file };
  } catch (e) {
    throw new JsprobeError('JSPROBE_E_TARGET_NOT_FOUND', `cannot parse ${shownPath(file)}: ${(e as Error).message}`);
  }
}

/** The exports of a module's text an export pattern matches, each glob of the path matching one name. */
function textExportPoints(ref: Extract<TargetRef, { kind: 'export' }>, exports: readonly TextExport[]): ProbePoint[] {
  const res = ref.path.map(globToRegExp);
  const out = new Map<string, ProbePoint>();
  for (const { path, point } of exports) {
    const names = path.split('.');
    if (names.length !== res.length || names.some((n, i) => !res[i].test(n) || (i > 0 && n === 'constructor'))) continue;
    const target = `${ref.module}#${path}`;
    const { file, line, column } = point;
    if (!out.has(target)) out.set(target, { target, kind: 'function', name: path, module: ref.module, file, line, column });
  }
  return [...out.values()];
}

function listExportPoints(ref: Extract<TargetRef, { kind: 'export' }>, options: ListOptions): ProbePoint[] {
  const found = moduleExports(ref.module, options);
  if (hasKey(found, 'text')) {
    if (found.text.unsure !== undefined) options.unsure?.(shownPath(found.file), found.text.unsure);
    return textExportPoints(ref, found.text.exports).sort((a, b) => a.name.localeCompare(b.name));
  }
  const { exports, builtin } = found;
  const out: ProbePoint[] = [];
  const seen = new Set<string>();
  const walk = (holder: unknown, depth: number, names: string[]): void => {
    // A proxy's traps are the program's code.
    if (!isHolder(holder) || (!builtin && types.isProxy(holder))) return;
    const re = globToRegExp(ref.path[depth]);
    const last = depth === ref.path.length - 1;
    for (const k of new Set(namesOf(holder))) {
      if (!re.test(k) || k === 'constructor' && depth > 0) continue;
      const v = safeGet(holder, k, builtin);
      const path = [...names, k];
      if (last) {
        const target = `${ref.module}#${path.join('.')}`;
        if (typeof v === 'function' && !seen.has(target)) {
          seen.add(target);
          out.push({ target, kind: 'function', name: path.join('.'), module: ref.module });
        }
      } else {
        walk(v, depth + 1, path);
      }
    }
  };
  walk(exports, 0, []);
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** A probe point as `jsprobe -l` prints it: the probe to write, where it is, what it can read. */
export function describePoint(p: ProbePoint): string {
  const where = p.file !== undefined && p.line !== undefined ? `  ${p.file}:${p.line}` : '';
  const locals = p.locals !== undefined && p.locals.length > 0 ? `  locals: ${p.locals.join(', ')}` : '';
  const unsited = p.unsited !== undefined ? `  (no load site: its body ${blockConflictShort(p.unsited)})` : '';
  return `${p.kind === 'line' ? 'line' : 'fn'}:${p.target}${where}${locals}${unsited}`;
}
