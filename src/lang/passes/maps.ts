// Pass 3: the maps. Each map gets a slot (resolved once, here, not per hit), one aggregation and
// one key arity for all its uses. Aggregation functions appear only as the value of a map
// assignment; print, clear and delete take maps.

import type { Expr, Stmt } from '../ast.js';
import { FUNCTIONS } from './scope.js';
import { fail, walk, type Aggregation, type MapInfo, type PassContext } from './context.js';

type MapExpr = Extract<Expr, { type: 'map' }>;

const ARITY: Record<string, [number, string]> = {
  count: [0, 'count()'], sum: [1, 'sum(x)'], avg: [1, 'avg(x)'], min: [1, 'min(x)'], max: [1, 'max(x)'],
  stats: [1, 'stats(x)'], hist: [1, 'hist(x)'], lhist: [4, 'lhist(x, min, max, step)'],
};

function calleeName(e: Expr): string | null {
  return e.type === 'call' && e.callee.type === 'ident' ? e.callee.name : null;
}

function define(ctx: PassContext, m: MapExpr, agg: Aggregation, at: number, lhist?: [number, number, number]): void {
  const had = ctx.maps.get(m.name);
  if (had === undefined) {
    ctx.maps.set(m.name, { name: m.name, index: ctx.maps.size, agg, keys: m.keys.length, lhist, at });
    return;
  }
  if (had.agg !== agg) fail(ctx, at, `@${m.name} is ${describeAgg(had.agg)} elsewhere; a map keeps one kind of value (use another map)`);
  if (had.keys !== m.keys.length) fail(ctx, m.at, `@${m.name} has ${had.keys} key(s) elsewhere, ${m.keys.length} here`);
  if (agg === 'lhist' && JSON.stringify(had.lhist) !== JSON.stringify(lhist)) fail(ctx, at, `@${m.name} is an lhist with other bounds elsewhere`);
}

function describeAgg(agg: Aggregation): string {
  return agg === 'value' ? 'assigned plain values' : `a ${agg}()`;
}

function constant(ctx: PassContext, e: Expr, what: string): number {
  const v = e.type === 'num' ? e.value : e.type === 'unary' && e.op === '-' && e.arg.type === 'num' ? -e.arg.value : NaN;
  if (!Number.isFinite(v)) fail(ctx, e.at, `lhist's ${what} must be a number written in the program`);
  return v;
}

function assignment(ctx: PassContext, s: Extract<Stmt, { type: 'mapAssign' }>): void {
  const name = calleeName(s.value);
  const call = s.value as Extract<Expr, { type: 'call' }>;
  if (name !== null && name in ARITY) {
    const [n, shape] = ARITY[name];
    if (call.args.length !== n) fail(ctx, call.at, `${name} takes ${n === 0 ? 'no arguments' : n === 1 ? 'one argument' : `${n} arguments`}: ${shape}`);
    let bounds: [number, number, number] | undefined;
    if (name === 'lhist') {
      bounds = [constant(ctx, call.args[1], 'min'), constant(ctx, call.args[2], 'max'), constant(ctx, call.args[3], 'step')];
      if (!(bounds[0] < bounds[1]) || !(bounds[2] > 0)) fail(ctx, call.at, 'lhist needs min < max and step > 0');
    }
    define(ctx, s.target, name as Aggregation, call.at, bounds);
    for (const a of call.args) noAggregations(ctx, a);
  } else {
    define(ctx, s.target, 'value', s.at);
    noAggregations(ctx, s.value);
  }
  for (const k of s.target.keys) noAggregations(ctx, k);
}

function noAggregations(ctx: PassContext, e: Expr): void {
  for (const x of walk(e)) {
    const name = calleeName(x);
    if (name !== null && FUNCTIONS.aggregations.includes(name)) fail(ctx, x.at, `${name}() goes on the right of a map assignment: @name = ${name}(…)`);
    if (name !== null && FUNCTIONS.statements.includes(name)) fail(ctx, x.at, `${name}() is a statement of its own, not a value`);
  }
}

function mapArg(ctx: PassContext, call: Extract<Expr, { type: 'call' }>, name: string, keyed: boolean): void {
  const m = call.args[0];
  if (m === undefined || m.type !== 'map') fail(ctx, call.at, `${name} takes a map: ${name}(@name${keyed ? '[key]' : ''})`);
  if (keyed && m.keys.length === 0) fail(ctx, m.at, `delete takes one entry of a map: delete(@${m.name}[key])`);
  if (!keyed && m.keys.length > 0) fail(ctx, m.at, `${name} takes the whole map: ${name}(@${m.name})`);
}

function statement(ctx: PassContext, s: Stmt): void {
  switch (s.type) {
    case 'mapAssign':
      assignment(ctx, s);
      return;
    case 'varAssign':
    case 'memberAssign':
      noAggregations(ctx, s.value);
      return;
    case 'if':
      noAggregations(ctx, s.test);
      s.then.forEach((x) => statement(ctx, x));
      s.else.forEach((x) => statement(ctx, x));
      return;
    case 'expr': {
      const call = s.expr as Extract<Expr, { type: 'call' }>;
      const name = calleeName(call);
      if (name === 'clear') mapArg(ctx, call, 'clear', false);
      else if (name === 'delete') mapArg(ctx, call, 'delete', true);
      else if (name === 'print' && call.args[0]?.type === 'map' && call.args[0].keys.length > 0) {
        fail(ctx, call.args[0].at, `print takes the whole map, print(@${call.args[0].name}); to print one value use printf`);
      }
      for (const a of call.args) if (a.type !== 'map') noAggregations(ctx, a);
      if (name !== null && FUNCTIONS.aggregations.includes(name)) fail(ctx, call.at, `${name}() goes on the right of a map assignment: @name = ${name}(…)`);
    }
  }
}

/** Every map that is read must be assigned somewhere. */
function readsDefined(ctx: PassContext, e: Expr): void {
  for (const x of walk(e)) {
    if (x.type === 'map' && !ctx.maps.has(x.name)) fail(ctx, x.at, `@${x.name} is never assigned${near(ctx, x.name)}`);
  }
}

function near(ctx: PassContext, name: string): string {
  const names = [...ctx.maps.keys()];
  const close = names.filter((n) => n.toLowerCase() === name.toLowerCase() || Math.abs(n.length - name.length) <= 2 && [...name].filter((c, i) => n[i] === c).length >= name.length - 2);
  return close.length > 0 ? `; did you mean @${close[0]}?` : '';
}

function allExprs(list: Stmt[], out: Expr[]): Expr[] {
  for (const s of list) {
    if (s.type === 'mapAssign') out.push(...s.target.keys, s.value);
    else if (s.type === 'varAssign' || s.type === 'memberAssign') out.push(s.value);
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
  for (const info of ctx.blocks) {
    if (info.block.predicate !== null) noAggregations(ctx, info.block.predicate);
    info.block.body.forEach((s) => statement(ctx, s));
  }
  for (const info of ctx.blocks) {
    const list = allExprs(info.block.body, info.block.predicate !== null ? [info.block.predicate] : []);
    for (const e of list) readsDefined(ctx, e);
  }
}

export type { MapInfo };
