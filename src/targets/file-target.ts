// `file:name` and `file:LINE` targets: load sites, in code that is loading now or will load later.
// Files are globs relative to the working directory; a .ts file matches the JavaScript that runs
// for it through that JavaScript's source map (tsx, or tsc with source maps).

import { fileURLToPath, pathToFileURL } from 'node:url';
import { closeMatches, JsprobeError, type ProbeSite, type Resolution, type SitePreference } from '../core/index.js';
import { debuggerOn, withDebugger } from '../sites/inspector.js';
import { chooseSiteKind } from '../sites/site-kind.js';
import { functionsNamed, loadedScripts, noLiveEdit, OWN_CONTEXT, resolution as liveResolution, type LiveScript } from '../sites/live.js';
import { wrapsOverBudget } from '../sites/budget-wraps.js';
import { requireCache } from '../sites/require-cache.js';
import { DEFAULT_MAX_PAUSE_MS, notPlacedWhy, siteWithinBudget, usedHeapMb } from '../sites/pause-budget.js';
import { loadedModules, moduleByFile, siteOf, watchModules, type LoadedModule, type ModuleMatcher } from '../sites/load/registry.js';
import { rewriteFailure } from '../sites/hooks/failures.js';
import { blockConflictText } from '../sites/rewrite/abi.js';
import { isHooked, loadedLog, want } from '../sites/load/wanted.js';
import { hasGlob, nameGlob, pathGlobs } from '../core/glob.js';
import { targetGlobs, type TargetRef } from './parse.js';
import { liveLineTarget, ownFunctions } from './live-line.js';
import {
  arrayConcat, ArrayPrototypeIncludes, arraySome, regExpTest, SafeMap, SafeWeakMap, setOf, WeakMapPrototypeGet, WeakMapPrototypeSet,
} from '../core/primordials.js';

function fileMatcher(re: RegExp): (m: LoadedModule) => number {
  // -1: the module's own file; i >= 0: its i-th source; -2: neither.
  return (m) => {
    if (regExpTest(re, m.file)) return -1;
    const sources = m.table.sources;
    for (let i = 0; i < sources.length; i++) if (regExpTest(re, sources[i])) return i;
    return -2;
  };
}

function functionMatcher(path: RegExp, name: string): ModuleMatcher {
  const re = nameGlob(name);
  // A module's matcher runs in the program's thread as the module loads: the captured built-ins alone.
  return (m) => {
    const sources: number[] = [];
    for (let i = 0; i < m.table.sources.length; i++) if (regExpTest(path, m.table.sources[i])) sources[sources.length] = i;
    const own = regExpTest(path, m.file);
    if (!own && sources.length === 0) return [];
    // Matched through its source map (`src/a.ts` of a bundle, or a .ts file tsx compiled): only the
    // functions that come from a matching source, not the bundle's other sources' or the helpers
    // the compiler added (`__name`). A target naming the JavaScript itself takes all of it.
    const from = m.table.mapped && !(own && !ArrayPrototypeIncludes(m.table.sources, m.file)) ? setOf(sources) : null;
    const out: number[] = [];
    if (!hasGlob(name)) {
      const named = slotsNamed(m.table, name);
      for (let i = 0; i < named.length; i++) {
        const slot = named[i];
        if (from === null || from.has(m.table.fns[slot].source ?? -1)) out[out.length] = slot;
      }
      return out;
    }
    const fns = m.table.fns;
    for (let i = 0; i < fns.length; i++) {
      const fn = fns[i];
      if (from !== null && !from.has(fn.source ?? -1)) continue;
      if (regExpTest(re, fn.name) || arraySome(fn.aliases, (a) => regExpTest(re, a))) out[out.length] = fn.slot;
    }
    return out;
  };
}

/**
 * Each module's functions by name and alias, made at the first target that names one function:
 * a probe on each of typescript.js's 21k functions walked all 21k names at each register (~10 ms
 * each, minutes in all).
 */
const byName = new SafeWeakMap<LoadedModule['table'], Map<string, number[]>>();

function slotsNamed(table: LoadedModule['table'], name: string): readonly number[] {
  let index = WeakMapPrototypeGet(byName, table);
  if (index === undefined) {
    index = new SafeMap() as Map<string, number[]>;
    for (let i = 0; i < table.fns.length; i++) {
      const fn = table.fns[i];
      for (const n of setOf(arrayConcat([fn.name], fn.aliases))) {
        const slots = index.get(n);
        if (slots === undefined) index.set(n, [fn.slot]);
        else slots[slots.length] = fn.slot;
      }
    }
    WeakMapPrototypeSet(byName, table, index);
  }
  return index.get(name) ?? [];
}

