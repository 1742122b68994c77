// Breakpoint sites (the kernel's int3 kprobe: works anywhere, slow): an inspector breakpoint at
// a function's first statement, and one at each of its return positions, whose condition calls
// jsprobe and answers false, so the program never pauses. They are where live patches cannot go:
// a function that never leaves the stack, or one whose calls stay suspended; or where asked for
// (site: 'breakpoint').
//
// What they cost and cannot do: V8 stops at a breakpoint and evaluates its condition in the
// frame: tens of µs a hit. A return position is reached before the value is returned, and the
// condition cannot see that value, so onReturn runs with `retval` undefined; a throw passes no
// return position and is not seen. Returns are matched to entries last-in first-out, exact for
// sync calls; an async function's or generator's calls interleave, so there only onEntry runs. Hits past JSPROBE_BREAKPOINT_RATE a second (1000) are counted as missed. The
// Debugger domain stays on while a breakpoint site is armed.

import { JsprobeError, ProbeSite, shared, type Snapshot } from '../core/index.js';
import { holdDebugger, post } from './inspector.js';
import type { LiveScript } from './live.js';
import type { FunctionSite } from './rewrite/functions.js';
import { lineStarts } from './rewrite/insertions.js';
import { functionsIn, instrumentLive } from './rewrite/instrument.js';

const HIT_KEY = 'jsprobe.breakpoint';

type Frame = ReturnType<typeof shared.enter>;

interface State {
  site: ProbeSite;
  /** Hits a second this site handles (JSPROBE_BREAKPOINT_RATE, read once when the site is made). */
  ceiling: number;
  /** Frames of calls that entered and have not reached a return position, innermost last. */
  frames: Frame[];
  second: number;
  inSecond: number;
}

const states: (State | undefined)[] = [];
/** One breakpoint site per function, while it has probes: "<scriptId>:<index>". */
const byFunction = new Map<string, ProbeSite>();

function ceiling(): number {
  const v = Number(process.env.JSPROBE_BREAKPOINT_RATE);
  return Number.isFinite(v) && v > 0 ? v : 1000;
}

/** Over this second's ceiling: every probe on the site counts the hit as missed. */
function overCeiling(st: State, snap: Snapshot): boolean {
  const second = Math.floor(performance.now() / 1000);
  if (second !== st.second) {
    st.second = second;
    st.inSecond = 0;
  }
  if (++st.inSecond <= st.ceiling) return false;
  for (const p of snap.probes) p.missed++;
  return true;
}

const hits = {
  /** A call of an async function or generator reached its first statement: entry only (see below). */
  d(id: number, self: unknown, args: unknown[]): false {
    const st = states[id];
    const snap = st?.site.snapshot ?? null;
    if (st === undefined || snap === null || overCeiling(st, snap)) return false;
    shared.line(snap, self, null, args);
    return false;
  },
  /** A call reached the function's first statement. */
  e(id: number, self: unknown, args: unknown[]): false {
    const st = states[id];
    const snap = st?.site.snapshot ?? null;
    if (st === undefined || snap === null) return false;
    if (overCeiling(st, snap)) {
      st.frames.push(null);
      return false;
    }
    st.frames.push(shared.enter(snap, self, args.length, args[0], args[1], args[2], args[3], args.length > 4 ? args.slice(4) : undefined));
    return false;
  },
  /** A call reached a return position. */
  r(id: number): false {
    const st = states[id];
    if (st === undefined || st.frames.length === 0) return false;
    const f = st.frames.pop() ?? null;
    if (f !== null) shared.exitReturn(f, undefined);
    return false;
  },
};

function installHits(): void {
  const key = Symbol.for(HIT_KEY);
  const g = globalThis as unknown as Record<symbol, unknown>;
  if (g[key] === undefined) Object.defineProperty(globalThis, key, { value: hits, configurable: true });
}

