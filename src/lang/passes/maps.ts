// Pass 3: the maps. Each map gets a slot (resolved once, here, not per hit), one aggregation and
// one key arity for all its uses, and every map that is read is assigned somewhere. Where the
// aggregation functions may appear is the calls pass's business.

import type { Expr, Stmt } from '../ast.js';
import { report, walk, type Aggregation, type MapInfo, type PassContext } from './context.js';
import { noProto } from '../../core/primordials.js';

type MapExpr = Extract<Expr, { type: 'map' }>;

// On no prototype, as the language's other tables (parser.ts).
const ARITY: Record<string, [number, string]> = noProto({
  count: [0, 'count()'], sum: [1, 'sum(x)'], avg: [1, 'avg(x)'], min: [1, 'min(x)'], max: [1, 'max(x)'],
  stats: [1, 'stats(x)'], hist: [1, 'hist(x)'], lhist: [4, 'lhist(x, min, max, step)'],
});

/** The aggregation a map assignment's value calls, if it calls one. */
export function aggregationOf(value: Expr): Aggregation | null {
  return value.type === 'call' && value.callee.type === 'ident' && value.callee.name in ARITY ? (value.callee.name as Aggregation) : null;
}

function define(ctx: PassContext, m: MapExpr, agg: Aggregation, at: number, lhist?: [number, number, number]): void {
  const had = ctx.maps.get(m.name);
  if (had === undefined) {
    ctx.maps.set(m.name, { name: m.name, index: ctx.maps.size, agg, keys: m.keys.length, lhist, at });
    return;
  }
  if (had.agg !== agg) report(ctx, at, `@${m.name} is ${describeAgg(had.agg)} elsewhere; a map keeps one kind of value (use another map)`);
  else if (agg === 'lhist' && JSON.stringify(had.lhist) !== JSON.stringify(lhist)) report(ctx, at, `@${m.name} is an lhist with other bounds elsewhere`);
  if (had.keys !== m.keys.length) report(ctx, m.at, `@${m.name} has ${had.keys} key(s) elsewhere, ${m.keys.length} here`);
}

function describeAgg(agg: Aggregation): string {
  return agg === 'value' ? 'assigned plain values' : `a ${agg}()`;
}

function constant(ctx: PassContext, e: Expr, what: string): number {
  const v = e.type === 'num' ? e.value : e.type === 'unary' && e.op === '-' && e.arg.type === 'num' ? -e.arg.value : NaN;
  if (!Number.isFinite(v)) report(ctx, e.at, `lhist's ${what} must be a number written in the program`);
  return v;
}

function assignment(ctx: PassContext, s: Extract<Stmt, { type: 'mapAssign' }>): void {
  const agg = s.op === undefined ? aggregationOf(s.value) : null;
  if (agg === null || s.value.type !== 'call') {
    define(ctx, s.target, 'value', s.at);
    return;
  }
  const call = s.value;
  const [n, shape] = ARITY[agg];
  if (call.args.length !== n) report(ctx, call.at, `${agg} takes ${n === 0 ? 'no arguments' : n === 1 ? 'one argument' : `${n} arguments`}: ${shape}`);
  let bounds: [number, number, number] | undefined;
  if (agg === 'lhist' && call.args.length === n) {
    bounds = [constant(ctx, call.args[1], 'min'), constant(ctx, call.args[2], 'max'), constant(ctx, call.args[3], 'step')];
    if (bounds.every(Number.isFinite) && (!(bounds[0] < bounds[1]) || !(bounds[2] > 0))) report(ctx, call.at, 'lhist needs min < max and step > 0');
  }
  define(ctx, s.target, agg, call.at, bounds);
}

function assignments(ctx: PassContext, list: Stmt[]): void {
  for (const s of list) {
    if (s.type === 'mapAssign') assignment(ctx, s);
    else if (s.type === 'if') {
      assignments(ctx, s.then);
      assignments(ctx, s.else);
    }
  }
}

/** Every map that is read must be assigned somewhere. */
function readsDefined(ctx: PassContext, e: Expr): void {
  for (const x of walk(e)) {
    if (x.type === 'map' && !ctx.maps.has(x.name)) report(ctx, x.at, `@${x.name} is never assigned${near(ctx, x.name)}`);
  }
}

function near(ctx: PassContext, name: string): string {
  const names = [...ctx.maps.keys()];
  const alike = (n: string) => Math.abs(n.length - name.length) <= 2 && [...name].filter((c, i) => n[i] === c).length >= name.length - 2;
  const close = names.filter((n) => n.toLowerCase() === name.toLowerCase() || alike(n));
  return close.length > 0 ? `; did you mean @${close[0]}?` : '';
}

function allExprs(list: Stmt[], out: Expr[]): Expr[] {
  for (const s of list) {
    if (s.type === 'mapAssign') out.push(...s.target.keys, s.value);
    else if (s.type === 'varAssign') out.push(s.value);
    else if (s.type === 'memberAssign') out.push(s.target, s.value);
    else if (s.type === 'expr') out.push(s.expr);
    else {
      out.push(s.test);
      allExprs(s.then, out);
      allExprs(s.else, out);
    }
  }
  return out;
}

export function mapsPass(ctx: PassContext): void {
  for (const info of ctx.blocks) assignments(ctx, info.block.body);
  for (const info of ctx.blocks) {
    const list = allExprs(info.block.body, info.block.predicate !== null ? [info.block.predicate] : []);
    for (const e of list) readsDefined(ctx, e);
  }
}

export type { MapInfo };
