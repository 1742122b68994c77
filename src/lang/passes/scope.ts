// Pass 2: what each name means. Builtins (args, retval, elapsed, …) are checked against the probe
// kinds of their block; at a line probe other names are the program's local variables there;
// elsewhere an unknown name is an error (with --unsafe, a global of the traced program).
// Variables ($x) must be assigned before they are read.

import type { Expr, ProbeKind, Stmt } from '../ast.js';
import { closeMatches } from '../../core/close-matches.js';
import { noProto } from '../../core/primordials.js';
import { report, walk, type BlockInfo, type PassContext } from './context.js';

const CALL_PROBES: ProbeKind[] = ['fn', 'fnret', 'line'];

/** Builtin values, and the probe kinds that have them. */
// On no prototype, as the language's other tables (parser.ts).
export const BUILTINS: Record<string, ProbeKind[]> = noProto({
  args: ['fn', 'fnret'],
  retval: ['fnret'],
  error: ['fnret'],
  threw: ['fnret'],
  elapsed: ['fnret'],
  // At profile:, func and ustack are the sampled stack's (program/profile.ts).
  func: [...CALL_PROBES, 'profile'],
  tid: ['fn', 'fnret', 'line', 'BEGIN', 'END', 'interval', 'profile'],
  // The async chain of a call: BEGIN, END, intervals and samples run in jsprobe's own, not the program's.
  ctx: CALL_PROBES,
  pid: ['fn', 'fnret', 'line', 'BEGIN', 'END', 'interval', 'profile'],
  nsecs: ['fn', 'fnret', 'line', 'BEGIN', 'END', 'interval', 'profile'],
  probe: ['fn', 'fnret', 'line', 'BEGIN', 'END', 'interval', 'profile'],
  stack: ['fn', 'fnret', 'line', 'BEGIN', 'END', 'interval', 'profile'],
  ustack: ['fn', 'fnret', 'line', 'BEGIN', 'END', 'interval', 'profile'],
});

/**
 * `ustack` (and `stack`, the same) is the JavaScript stack at the hit, STACK_DEPTH.default frames
 * deep; `ustack(N)` takes N frames, up to STACK_DEPTH.max (a deep stack costs at every hit).
 */
export const STACK_DEPTH = { default: 16, max: 128 } as const;
/** Builtins that are values alone and functions when called: `ustack` and `ustack(8)`. */
export const STACK_BUILTINS = ['stack', 'ustack'];

export const FUNCTIONS = {
  aggregations: ['count', 'sum', 'avg', 'min', 'max', 'stats', 'hist', 'lhist'],
  statements: ['printf', 'print', 'clear', 'delete', 'exit', 'time', 'detach', 'pending', 'table'],
  values: ['str', 'strftime'],
};
const ALL_FUNCTIONS = [...FUNCTIONS.aggregations, ...FUNCTIONS.statements, ...FUNCTIONS.values];
const LITERALS: Record<string, string> = noProto({ true: 'true', false: 'false', null: 'null', undefined: 'void 0', NaN: 'NaN', Infinity: 'Infinity' });
/** Globals a safe program may name: pure functions of numbers. */
const SAFE_GLOBALS = ['Math'];

function where(kinds: ProbeKind[]): string {
  return kinds.map((k) => (k === 'interval' || k === 'BEGIN' || k === 'END' ? k : `${k}:`)).join(', ');
}

/** `ustack(N)` where ustack is available. */
function resolveStackCall(ctx: PassContext, info: BlockInfo, e: Extract<Expr, { type: 'ident' }>): boolean {
  const missing = [...info.kinds].filter((k) => !BUILTINS.stack.includes(k));
  if (missing.length > 0) report(ctx, e.at, `'${e.name}' is not available at ${where(missing)} probes`);
  return missing.length === 0;
}

