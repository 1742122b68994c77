// What V8's LiveEdit will make of an edit, worked out before it is sent. LiveEdit diffs the old
// and new source (lines first, then the characters of each changed run of lines, with Myers'
// algorithm), moves every function's start and end through that diff, and patches a function only
// when a function of the new source starts and ends exactly there. A function whose start or end
// falls in a changed run is left running its old code, and the edit still answers Ok. With
// repeated lines (`}`, a common statement) the line diff can group several functions' lines into
// one run and the character diff inside it can pair their text up wrongly: measured here, a batch
// of ten identical-looking functions left four unpatched.
//
// This is a port of V8's own code (src/debug/liveedit-diff.cc, MyersDiffer; src/debug/liveedit.cc,
// CompareStrings and CalculateFunctionLiteralChanges, as in Node 20's V8), so that live.ts can
// choose edits whose every function will map, and split a batch when one would not.

import type { FunctionSite } from './functions.js';

interface Point {
  x: number;
  y: number;
}

/** Myers' O(ND) diff with the linear-space refinement, as V8 does it (ties broken the same way). */
function myers(len1: number, len2: number, eq: (a: number, b: number) => boolean, chunk: (p1: number, p2: number, l1: number, l2: number) => void): void {
  const size = len1 + len2 + 1;
  const fwd = new Int32Array(size);
  const rev = new Int32Array(size);
  const ix = (i: number): number => (i >= 0 ? i : size + i);

  function middleSnake(tl: Point, br: Point): { from: Point; to: Point } | null {
    const w = br.x - tl.x;
    const h = br.y - tl.y;
    if (w + h === 0) return null;
    const delta = w - h;
    fwd[ix(1)] = tl.x;
    rev[ix(-1)] = br.x;
    for (let d = 0; d <= Math.ceil((w + h) / 2); ++d) {
      for (let k = -d; k <= d; k += 2) {
        let fx: number;
        let tx: number;
        if (k === -d || (k !== d && fwd[ix(k - 1)] < fwd[ix(k + 1)])) fx = tx = fwd[ix(k + 1)];
        else {
          fx = fwd[ix(k - 1)];
          tx = fx + 1;
        }
        let ty = tl.y + (tx - tl.x) - k;
        const fy = d === 0 || fx !== tx ? ty : ty - 1;
        while (tx < br.x && ty < br.y && eq(tx, ty)) {
          ++tx;
          ++ty;
        }
        fwd[ix(k)] = tx;
        const l = k - delta;
        if (delta % 2 !== 0 && l >= -d + 1 && l <= d - 1 && tx >= rev[ix(l)]) return { from: { x: fx, y: fy }, to: { x: tx, y: ty } };
      }
      for (let l = d; l >= -d; l -= 2) {
        let fx: number;
        let tx: number;
        if (l === d || (l !== -d && rev[ix(l - 1)] > rev[ix(l + 1)])) fx = tx = rev[ix(l - 1)];
        else {
          fx = rev[ix(l + 1)];
          tx = fx - 1;
        }
        const k = l + delta;
        let ty = tl.y + (tx - tl.x) - k;
        const fy = d === 0 || fx !== tx ? ty : ty + 1;
        while (tl.x < tx && tl.y < ty && eq(tx - 1, ty - 1)) {
          --tx;
          --ty;
        }
        rev[ix(l)] = tx;
        if (delta % 2 === 0 && k >= -d && k <= d && tx <= fwd[ix(k)]) return { from: { x: tx, y: ty }, to: { x: fx, y: fy } };
      }
    }
    return null;
  }

  /** Appends the points of the edit path from `from` to `to`; false for an empty area. */
  function editPath(from: Point, to: Point, out: Point[]): boolean {
    const snake = middleSnake(from, to);
    if (snake === null) return false;
    if (!editPath(from, snake.from, out)) out.push(snake.from);
    if (!editPath(snake.to, to, out)) out.push(snake.to);
    return true;
  }

  const path: Point[] = [];
  if (!editPath({ x: 0, y: 0 }, { x: len1, y: len2 }, path)) return;
  let open: Point | null = null;
  const same = (p: Point): void => {
    if (open === null) return;
    chunk(open.x, open.y, p.x - open.x, p.y - open.y);
    open = null;
  };
  const changed = (p: Point): void => {
    if (open === null) open = { ...p };
  };
  const walk = (p: Point, q: Point): Point => {
    while (p.x < q.x && p.y < q.y && eq(p.x, p.y)) {
      same(p);
      p.x++;
      p.y++;
    }
    return p;
  };
  for (let i = 1; i < path.length; i++) {
    let p = { ...path[i - 1] };
    const q = path[i];
    p = walk(p, q);
    const cmp = q.x - p.x - (q.y - p.y);
    if (cmp === -1) {
      changed(p);
      p.y++;
    } else if (cmp === 1) {
      changed(p);
      p.x++;
    }
    walk(p, q);
  }
  same(path[path.length - 1]);
}

