// What the passes share: the program, the options, what earlier passes found out, and the
// problems found so far. Each pass reads what the passes before it wrote (see passes/index.ts for
// the order). A pass reports a problem and goes on, so that a program's faults come all at once.

import type { Expr, Program, ProbeBlock, ProbeKind } from '../ast.js';
import type { Problem } from '../errors.js';

export type Aggregation = 'count' | 'sum' | 'avg' | 'min' | 'max' | 'stats' | 'hist' | 'lhist' | 'value';

export interface MapInfo {
  name: string;
  index: number;
  agg: Aggregation;
  /** Keys per entry: 0 for `@name`, n for `@name[k1, …, kn]`. */
  keys: number;
  /** lhist's bounds and step, fixed at compile time. */
  lhist?: [number, number, number];
  at: number;
}

export interface CompileOptions {
  /** Let handlers assign to the traced program's objects and call its functions. */
  unsafe?: boolean;
}

/** How an identifier in a block is read (set by the scope pass). */
export type Resolved =
  | { kind: 'builtin'; name: string }
  /** One of the language's functions (count, printf, str, …), as a callee. */
  | { kind: 'function'; name: string }
  | { kind: 'local'; name: string }
  | { kind: 'global'; name: string }
  | { kind: 'literal'; js: string };

export interface BlockInfo {
  block: ProbeBlock;
  /** The probe kinds of the block (a block may list several probes). */
  kinds: Set<ProbeKind>;
  idents: Map<Expr, Resolved>;
  vars: Set<string>;
}

export interface PassContext {
  program: Program;
  options: CompileOptions;
  blocks: BlockInfo[];
  maps: Map<string, MapInfo>;
  problems: Problem[];
}

/** Record a fault of the program; the passes go on, and compile reports them all. */
export function report(ctx: PassContext, at: number, message: string): void {
  if (!ctx.problems.some((p) => p.at === at && p.message === message)) ctx.problems.push({ at, message });
}

/** Every expression below `e`, `e` included, outermost first. */
export function* walk(e: Expr): Generator<Expr> {
  yield e;
  switch (e.type) {
    case 'map':
      for (const k of e.keys) yield* walk(k);
      break;
    case 'member':
      yield* walk(e.object);
      if (e.computed) yield* walk(e.property);
      break;
    case 'call':
      yield* walk(e.callee);
      for (const a of e.args) yield* walk(a);
      break;
    case 'unary':
      yield* walk(e.arg);
      break;
    case 'binary':
      yield* walk(e.left);
      yield* walk(e.right);
      break;
    case 'cond':
      yield* walk(e.test);
      yield* walk(e.then);
      yield* walk(e.else);
      break;
    case 'array':
      for (const i of e.items) yield* walk(i);
      break;
    default:
  }
}
