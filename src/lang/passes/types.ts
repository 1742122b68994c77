// Pass 5: values whose type is known here. A string given to a numeric aggregation (sum, avg, min,
// max, stats, hist, lhist) or to a numeric printf conversion (%d, %f, %x, …) is a fault of the
// program, positioned at the value. What is known only at a hit (arg0, retval, a local) is checked
// there: the runtime counts it as a handler fault (agg/format.ts's aggregand, agg/printf.ts).

import type { Expr, Stmt } from '../ast.js';
import { parseFormat } from '../format.js';
import { report, type BlockInfo, type PassContext } from './context.js';
import { aggregationOf } from './maps.js';

type Known = 'string' | 'number' | null;

/** Builtins that are always strings, and always numbers. */
const STRING_BUILTINS = new Set(['func', 'probe', 'stack', 'ustack']);
const NUMBER_BUILTINS = new Set(['elapsed', 'nsecs', 'tid', 'ctx', 'pid']);
/** Operators whose result is a number whatever their operands (`+` is the one that concatenates). */
const NUMERIC_OPS = new Set(['-', '*', '/', '%', '**', '&', '|', '^', '<<', '>>', '>>>']);
/** printf conversions that take a number (%s and %c take anything). */
const NUMERIC_CONVERSIONS = 'diufFxXoeEgG';

/** The type of `e` when the program's text alone says it; null when only a hit can tell. */
export function knownType(info: BlockInfo, e: Expr): Known {
  switch (e.type) {
    case 'str': return 'string';
    case 'num': return 'number';
    case 'ident': {
      const r = info.idents.get(e);
      if (r?.kind !== 'builtin') return null;
      return STRING_BUILTINS.has(r.name) ? 'string' : NUMBER_BUILTINS.has(r.name) ? 'number' : null;
    }
    case 'call': {
      const c = e.callee;
      if (c.type !== 'ident' || info.idents.get(c)?.kind !== 'function') return null;
      return c.name === 'str' || c.name === 'strftime' || c.name === 'stack' || c.name === 'ustack' ? 'string' : null;
    }
    case 'unary': return e.op === '-' || e.op === '+' || e.op === '~' ? 'number' : null;
    case 'binary': {
      if (NUMERIC_OPS.has(e.op)) return 'number';
      if (e.op !== '+') return null;
      const l = knownType(info, e.left);
      const r = knownType(info, e.right);
      if (l === 'string' || r === 'string') return 'string';
      return l === 'number' && r === 'number' ? 'number' : null;
    }
    case 'cond': {
      const t = knownType(info, e.then);
      return t === knownType(info, e.else) ? t : null;
    }
    default: return null;
  }
}

function aggregation(ctx: PassContext, info: BlockInfo, s: Extract<Stmt, { type: 'mapAssign' }>): void {
  const agg = s.op === undefined ? aggregationOf(s.value) : null;
  if (agg === null || agg === 'count' || s.value.type !== 'call') return;
  const v = s.value.args[0];
  if (v !== undefined && knownType(info, v) === 'string') {
    report(ctx, v.at, `${agg}() takes a number, and this is a string; count strings with @name[str] = count()`);
  }
}

function printf(ctx: PassContext, info: BlockInfo, call: Extract<Expr, { type: 'call' }>): void {
  const fmt = call.args[0];
  if (fmt?.type !== 'str') return;
  let parts;
  try {
    parts = parseFormat(fmt.value).filter((p) => p.conv !== undefined);
  } catch {
    return; // the calls pass reported it
  }
  parts.forEach((p, i) => {
    const v = call.args[i + 1];
    if (v !== undefined && NUMERIC_CONVERSIONS.includes(p.conv!) && knownType(info, v) === 'string') {
      report(ctx, v.at, `%${p.conv} takes a number, and this is a string; print it with %s`);
    }
  });
}

function statements(ctx: PassContext, info: BlockInfo, list: Stmt[]): void {
  for (const s of list) {
    if (s.type === 'mapAssign') aggregation(ctx, info, s);
    else if (s.type === 'if') {
      statements(ctx, info, s.then);
      statements(ctx, info, s.else);
    } else if (s.type === 'expr' && s.expr.type === 'call' && s.expr.callee.type === 'ident'
      && info.idents.get(s.expr.callee)?.kind === 'function' && s.expr.callee.name === 'printf') {
      printf(ctx, info, s.expr);
    }
  }
}

export function typesPass(ctx: PassContext): void {
  for (const info of ctx.blocks) statements(ctx, info, info.block.body);
}