export interface SourceChange {
  start: number;
  end: number;
  newStart: number;
  newEnd: number;
}

/** Line i of `s` runs from starts[i] to starts[i + 1] (the last line has no newline). */
function lineBounds(s: string): number[] {
  const b = [0];
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 10) b.push(i + 1);
  b.push(s.length);
  return b;
}

/** Runs of changed text between two sources, as V8's LiveEdit::CompareStrings finds them. */
export function compareSources(s1: string, s2: string): SourceChange[] {
  const b1 = lineBounds(s1);
  const b2 = lineBounds(s2);
  const n1 = b1.length - 1;
  const n2 = b2.length - 1;
  const lineEq = (a: number, b: number): boolean => {
    const l = b1[a + 1] - b1[a];
    return l === b2[b + 1] - b2[b] && s1.startsWith(s2.slice(b2[b], b2[b] + l), b1[a]);
  };
  let pre = 0;
  while (pre < Math.min(n1, n2) && lineEq(pre, pre)) pre++;
  let suf = 0;
  while (suf < Math.min(n1 - pre, n2 - pre) && lineEq(n1 - suf - 1, n2 - suf - 1)) suf++;
  const out: SourceChange[] = [];
  myers(n1 - pre - suf, n2 - pre - suf, (a, b) => lineEq(a + pre, b + pre), (lp1, lp2, ll1, ll2) => {
    const c1 = b1[lp1 + pre];
    const c2 = b2[lp2 + pre];
    const len1 = b1[lp1 + pre + ll1] - c1;
    const len2 = b2[lp2 + pre + ll2] - c2;
    if (len1 < 800 && len2 < 800) {
      myers(len1, len2, (a, b) => s1.charCodeAt(c1 + a) === s2.charCodeAt(c2 + b), (p1, p2, q1, q2) => {
        out.push({ start: c1 + p1, end: c1 + p1 + q1, newStart: c2 + p2, newEnd: c2 + p2 + q2 });
      });
    } else out.push({ start: c1, end: c1 + len1, newStart: c2, newEnd: c2 + len2 });
  });
  return out;
}

/** Where V8's function literal starts: its parameter list, or an arrow's first token. */
function literalStart(src: string, f: FunctionSite): number {
  return f.kind === 'function' ? src.indexOf('(', f.start) : f.start;
}

/**
 * The functions of the old source (indexes into `oldSites`) that LiveEdit would leave unpatched:
 * no function of the new source starts and ends where the diff moves their start and end.
 */
export function unmappedFunctions(oldSrc: string, oldSites: readonly FunctionSite[], newSrc: string, newSites: readonly FunctionSite[]): Set<number> {
  const diffs = compareSources(oldSrc, newSrc);
  const present = new Set(newSites.map((f) => `${literalStart(newSrc, f)}:${f.end}`));
  // Events in V8's order: by position; at one position literal starts, literal ends, diff
  // starts, diff ends; nested starts outermost first, ends innermost first.
  type Event = { pos: number; type: 0 | 1 | 2 | 3; i: number; s: number; e: number; grow: number };
  const events: Event[] = [];
  oldSites.forEach((f, i) => {
    const s = literalStart(oldSrc, f);
    events.push({ pos: s, type: 0, i, s, e: f.end, grow: 0 }, { pos: f.end, type: 1, i, s, e: f.end, grow: 0 });
  });
  for (const d of diffs) {
    const grow = d.newEnd - d.newStart - (d.end - d.start);
    events.push({ pos: d.start, type: 2, i: -1, s: 0, e: 0, grow }, { pos: d.end, type: 3, i: -1, s: 0, e: 0, grow });
  }
  events.sort((a, b) => a.pos - b.pos || a.type - b.type || (a.type === 0 ? b.e - a.e : a.type === 1 ? b.s - a.s : 0));
  let inside = false;
  let delta = 0;
  const starts: number[] = [];
  const out = new Set<number>();
  for (const ev of events) {
    if (ev.type === 0) starts[ev.i] = inside ? -1 : ev.pos + delta;
    else if (ev.type === 1) {
      const s = starts[ev.i];
      if (inside || s < 0 || !present.has(`${s}:${ev.pos + delta}`)) out.add(ev.i);
    } else if (ev.type === 2) inside = true;
    else {
      inside = false;
      delta += ev.grow;
    }
  }
  return out;
}
