// Rewritten modules as they run: each hands over its table (names and positions of its sites) and
// gets its slot array, one slot per site, read by the site's code on every call. A ProbeSite is
// made for a slot only when a probe first lands there, so a module with 21k functions costs 21k
// nulls until something is probed. Probes waiting for code that has not loaded yet are told as
// modules arrive.

import { fileURLToPath } from 'node:url';
import { ProbeSite, type Snapshot } from '../../core/index.js';
import {
  defineOwn, MapPrototypeGet, MapPrototypeSet, ownDescriptor, SafeMap, SafeSet, StringPrototypeIndexOf, StringPrototypeSlice, StringPrototypeStartsWith,
  SymbolFor,
} from '../../core/primordials.js';
import { ARMED_GLOBAL, setFlagGlobal } from '../rewrite/abi.js';
import { inlineMapText } from '../rewrite/inline-map.js';
import { creditSite } from './counts.js';
import { originalColumn, originalPosition, parseMap, parseShifts, type ModuleMap, type Shifts } from './columns.js';
import { postMap } from './post-map.js';
import { decodeTable, functionAt, lineAt, type SiteTable } from './table.js';

export interface LoadedModule {
  table: SiteTable;
  file: string;
  slots: (Snapshot | null)[];
  sites: (ProbeSite | undefined)[];
  /** The module's insertions and own source map, as text (columns.ts), then parsed on first use. */
  shifts: (() => string) | Shifts | undefined;
  map: ModuleMap | null | undefined;
  /** The map of a compiler that ran after the rewrite (post-map.ts), read on first use; null: none. */
  post: ModuleMap | null | undefined;
}

/** What a waiting probe wants from each module that loads: the slots it names there. */
export type ModuleMatcher = (m: LoadedModule) => number[];

const modules = new SafeMap() as Map<string, LoadedModule>;
/** The same modules by file path: a CommonJS frame of a stack names its file, an ES module's its URL. */
const byFile = new SafeMap() as Map<string, LoadedModule>;

/**
 * Load and live sites with a probe armed now, in every copy of jsprobe's runtime in the process
 * (the `-c` agent's, a `-p` attach's, the program's own jsprobe): ARMED_GLOBAL, which every site
 * of every copy reads, is true while there are any. One count for all, kept on the global object
 * under a registered symbol: with a count per copy, a `-p` attach that patched code live set it
 * false at its detach under the `-c` run's armed sites, whose calls then went uncounted.
 */
const ARMED_KEY = SymbolFor('jsprobe.armedSites');

function armedCount(): { n: number } {
  // A descriptor, not a read: a getter the program put there would run.
  const d = ownDescriptor(globalThis, ARMED_KEY);
  // Another copy's count: an object whose `n` is a number of its own (a data property, read without running anything).
  const n = typeof d?.value === 'object' && d.value !== null ? ownDescriptor(d.value as object, 'n') : undefined;
  if (n !== undefined && typeof n.value === 'number') return d!.value as { n: number };
  const c = { n: 0 };
  try {
    defineOwn(globalThis, ARMED_KEY, { value: c, configurable: true });
  } catch {
    // A frozen global object: this copy counts for itself.
  }
  return c;
}

const armedSites = armedCount();

/** A compiled-in site (load or live) got its first armed probe (true) or lost its last (false). */
export function setLive(live: boolean): void {
  armedSites.n += live ? 1 : -1;
  const on = armedSites.n > 0;
  if ((globalThis as unknown as Record<string, boolean>)[ARMED_GLOBAL] !== on) setFlagGlobal(ARMED_GLOBAL, on);
}
const watchers = new SafeSet() as Set<{ match: ModuleMatcher; attach: (site: ProbeSite) => void }>;

/** The ProbeSite of slot `index` of `m`, made on first use. */
export function siteOf(m: LoadedModule, index: number): ProbeSite {
  let site = m.sites[index];
  if (site === undefined) {
    const fn = functionAt(m.table, index);
    const line = fn === undefined ? lineAt(m.table, index) : undefined;
    // Named as the original source names it (a bundle's .ts file, with the name the rewrite took from there), as -l lists it.
    const source = fn !== undefined ? fn.source ?? -1 : line?.asked.source ?? -1;
    const file = source >= 0 ? m.table.sources[source] ?? m.file : m.file;
    const target = fn !== undefined ? `${file}:${fn.name}` : `${file}:${source >= 0 ? line?.asked.line : line?.line}`;
    site = new ProbeSite(
      { kind: 'load', target, func: fn?.name, setLive, detach: () => undefined, credit: () => creditSite(m.slots, index) },
      { slots: m.slots, index, deferred: fn?.deferred === true },
    );
    m.sites[index] = site;
  }
  return site;
}

