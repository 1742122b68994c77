// Pass 4: the language's functions. Statements (printf, print, table, clear, delete, exit, detach, pending, time) stand
// alone, aggregations are the value of a map assignment, str() is a value; each gets the
// arguments it takes, and printf's format is parsed here, once. A builtin value is not a function.

import type { Expr, Stmt } from '../ast.js';
import { parseFormat } from '../format.js';
import { report, walk, type BlockInfo, type PassContext } from './context.js';
import { aggregationOf } from './maps.js';
import { FUNCTIONS, STACK_BUILTINS, STACK_DEPTH } from './scope.js';
import { STR_DEPTH } from '../str-depth.js';

type Call = Extract<Expr, { type: 'call' }>;

/** Builtins whose values come from the traced program: calling one runs its code (--unsafe only). */
export const PROGRAM_VALUES = new Set(['args', 'retval', 'error']);

export function isProgramValue(name: string): boolean {
  return PROGRAM_VALUES.has(name) || /^arg[0-9]+$/.test(name);
}

/** The language function `call` calls, or null. */
function functionOf(info: BlockInfo, call: Call): string | null {
  return call.callee.type === 'ident' && info.idents.get(call.callee)?.kind === 'function' ? call.callee.name : null;
}

/** A callee that is one of jsprobe's values (elapsed, tid, a literal…) cannot be called at all. */
function notAFunction(ctx: PassContext, info: BlockInfo, call: Call): void {
  if (call.callee.type !== 'ident') return;
  const r = info.idents.get(call.callee);
  if (r?.kind === 'literal' || (r?.kind === 'builtin' && !isProgramValue(r.name))) {
    report(ctx, call.at, `'${call.callee.name}' is a value, not a function`);
  }
}

/** Calls in `e`, which is used as a value. */
function values(ctx: PassContext, info: BlockInfo, e: Expr): void {
  for (const x of walk(e)) {
    if (x.type !== 'call') continue;
    notAFunction(ctx, info, x);
    const name = functionOf(info, x);
    if (name === null) continue;
    if (FUNCTIONS.aggregations.includes(name)) report(ctx, x.at, `${name}() goes on the right of a map assignment: @name = ${name}(…)`);
    else if (FUNCTIONS.statements.includes(name)) report(ctx, x.at, `${name}() is a statement of its own, not a value`);
    else if (name === 'str') strDepth(ctx, x);
    else if (name === 'strftime' && (x.args.length !== 2 || x.args[0].type !== 'str')) {
      report(ctx, x.at, 'strftime takes a format string and a time in nsecs: strftime("%H:%M:%S.%f", nsecs)');
    }
    else if (STACK_BUILTINS.includes(name)) stackDepth(ctx, x, name);
  }
}

export { STR_DEPTH };

/** `str(x)` or `str(x, N)`: N levels of nesting, a whole number written in the program, 0 to STR_DEPTH.max. */
function strDepth(ctx: PassContext, call: Call): void {
  const n = call.args[1];
  if (call.args.length < 1 || call.args.length > 2) report(ctx, call.at, 'str takes a value and an optional depth: str(x) or str(x, 4)');
  else if (n !== undefined && (n.type !== 'num' || !Number.isInteger(n.value) || n.value < 0 || n.value > STR_DEPTH.max)) {
    report(ctx, n.at, `str(x, N) takes N, the levels of nesting to show, from 0 to ${STR_DEPTH.max}: str(arg0, 4)`);
  }
}

/** `ustack(N)`: N frames, a whole number written in the program, 1 to STACK_DEPTH.max. */
function stackDepth(ctx: PassContext, call: Call, name: string): void {
  const n = call.args[0];
  const shape = `${name}(N) takes N, the frames to keep, from 1 to ${STACK_DEPTH.max}: ${name}(8); ${name} alone keeps ${STACK_DEPTH.default}`;
  if (call.args.length > 1) report(ctx, call.args[1].at, shape);
  else if (n !== undefined && (n.type !== 'num' || !Number.isInteger(n.value) || n.value < 1 || n.value > STACK_DEPTH.max)) report(ctx, n.at, shape);
}

function printf(ctx: PassContext, call: Call): void {
  const fmt = call.args[0];
  if (fmt === undefined || fmt.type !== 'str') {
    report(ctx, call.at, 'printf takes a format string first: printf("%s took %d ms\\n", arg0, elapsed / 1e6)');
    return;
  }
  try {
    const convs = parseFormat(fmt.value).filter((p) => p.conv !== undefined).length;
    if (convs !== call.args.length - 1) report(ctx, call.at, `the format has ${convs} conversion(s) but printf got ${call.args.length - 1} value(s)`);
  } catch (err) {
    report(ctx, fmt.at + 1 + (err as { at: number }).at, (err as Error).message);
  }
}