function lineMatcher(re: RegExp, line: number): ModuleMatcher {
  return (m) => {
    const out: number[] = [];
    for (let i = 0; i < m.table.lines.length; i++) {
      const asked = m.table.lines[i].asked;
      const file = asked.source === -1 ? m.file : m.table.sources[asked.source];
      if (asked.line === line && file !== undefined && regExpTest(re, file)) out[out.length] = m.table.lines[i].slot;
    }
    return out;
  };
}

/** Whether `file` (a concrete path) is already loaded, as far as this thread can tell. */
function alreadyLoaded(file: string): boolean {
  if (file === compilingNow) return false;
  if (requireCache()[file] !== undefined) return true;
  return loadedLog.urls().has(pathToFileURL(file).href);
}

/** Set while cli/agent.ts registers its probes, before the program's first line: see liveFileTarget. */
let beforeProgram = false;
/**
 * The file whose load made a child process's agent register its probes (cli/child-watch.ts): it is
 * in the CommonJS cache already, its exports still empty, but it has not run, and gets its load
 * sites from the hook that is loading it.
 */
let compilingNow: string | undefined;

/**
 * `register` with nothing of the program loaded yet but what --require preloads put in the CommonJS
 * cache, and `compiling`, the file being loaded now, if any (a child that registers at its first match).
 */
export function registerBeforeProgram<T>(register: () => T, compiling?: string): T {
  beforeProgram = true;
  compilingNow = compiling;
  try {
    return register();
  } finally {
    beforeProgram = false;
    compilingNow = undefined;
  }
}

/** Whether a file `re` matches is in the CommonJS cache or has gone through the ES module load hook. */
function loadedBeforeProgram(re: RegExp): boolean {
  for (const file of Object.keys(requireCache())) if (file !== compilingNow && re.test(file)) return true;
  for (const url of loadedLog.urls()) if (url.startsWith('file:') && re.test(fileURLToPath(url))) return true;
  return false;
}

function unavailable(message: string): never {
  throw new JsprobeError('JSPROBE_E_SITE_UNAVAILABLE', message);
}

/**
 * Functions of scripts that are loaded already, without load sites: live sites. null when no
 * such script matches the file glob.
 */
function liveFileTarget(
  ref: Exclude<TargetRef, { kind: 'export' }>, re: RegExp, label: string, preference: SitePreference, maxPauseMs?: number,
): Resolution | null {
  // Before the program's first line, what is loaded is jsprobe's own and what preloads put in the
  // CommonJS cache: a glob none of it matches waits for load sites without the Debugger domain,
  // whose enable costs ~40-70 ms and ~5 MB at every start (bench:startup).
  if (beforeProgram && !loadedBeforeProgram(re)) return null;
  withinBudget(ref, label, preference, maxPauseMs ?? DEFAULT_MAX_PAUSE_MS);
  return withDebugger(() => {
    const found = loadedScripts((path) => re.test(path) && moduleByFile(path) === undefined);
    if (found.length === 0) return null;
    // Names are looked for where a site can work: a runner's wrapper (jest's) names the functions
    // in a script of a vm context otherwise (Object.<anonymous>.add), and "no function named" would hide why.
    const scripts = found.filter((s) => !s.ownContext);
    const apart = found.filter((s) => s.ownContext);
    if (scripts.length === 0) return reachable(null, apart, label);
    if (ref.kind === 'line') {
      // There is no live site for a line: a live patch gives functions their sites.
      if (preference === 'live') {
        unavailable(`${label}: ${ref.file} is loaded without a line site at line ${ref.line}, and a line of loaded code gets a breakpoint site ` +
          '(site \'auto\' or \'breakpoint\'); a live site probes a whole function: name it (file:name)');
      }
      // A glob's line that only a script apart has is refused for where it runs, not "matches nothing loaded".
      return reachable(liveLineTarget(scripts, re, { file: ref.file, line: ref.line, glob: hasGlob(ref.file) }, label), apart, label);
    }
    const targets = ownFunctions(functionsNamed(scripts, nameGlob(ref.name)));
    if (targets.length === 0) {
      // Files matching a glob may load later; a loaded file will not grow functions. One that runs
      // apart too may hold the function: refused for where it runs, not "matches nothing loaded".
      if (hasGlob(ref.file)) return reachable(null, apart, label);
      const names = new Set(scripts.flatMap((sc) => sc.fns.map((f) => f.name)));
      const what = hasGlob(ref.name) ? `no function matching ${ref.name}` : `no function named ${ref.name}`;
      throw new JsprobeError('JSPROBE_E_TARGET_NOT_FOUND', `${label}: ${ref.file} has ${what}${closeNames(ref.name.replace(/[*?]/g, ''), names)}`);
    }
    const shown = targets.length === 1 ? label : `${label} (${targets.length} functions)`;
    return reachable(liveResolution(targets, shown, preference, null, maxPauseMs), apart, label);
  });
}