/** Called by a rewritten module's prologue, once, when it starts to run. */
export function registerModule(tableJson: string, shifts?: () => string): (Snapshot | null)[] {
  const table = decodeTable(tableJson);
  // Filled in order, not by `new Array(n).fill(null)`: a packed array, whose element loads in the
  // runtime's entries (slots[i], inlined into every probed function) need no check for a hole.
  const slots: (Snapshot | null)[] = [];
  for (let i = 0; i < table.slots; i++) slots[i] = null;
  // Every field its own, undefined until known: a field missing here would be read through
  // Object.prototype, where a program may have put something (test/safety/pollute.test.ts).
  const m: LoadedModule = { table, file: table.file, slots, sites: new Array<ProbeSite | undefined>(table.slots), shifts, map: undefined, post: undefined };
  modules.set(table.url, m);
  byFile.set(table.file, m);
  for (const w of watchers) {
    const found = w.match(m);
    for (let i = 0; i < found.length; i++) w.attach(siteOf(m, found[i]));
  }
  return slots;
}

/**
 * Where 0-based `line`, `col` of a stack frame in `name` (a file path or URL) was before the
 * rewrite, and then in the module's own sources when it came with a source map: a file, a 0-based
 * line and column; null for a module not rewritten.
 */
export function unshifted(name: string, line: number, col: number): { file: string; line: number; column: number } | null {
  // Captured Map methods: this runs at a hit, after the program may have replaced Map's.
  const m = MapPrototypeGet(modules, name) ?? MapPrototypeGet(byFile, name);
  if (m === undefined) return mappedScript(name, line, col);
  if (typeof m.shifts === 'function') {
    const text = m.shifts();
    const nl = StringPrototypeIndexOf(text, '\n', 0);
    m.map = nl < 0 ? null : parseMap(StringPrototypeSlice(text, nl + 1));
    m.shifts = parseShifts(nl < 0 ? text : StringPrototypeSlice(text, 0, nl));
  }
  if (m.map === undefined || m.map === null) {
    // Compiled again after the rewrite (tsx): the position is in that compiler's output, and its map
    // leads back to the rewritten text. A position it does not map is code that compiler added.
    // Asked once: `??=` would ask again at every frame where the answer is null (none).
    if (m.post === undefined) m.post = postMap(name, m.file);
    if (m.post !== null) {
      const at = originalPosition(m.post, line, col);
      if (at === null) return null;
      line = at.line;
      col = at.column;
    }
  }
  const column = m.shifts === undefined ? col : originalColumn(m.shifts, line, col);
  const original = m.map === undefined || m.map === null ? null : originalPosition(m.map, line, column);
  return original ?? { file: m.file, line, column };
}

/**
 * Scripts that loaded without a rewrite (under -p, or before register()) and named an inline
 * source map (tsx's): the inspector notes them as it hears of them, and a stack frame in one goes
 * through its map, decoded the first time a frame needs it. Bounded by the program's scripts.
 */
const scriptMaps = new SafeMap<string, { url: string; map: ModuleMap | null | undefined }>();

/**
 * A script `url` (as the inspector names it) comes with the source map at `sourceMapURL`: kept only
 * when inline. The inspector names every script on disk by its file URL, but a stack frame names a
 * CommonJS module (tsx's output for a .ts file in a package that is not "type": "module") by its
 * path, and an ES module by its URL: the map is found under both, as `modules` and `byFile` are.
 */
export function noteScriptMap(url: string, sourceMapURL: string): void {
  if (!StringPrototypeStartsWith(sourceMapURL, 'data:')) return;
  const s: { url: string; map: ModuleMap | null | undefined } = { url: sourceMapURL, map: undefined };
  MapPrototypeSet(scriptMaps, url, s);
  const path = pathOf(url);
  if (path !== null && path !== url) MapPrototypeSet(scriptMaps, path, s);
}

/** The path of a `file:` URL; null for any other name, or a file URL that names no local path. */
function pathOf(url: string): string | null {
  if (!StringPrototypeStartsWith(url, 'file:')) return null;
  try {
    return fileURLToPath(url);
  } catch {
    return null;
  }
}

function mappedScript(name: string, line: number, col: number): { file: string; line: number; column: number } | null {
  const s = MapPrototypeGet(scriptMaps, name);
  if (s === undefined) return null;
  if (s.map === undefined) {
    const text = inlineMapText(s.url);
    s.map = text === null ? null : parseMap(text);
  }
  return s.map === null ? null : originalPosition(s.map, line, col);
}

export function loadedModules(): Iterable<LoadedModule> {
  return modules.values();
}

export function moduleByFile(file: string): LoadedModule | undefined {
  for (const m of modules.values()) if (m.file === file) return m;
  return undefined;
}

/** Hear of every module that loads from now on; returns the function that stops it. */
export function watchModules(match: ModuleMatcher, attach: (site: ProbeSite) => void): () => void {
  const w = { match, attach };
  watchers.add(w);
  return () => {
    watchers.delete(w);
  };
}