function print(ctx: PassContext, call: Call): void {
  const [first, second] = call.args;
  if (first === undefined || call.args.length > 3) report(ctx, call.at, 'print takes a map and an optional count, print(@name, 10), or one value, print(x)');
  else if (first.type === 'map' && first.keys.length > 0) {
    report(ctx, first.at, `print takes the whole map, print(@${first.name}); to print one value use printf`);
  } else if (first.type !== 'map' && second !== undefined) {
    report(ctx, second.at, 'print(x) takes one value; a count goes with a map: print(@name, 10)');
  }
}

function mapArg(ctx: PassContext, call: Call, name: string, keyed: boolean): void {
  const m = call.args[0];
  if (m === undefined || m.type !== 'map' || call.args.length > 1) report(ctx, call.at, `${name} takes a map: ${name}(@name${keyed ? '[key]' : ''})`);
  else if (keyed && m.keys.length === 0) report(ctx, m.at, `delete takes one entry of a map: delete(@${m.name}[key])`);
  else if (!keyed && m.keys.length > 0) report(ctx, m.at, `${name} takes the whole map: ${name}(@${m.name})`);
}

/** A call that stands as a statement. */
function statementCall(ctx: PassContext, info: BlockInfo, call: Call): void {
  notAFunction(ctx, info, call);
  const name = functionOf(info, call);
  switch (name) {
    case 'printf': printf(ctx, call); break;
    case 'print': print(ctx, call); break;
    case 'clear': mapArg(ctx, call, 'clear', false); break;
    case 'delete': mapArg(ctx, call, 'delete', true); break;
    case 'exit':
    case 'detach':
      if (call.args.length > 0) report(ctx, call.args[0].at, `${name} takes no arguments`);
      break;
    case 'table':
      if (call.args.length === 0 || call.args.some((a) => a.type !== 'map' || a.keys.length > 0)) {
        report(ctx, call.at, 'table takes whole maps, a row per key of the first: table(@calls, @failures, @ms)');
      }
      break;
    case 'pending': {
      const ms = call.args[0];
      if (call.args.length > 1 || (ms !== undefined && (ms.type !== 'num' || !(ms.value >= 0)))) {
        report(ctx, (ms ?? call).at, 'pending takes the age, in ms, from which a call in flight is listed: pending() or pending(500)');
      }
      break;
    }
    case 'time': {
      const fmt = call.args[0];
      if (call.args.length > 1 || (fmt !== undefined && fmt.type !== 'str')) report(ctx, (fmt ?? call).at, 'time takes a format string: time("%H:%M:%S\\n")');
      break;
    }
    case 'str':
    case 'strftime':
    case 'stack':
    case 'ustack':
      report(ctx, call.at, `${name}() alone does nothing: print it, printf("%s\\n", ${name}(…)), or keep it in a map`);
      break;
    default:
      if (name !== null) report(ctx, call.at, `${name}() goes on the right of a map assignment: @name = ${name}(…)`);
      else values(ctx, info, call.callee);
  }
  for (const a of call.args) values(ctx, info, a);
}

function statements(ctx: PassContext, info: BlockInfo, list: Stmt[]): void {
  for (const s of list) {
    switch (s.type) {
      case 'mapAssign': {
        s.target.keys.forEach((k) => values(ctx, info, k));
        // An aggregation is the value itself; its arguments are values.
        if (s.op === undefined && aggregationOf(s.value) !== null && s.value.type === 'call') s.value.args.forEach((a) => values(ctx, info, a));
        else values(ctx, info, s.value);
        break;
      }
      case 'varAssign':
        values(ctx, info, s.value);
        break;
      case 'memberAssign':
        values(ctx, info, s.target);
        values(ctx, info, s.value);
        break;
      case 'expr':
        statementCall(ctx, info, s.expr as Call);
        break;
      case 'if':
        values(ctx, info, s.test);
        statements(ctx, info, s.then);
        statements(ctx, info, s.else);
    }
  }
}

export function callsPass(ctx: PassContext): void {
  for (const info of ctx.blocks) {
    if (info.block.predicate !== null) values(ctx, info, info.block.predicate);
    statements(ctx, info, info.block.body);
  }
}
