// The syntax tree of a jsprobe program (docs/cli.md). Every node keeps its offset in the source,
// so that any pass can point at what it rejects.

export interface Pos {
  /** 0-based offset into the program text. */
  at: number;
}

export type ProbeKind = 'fn' | 'fnret' | 'line' | 'BEGIN' | 'END' | 'interval' | 'profile';

export interface ProbeRef extends Pos {
  kind: ProbeKind;
  /** The target string (fn/fnret/line), e.g. `src/db.ts:Db.query`. */
  target: string;
  /** interval: the period in ms. */
  periodMs: number;
  /** profile: the samples a second of each thread's stack. */
  hz?: number;
  /** As written, for `probe` and messages. */
  text: string;
}

export type Expr =
  | (Pos & { type: 'num'; value: number })
  | (Pos & { type: 'str'; value: string })
  | (Pos & { type: 'ident'; name: string })
  | (Pos & { type: 'var'; name: string })
  | (Pos & { type: 'map'; name: string; keys: Expr[] })
  | (Pos & { type: 'member'; object: Expr; property: Expr; computed: boolean })
  | (Pos & { type: 'call'; callee: Expr; args: Expr[] })
  | (Pos & { type: 'unary'; op: string; arg: Expr })
  | (Pos & { type: 'binary'; op: string; left: Expr; right: Expr })
  | (Pos & { type: 'cond'; test: Expr; then: Expr; else: Expr })
  | (Pos & { type: 'array'; items: Expr[] })
  | (Pos & { type: 'this' });

/**
 * `op` makes an assignment compound: `@x += v` is `@x = @x + v` with the key computed once, and
 * `@x++` is `@x += 1`. A map entry not yet set reads as 0.
 */
export type Stmt =
  | (Pos & { type: 'mapAssign'; target: Extract<Expr, { type: 'map' }>; value: Expr; op?: string })
  | (Pos & { type: 'varAssign'; name: string; value: Expr; op?: string })
  | (Pos & { type: 'memberAssign'; target: Extract<Expr, { type: 'member' }>; value: Expr })
  | (Pos & { type: 'expr'; expr: Expr })
  | (Pos & { type: 'if'; test: Expr; then: Stmt[]; else: Stmt[] });

export interface ProbeBlock extends Pos {
  probes: ProbeRef[];
  predicate: Expr | null;
  body: Stmt[];
}

export interface Program {
  source: string;
  blocks: ProbeBlock[];
}
