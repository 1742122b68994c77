// Pass 6: safe mode (the default). A program must not change the traced program or run its code:
// no assignment to its objects, no calls of its functions. A call is allowed only when its callee
// is one of the language's functions, a Math function, or a pure method of strings, numbers and
// arrays (checked again at run time, on the value actually there). Every other callee (a local of
// a line: probe, a global, args, a property, the result of a call, a computed name) is a value of
// the program, and calling it would run its code. Property reads, operators and string conversion
// could run its code too (getters, valueOf, toString, proxies): codegen routes those through the
// runtime, which reads data properties only and never converts an object by calling it.
// --unsafe lifts all of this.

import type { Expr, Stmt } from '../ast.js';
import { isProgramValue } from './calls.js';
import { report, walk, type BlockInfo, type PassContext } from './context.js';

export const PURE_METHODS = {
  string: [
    'at', 'charAt', 'charCodeAt', 'endsWith', 'includes', 'indexOf', 'lastIndexOf', 'padEnd', 'padStart', 'repeat', 'slice', 'split', 'startsWith',
    'substring', 'toLowerCase', 'toUpperCase', 'trim', 'trimEnd', 'trimStart', 'replace', 'replaceAll', 'toString',
  ],
  number: ['toFixed', 'toPrecision', 'toString', 'toExponential'],
  array: ['at', 'includes', 'indexOf', 'join', 'lastIndexOf', 'slice'],
};
const ALL_PURE = new Set([...PURE_METHODS.string, ...PURE_METHODS.number, ...PURE_METHODS.array]);

/** The Math functions a probe can call in safe mode: pure functions of numbers. */
export const MATH_FUNCTIONS = [
  'abs', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atan2', 'atanh', 'cbrt', 'ceil', 'clz32', 'cos', 'cosh', 'exp', 'expm1', 'floor', 'fround',
  'hypot', 'imul', 'log', 'log10', 'log1p', 'log2', 'max', 'min', 'pow', 'random', 'round', 'sign', 'sin', 'sinh', 'sqrt', 'tan', 'tanh', 'trunc',
];

const RUNS = "would run the traced program's code";
const LIFT = '--unsafe allows it';

/** Why calling an identifier is refused, or null when it is one of the language's functions. */
function identCallee(info: BlockInfo, c: Extract<Expr, { type: 'ident' }>): string | null {
  const r = info.idents.get(c);
  // Unresolved names and calls of jsprobe's own values are the scope and calls passes' faults.
  if (r === undefined || r.kind === 'function' || r.kind === 'literal') return null;
  if (r.kind === 'builtin' && !isProgramValue(r.name)) return null;
  if (r.kind === 'local') {
    return `${c.name} is a local variable of the traced program: a line: probe reads its locals as data, and calling ${c.name}() ${RUNS}; ${LIFT}`;
  }
  if (r.kind === 'builtin') return `${c.name} is a value of the traced program, and calling it ${RUNS}; ${LIFT}`;
  return `${c.name} is a global, and calling it ${RUNS}; ${LIFT}`;
}

function memberCallee(ctx: PassContext, info: BlockInfo, c: Extract<Expr, { type: 'member' }>): void {
  const method = c.property.type === 'str' ? c.property.value : '';
  if (c.computed) {
    report(ctx, c.property.at, `a computed method, x[…](), could be any of the traced program's functions, and calling it ${RUNS}; ${LIFT}`);
  } else if (c.object.type === 'ident' && info.idents.get(c.object)?.kind === 'global' && c.object.name === 'Math') {
    if (!MATH_FUNCTIONS.includes(method)) {
      report(ctx, c.property.at, `Math.${method} is not a Math function a probe can call (${MATH_FUNCTIONS.slice(0, 6).join(', ')}, …); ${LIFT}`);
    }
  } else if (!ALL_PURE.has(method)) {
    const some = [...ALL_PURE].slice(0, 8).join(', ');
    const only = `in safe mode only pure string, number and array methods can be called (${some}, …)`;
    report(ctx, c.property.at, `calling .${method}() could run the traced program's code; ${only}; ${LIFT}`);
  }
}

function callee(ctx: PassContext, info: BlockInfo, call: Extract<Expr, { type: 'call' }>): void {
  const c = call.callee;
  if (c.type === 'ident') {
    const why = identCallee(info, c);
    if (why !== null) report(ctx, c.at, why);
  } else if (c.type === 'member') memberCallee(ctx, info, c);
  else if (c.type === 'call') report(ctx, call.at, `calling what a call returned ${RUNS} if it is one of its functions; ${LIFT}`);
  else if (c.type === 'this') report(ctx, c.at, `this is the traced program's object, and calling it ${RUNS}; ${LIFT}`);
  else if (c.type === 'var' || c.type === 'map') {
    const name = c.type === 'var' ? `$${c.name}` : `@${c.name}`;
    report(ctx, c.at, `${name} holds a value, maybe one of the traced program's functions, and calling it ${RUNS}; ${LIFT}`);
  }
  else {
    const only = "in safe mode a probe calls only the language's functions, Math's and pure methods";
    report(ctx, c.at, `this callee is a value of the traced program, and calling it ${RUNS}; ${only}; ${LIFT}`);
  }
}

function check(ctx: PassContext, info: BlockInfo, e: Expr): void {
  for (const x of walk(e)) {
    if (x.type === 'binary' && (x.op === 'instanceof' || x.op === 'in')) {
      report(ctx, x.at, `'${x.op}' can run the traced program's code (Symbol.hasInstance, proxies); --unsafe allows it`);
    }
    if (x.type === 'call') callee(ctx, info, x);
  }
}

function statements(ctx: PassContext, info: BlockInfo, list: Stmt[]): void {
  for (const s of list) {
    if (s.type === 'memberAssign') {
      report(ctx, s.at, "a probe cannot change the traced program's objects in safe mode; --unsafe lifts this");
      check(ctx, info, s.target);
      check(ctx, info, s.value);
    } else if (s.type === 'mapAssign') {
      s.target.keys.forEach((k) => check(ctx, info, k));
      check(ctx, info, s.value);
    } else if (s.type === 'varAssign') check(ctx, info, s.value);
    else if (s.type === 'expr') check(ctx, info, s.expr);
    else {
      check(ctx, info, s.test);
      statements(ctx, info, s.then);
      statements(ctx, info, s.else);
    }
  }
}

export function safetyPass(ctx: PassContext): void {
  if (ctx.options.unsafe === true) return;
  for (const info of ctx.blocks) {
    if (info.block.predicate !== null) check(ctx, info, info.block.predicate);
    statements(ctx, info, info.block.body);
  }
}