/**
 * `r`, which probes the matched scripts a live or breakpoint site can work in, with what is said of
 * `apart`, those in a vm context of its own that matched too (live.ts's OWN_CONTEXT). Refused where
 * there is no `r` and some are apart, so that a probe that would count nothing, or "matches nothing
 * loaded", is not taken for one that saw no call.
 */
function reachable(r: Resolution | null, apart: LiveScript[], label: string): Resolution | null {
  if (apart.length === 0) return r;
  const what = `${apart[0].label}${apart.length > 1 ? ` and ${apart.length - 1} more script(s)` : ''}`;
  if (r === null) unavailable(`${label}: ${what} ${apart.length > 1 ? 'each ' : ''}${OWN_CONTEXT}: not probed`);
  return noted(r, `${what} left out: ${apart.length > 1 ? 'each' : 'it'} ${OWN_CONTEXT}`);
}

/**
 * `r` with `note` added to what it says, if any; also once a live patch it waits for has landed or
 * failed, whose word replaces the probe's note (core/registry.ts).
 */
function noted(r: Resolution, note: string | undefined): Resolution {
  if (note === undefined) return r;
  const watch = r.watch;
  return {
    ...r,
    note: r.note === undefined ? note : `${r.note}; ${note}`,
    watch: watch === undefined ? undefined : (attach, say, counts) => watch(attach, (m) => say(m === undefined ? note : `${m}; ${note}`), counts),
  };
}

/**
 * Before the Debugger domain is enabled for a loaded file's functions (a full collection, then a
 * breakpoint's or a LiveEdit's walk of the heap): the probe is refused with JSPROBE_E_MAX_PAUSE
 * when no site it could get there fits the pause budget, so that refusing it costs no stall.
 */
function withinBudget(ref: Exclude<TargetRef, { kind: 'export' }>, label: string, preference: SitePreference, budgetMs: number): void {
  // 'live' asked for: live.ts refuses it over the budget, naming the patch.
  if (budgetMs === Infinity || preference === 'live') return;
  const heapMb = usedHeapMb();
  const choice = siteWithinBudget(heapMb, budgetMs, {
    live: ref.kind === 'function' && preference !== 'breakpoint' && noLiveEdit() === null, wrap: false, breakpoint: true, debuggerOn: debuggerOn(),
  });
  if (choice.kind === null) throw new JsprobeError('JSPROBE_E_MAX_PAUSE', notPlacedWhy(label, choice, heapMb, budgetMs));
}

export function resolveFileTarget(
  ref: Exclude<TargetRef, { kind: 'export' }>, label: string, preference: SitePreference = 'auto', maxPauseMs?: number,
): Resolution {
  // The file as written and as Node loads it through symlinks: a glob each, one RegExp for both.
  const globs = targetGlobs(ref.file);
  const re = pathGlobs(globs);
  const match = ref.kind === 'line' ? lineMatcher(re, ref.line) : functionMatcher(re, ref.name);
  const sites: ProbeSite[] = [];
  for (const m of loadedModules()) for (const i of match(m)) sites.push(siteOf(m, i));
  const kind = chooseSiteKind(preference, { shape: 'file', loadSites: sites.length > 0 });
  // Before the program's first line, nothing loaded matches unless a preload put it there: neither
  // wraps nor live sites have anything to take (see liveFileTarget).
  const loadedNone = beforeProgram && !loadedBeforeProgram(re);
  if ((kind === 'live' || kind === 'breakpoint') && !(loadedNone && preference === 'auto')) {
    const wrapped = ref.kind === 'function' ? wrapsOverBudget(re, nameGlob(ref.name), label, preference, maxPauseMs ?? DEFAULT_MAX_PAUSE_MS) : null;
    if (wrapped !== null) return withLoadWatch(wrapped, ref, globs, match);
    const live = liveFileTarget(ref, re, label, preference, maxPauseMs);
    if (live !== null) return withLoadWatch(live, ref, globs, match);
    if (preference !== 'auto') {
      unavailable(`${label}: no loaded script matches ${ref.file}; ` +
        `a ${preference} site patches code that has loaded (site 'auto' or 'load' waits for it to load)`);
    }
  }
  if (sites.length === 0 && !hasGlob(ref.file)) {
    const loadedHere = [...loadedModules()].some((m) => fileMatcher(re)(m) !== -2);
    if (loadedHere && ref.kind === 'line') {
      unavailable(`${label}: ${ref.file} is loaded, but no line site was placed at line ${ref.line} when it loaded ` +
        '(line sites are placed for lines asked for before the file loads)');
    }
    if (loadedHere) {
      const names = new Set<string>();
      const name = (ref as { name: string }).name;
      const inFile = fileMatcher(re);
      for (const m of loadedModules()) {
        if (inFile(m) === -2) continue;
        const why = unsitedWhy(m, ref.file, name);
        if (why !== undefined) unavailable(`${label}: ${why}`);
        for (const fn of m.table.fns) names.add(fn.name);
      }
      throw new JsprobeError('JSPROBE_E_TARGET_NOT_FOUND', `${label}: ${ref.file} has no function named ${name}${closeNames(name, names)}`);
    }
    if (globs.some(alreadyLoaded)) {
      unavailable(`${label}: ${ref.file} is already loaded without probe sites; load sites are placed as code loads. ` +
        `Start the program with JSPROBE_LOAD_SITES=${ref.file} to give it sites, or register this probe before it loads`);
    }
  }
  if (sites.length === 0 && !isHooked()) {
    unavailable(`${label}: code in files gets probe sites as it loads, which needs the load hooks: run the program with node --import jsprobe/register`);
  }
  const failure = rewriteFailure((file) => re.test(file));
  return {
    sites,
    label,
    kind: 'load',
    entryOnly: ref.kind === 'line',
    note: failure !== undefined ? `${failure.file} could not be rewritten: ${failure.why}` : undefined,
    watch: loadWatch(ref, globs, match),
  };
}