/** The arguments a condition passes: the declared parameters, by name. */
function argsExpr(fn: FunctionSite): string {
  const named = fn.params.map((p) => p ?? 'void 0');
  if (fn.rest !== null) named.push(`...${fn.rest}`);
  return `[${named.join(',')}]`;
}

function condition(call: string): string {
  // A condition that throws is taken as false by V8; the try keeps a fault from reaching stderr.
  return `(()=>{try{${call}}catch{}return false})()`;
}

interface Location {
  scriptId: string;
  lineNumber: number;
  columnNumber: number;
  type?: string;
}

/** A breakpoint site on function `index` of `s`; `note` says why it is one. */
export function breakpointSite(s: LiveScript, index: number, note: string): ProbeSite {
  const key = `${s.scriptId}:${index}`;
  const had = byFunction.get(key);
  if (had !== undefined) return had;
  installHits();
  // The script V8 runs now may hold live sites elsewhere: find the function there. A patch adds
  // no functions, so it has the same index.
  const current = s.patched.size === 0 ? s.original : instrumentLive(s.original, s.fns, '$jpL', s.patched);
  const fn = s.patched.size === 0 ? s.fns[index] : functionsIn(current, s.format, s.url)[index];
  if (fn === undefined) throw new JsprobeError('JSPROBE_E_SITE_UNAVAILABLE', `${s.label}: function ${index} not found`);
  const starts = lineStarts(current);
  const pos = (offset: number) => {
    let line = starts.length - 1;
    while (line > 0 && starts[line] > offset) line--;
    return { scriptId: s.scriptId, lineNumber: line, columnNumber: offset - starts[line] };
  };
  const id = states.length;
  const deferred = fn.async || fn.generator;
  const self = fn.thisUnsafe ? 'void 0' : fn.kind === 'arrow' ? 'void 0' : 'this';
  const call = `globalThis[Symbol.for(${JSON.stringify(HIT_KEY)})]`;
  let breakpoints: string[] = [];
  let release: (() => void) | null = null;

  const arm = (): void => {
    release = holdDebugger();
    const { locations } = post<{ locations: Location[] }>('Debugger.getPossibleBreakpoints', {
      start: pos(fn.body.start), end: pos(fn.body.end), restrictToFunction: true,
    });
    const entry = locations[0];
    if (entry === undefined) return;
    // An async function's or generator's calls interleave: a return position cannot be matched
    // to its entry, so those get their entry only.
    const at = [{ loc: entry, cond: condition(`${call}.${deferred ? 'd' : 'e'}(${id},${self},${argsExpr(fn)})`) }];
    if (!deferred) for (const l of locations) if (l.type === 'return') at.push({ loc: l, cond: condition(`${call}.r(${id})`) });
    breakpoints = at.map(({ loc, cond }) => post<{ breakpointId: string }>('Debugger.setBreakpoint', {
      location: { scriptId: loc.scriptId, lineNumber: loc.lineNumber, columnNumber: loc.columnNumber },
      condition: cond,
    }).breakpointId);
  };
  const disarm = (): void => {
    for (const b of breakpoints) post('Debugger.removeBreakpoint', { breakpointId: b });
    breakpoints = [];
    release?.();
    release = null;
    const st = states[id];
    if (st !== undefined) st.frames.length = 0;
  };

  const site = new ProbeSite({
    kind: 'breakpoint',
    target: `${s.label}:${fn.name}`,
    func: fn.name,
    setLive: (live) => (live ? arm() : disarm()),
    detach: () => {
      disarm();
      states[id] = undefined;
      byFunction.delete(key);
      return undefined;
    },
  });
  site.note = deferred
    ? `${note}; on a breakpoint site a hit costs tens of µs, and for an async function or generator only onEntry runs`
    : `${note}; on a breakpoint site a hit costs tens of µs and onReturn sees no retval or throw`;
  states[id] = { site, ceiling: ceiling(), frames: [], second: 0, inSecond: 0 };
  byFunction.set(key, site);
  return site;
}