function resolveIdent(ctx: PassContext, info: BlockInfo, e: Extract<Expr, { type: 'ident' }>, callee: boolean): void {
  const name = e.name;
  if (name in LITERALS) {
    info.idents.set(e, { kind: 'literal', js: LITERALS[name] });
    return;
  }
  if (name === 'kstack') {
    report(ctx, e.at, 'kstack is the kernel\'s stack, and JavaScript has none: ustack is the JavaScript stack at the hit');
    return;
  }
  if (callee && STACK_BUILTINS.includes(name)) {
    if (resolveStackCall(ctx, info, e)) info.idents.set(e, { kind: 'function', name });
    return;
  }
  const argN = /^arg([0-9]+)$/.exec(name);
  const builtin = argN !== null ? BUILTINS.args : BUILTINS[name];
  if (builtin !== undefined) {
    const missing = [...info.kinds].filter((k) => !builtin.includes(k));
    if (missing.length > 0) report(ctx, e.at, `'${name}' is not available at ${where(missing)} probes; it is at ${where(builtin)}`);
    else info.idents.set(e, { kind: 'builtin', name });
    return;
  }
  if (callee && ALL_FUNCTIONS.includes(name)) {
    info.idents.set(e, { kind: 'function', name });
    return;
  }
  if (ALL_FUNCTIONS.includes(name)) {
    report(ctx, e.at, `${name} is a function: call it, ${name}(…)`);
    return;
  }
  if (SAFE_GLOBALS.includes(name)) {
    info.idents.set(e, { kind: 'global', name });
    return;
  }
  if (info.kinds.size === 1 && info.kinds.has('line')) {
    info.idents.set(e, { kind: 'local', name });
    return;
  }
  if (ctx.options.unsafe === true) {
    info.idents.set(e, { kind: 'global', name });
    return;
  }
  const known = [...Object.keys(BUILTINS), ...ALL_FUNCTIONS, 'arg0', 'this'];
  const near = closeMatches(name, known);
  const hint = near.length > 0 ? `; did you mean ${near.join(', ')}?` : '';
  const names = 'builtins: args, arg0…, this, retval, error, elapsed, nsecs, tid, ctx, pid, func, probe, ustack; '
    + 'locals only at line: probes; globals only with --unsafe';
  report(ctx, e.at, `unknown name '${name}'${hint} (${names})`);
}

function exprs(ctx: PassContext, info: BlockInfo, e: Expr, assigned: Set<string>): void {
  const callees = new Set<Expr>();
  for (const x of walk(e)) {
    if (x.type === 'ident') {
      if (!callees.has(x)) resolveIdent(ctx, info, x, false);
    } else if (x.type === 'call' && x.callee.type === 'ident') {
      // Resolve the callee as a function name before walk() reaches it as a value.
      resolveIdent(ctx, info, x.callee, true);
      callees.add(x.callee);
    } else if (x.type === 'this' && [...info.kinds].some((k) => !CALL_PROBES.includes(k))) {
      report(ctx, x.at, "'this' is only available at fn:, fnret: and line: probes");
    } else if (x.type === 'var' && !assigned.has(x.name)) {
      report(ctx, x.at, `$${x.name} is read before it is assigned in this block`);
    }
  }
}

function statements(ctx: PassContext, info: BlockInfo, list: Stmt[], assigned: Set<string>): void {
  for (const s of list) {
    switch (s.type) {
      case 'mapAssign':
        for (const k of s.target.keys) exprs(ctx, info, k, assigned);
        exprs(ctx, info, s.value, assigned);
        break;
      case 'varAssign':
        exprs(ctx, info, s.value, assigned);
        // `$x += 1` reads $x: a variable, unlike a map entry, has no value before it is assigned.
        if (s.op !== undefined && !assigned.has(s.name)) report(ctx, s.at, `$${s.name} is read before it is assigned in this block`);
        assigned.add(s.name);
        info.vars.add(s.name);
        break;
      case 'memberAssign':
        exprs(ctx, info, s.target, assigned);
        exprs(ctx, info, s.value, assigned);
        break;
      case 'expr':
        exprs(ctx, info, s.expr, assigned);
        break;
      case 'if': {
        exprs(ctx, info, s.test, assigned);
        const a = new Set(assigned);
        const b = new Set(assigned);
        statements(ctx, info, s.then, a);
        statements(ctx, info, s.else, b);
        for (const v of a) if (b.has(v)) assigned.add(v);
        break;
      }
    }
  }
}

export function scopePass(ctx: PassContext): void {
  for (const info of ctx.blocks) {
    const assigned = new Set<string>();
    if (info.block.predicate !== null) exprs(ctx, info, info.block.predicate, assigned);
    statements(ctx, info, info.block.body, assigned);
  }
}