/** Also attach to matching functions of modules that load later (a glob over loaded and unloaded files). */
function withLoadWatch(live: Resolution, ref: Exclude<TargetRef, { kind: 'export' }>, globs: string[], match: ModuleMatcher): Resolution {
  if (!isHooked() || !hasGlob(ref.file)) return live;
  const later = loadWatch(ref, globs, match);
  const now = live.watch;
  return {
    ...live,
    watch: (attach, note, counts) => {
      const a = now?.(attach, note, counts);
      const b = later(attach, note, counts);
      return () => {
        a?.();
        b();
      };
    },
  };
}

function loadWatch(ref: Exclude<TargetRef, { kind: 'export' }>, globs: string[], match: ModuleMatcher): NonNullable<Resolution['watch']> {
  const lines = ref.kind === 'line' ? [ref.line] : [];
  const inFile = fileMatcher(pathGlobs(globs));
  return (attach, note, counts) => {
    // An entry for each glob: the load hooks match one glob to an entry (sites/hooks/wanted.ts).
    const stopWanting = globs.map((file) => want({ file, lines }, counts));
    const stopWatching = watchModules(
      (m) => {
        const found = match(m);
        if (found.length === 0 && inFile(m) !== -2) {
          if (ref.kind === 'line') {
            note(`no statement that runs code starts at line ${ref.line} of ${ref.file}; put the probe on a line where one does`);
          } else if (!hasGlob(ref.file)) {
            note(unsitedWhy(m, ref.file, ref.name) ??
              `${ref.file} loaded, and has no function named ${ref.name}${closeNames(ref.name, new Set(m.table.fns.map((fn) => fn.name)))}`);
          } else {
            // A pattern of files: the function may be in any of them, and this one says why it has no site.
            const why = unsitedWhy(m, m.file, ref.name);
            if (why !== undefined) note(why);
          }
        }
        return found;
      },
      attach,
    );
    return () => {
      for (const stop of stopWanting) stop();
      stopWatching();
    };
  };
}

/**
 * Why function `name` of `m` has no load site (the rewrite could not wrap its body), or undefined;
 * for a name pattern, the first such function it matches.
 */
function unsitedWhy(m: LoadedModule, file: string, name: string): string | undefined {
  const re = hasGlob(name) ? nameGlob(name) : undefined;
  const is = (n: string): boolean => (re === undefined ? n === name : re.test(n));
  const u = m.table.unsited.find((f) => is(f.name) || f.aliases.some(is));
  if (u === undefined) return undefined;
  return `${u.name} (${file}:${u.line}) has no probe site: its body ${blockConflictText(u.conflict)}, which the try block a site wraps a body in ` +
    'cannot hold. Probe the functions it calls, or rename one of the two';
}

function closeNames(name: string, names: Set<string>): string {
  const simple = [...names].filter((n) => !n.includes('anonymous'));
  const near = closeMatches(name, simple);
  const pick = near.length > 0 ? near : simple.slice(0, 5);
  return pick.length === 0 ? '' : near.length > 0 ? `. Did you mean ${pick.join(', ')}?` : `. Functions there include ${pick.join(', ')}`;
}
