// Pass 4: safe mode (the default). A program must not change the traced program or run its code:
// no assignment to its objects, no calls of its functions. Property reads, operators and string
// conversion could run its code too (getters, valueOf, toString, proxies): codegen routes those
// through the runtime, which reads data properties only and never converts an object by calling
// it. Calls allowed: the language's functions, Math's, and pure methods of strings, numbers and
// arrays (checked again at run time, on the value actually there). --unsafe lifts all of this.

import type { Expr, Stmt } from '../ast.js';
import { fail, walk, type PassContext } from './context.js';

export const PURE_METHODS = {
  string: ['at', 'charAt', 'charCodeAt', 'endsWith', 'includes', 'indexOf', 'lastIndexOf', 'padEnd', 'padStart', 'repeat', 'slice', 'split', 'startsWith', 'substring', 'toLowerCase', 'toUpperCase', 'trim', 'trimEnd', 'trimStart', 'replace', 'replaceAll', 'toString'],
  number: ['toFixed', 'toPrecision', 'toString', 'toExponential'],
  array: ['at', 'includes', 'indexOf', 'join', 'lastIndexOf', 'slice'],
};
const ALL_PURE = new Set([...PURE_METHODS.string, ...PURE_METHODS.number, ...PURE_METHODS.array]);

function check(ctx: PassContext, e: Expr): void {
  for (const x of walk(e)) {
    if (x.type === 'binary' && (x.op === 'instanceof' || x.op === 'in')) {
      fail(ctx, x.at, `'${x.op}' can run the traced program's code (Symbol.hasInstance, proxies); --unsafe allows it`);
    }
    if (x.type !== 'call') continue;
    const c = x.callee;
    if (c.type === 'ident') continue; // the language's own functions (scope checked the names)
    if (c.type === 'member' && !c.computed && c.property.type === 'str') {
      const method = c.property.value;
      if (c.object.type === 'ident' && c.object.name === 'Math') continue;
      if (ALL_PURE.has(method)) continue;
      fail(ctx, c.property.at, `calling .${method}() could run the traced program's code; in safe mode only pure string, number and array methods can be called (${[...ALL_PURE].slice(0, 8).join(', ')}, …); --unsafe lifts this`);
    }
    fail(ctx, x.at, "calling this could run the traced program's code; --unsafe lifts this");
  }
}

function statements(ctx: PassContext, list: Stmt[]): void {
  for (const s of list) {
    if (s.type === 'memberAssign') fail(ctx, s.at, "a probe cannot change the traced program's objects in safe mode; --unsafe lifts this");
    if (s.type === 'mapAssign') {
      s.target.keys.forEach((k) => check(ctx, k));
      check(ctx, s.value);
    } else if (s.type === 'varAssign') check(ctx, s.value);
    else if (s.type === 'expr') check(ctx, s.expr);
    else if (s.type === 'if') {
      check(ctx, s.test);
      statements(ctx, s.then);
      statements(ctx, s.else);
    }
  }
}

export function safetyPass(ctx: PassContext): void {
  if (ctx.options.unsafe === true) return;
  for (const info of ctx.blocks) {
    if (info.block.predicate !== null) check(ctx, info.block.predicate);
    statements(ctx, info.block.body);
  }
}
