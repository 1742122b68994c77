// What the passes share: the program, the options, and what earlier passes found out. Each pass
// reads what the passes before it wrote (see passes/index.ts for the order).

import type { Expr, Program, ProbeBlock, ProbeKind } from '../ast.js';
import { ProgramError } from '../errors.js';

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
}

export function fail(ctx: PassContext, at: number, message: string): never {
  throw new ProgramError(ctx.program.source, at, message);
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
