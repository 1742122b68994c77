// Parser of jsprobe programs (docs/cli.md): probes, an optional /predicate/, a { block }.
// Expressions are a JavaScript subset (precedence climbing); maps are `@name[key, …]`, variables
// `$name`. Every node keeps its offset for positioned errors.

import type { Expr, Program, ProbeBlock, ProbeKind, ProbeRef, Stmt } from './ast.js';
import { closeMatches } from '../core/close-matches.js';
import { noProto } from '../core/primordials.js';
import { Lexer, type Token } from './lexer.js';

// The tables on no prototype: under -p the program is compiled in the target, after its code has run.
const BINARY: Record<string, number> = noProto({
  '??': 1, '||': 2, '&&': 3, '|': 4, '^': 5, '&': 6,
  '==': 7, '!=': 7, '===': 7, '!==': 7,
  '<': 8, '>': 8, '<=': 8, '>=': 8, in: 8, instanceof: 8,
  '<<': 9, '>>': 9, '>>>': 9, '+': 10, '-': 10, '*': 11, '/': 11, '%': 11, '**': 12,
});
const UNARY = new Set(['!', '-', '+', '~', 'typeof']);
/** Compound assignments, and the binary operator each applies. */
const COMPOUND: Record<string, string> = noProto({
  '+=': '+', '-=': '-', '*=': '*', '/=': '/', '%=': '%', '**=': '**', '<<=': '<<', '>>=': '>>', '>>>=': '>>>', '&=': '&', '|=': '|', '^=': '^',
});
const STEP_ONLY = "changes a map or a variable and is a statement of its own: @x++, $x--, @m[k] += 2";
export const PROBE_KINDS: readonly string[] = ['fn', 'fnret', 'line', 'BEGIN', 'END', 'interval', 'profile'];
/** profile:hz:N's ceiling: each sample runs the handler, and V8's sampler cannot keep a finer pace anyway. */
export const MAX_PROFILE_HZ = 999;
const EXAMPLE = "e.g. fnret:src/db.js:Db.query { @ms = hist(elapsed / 1e6) }";

export function parse(source: string): Program {
  return new Parser(source).program();
}

/**
 * `source` as one whole expression, such as a verb's option puts into the program it makes
 * (`jsprobe watch --where`): errors are positioned in `source` itself, and text past the
 * expression is one. `end`: where the expression's last token ends, before any space or comment
 * after it (a `// …` there would comment out the text the expression is put before).
 */
export function parseExpression(source: string): { expr: Expr; end: number } {
  const p = new Parser(source, 'the expression');
  const expr = p.expr();
  const end = p.lx.pos;
  const after = p.lx.next();
  if (after.type !== 'eof') p.fail(after.at, `expected the end of the expression, found ${describe(after, p.whole)}`);
  return { expr, end };
}

class Parser {
  readonly lx: Lexer;
  /** Inside /predicate/: a `/` followed by `{` ends it. */
  predicate = false;

  /** What the source is, as errors name it: the program, or an expression alone (parseExpression). */
  constructor(readonly src: string, readonly whole = 'the program') {
    this.lx = new Lexer(src);
  }

  fail(at: number, message: string): never {
    this.lx.fail(at, message);
  }

  program(): Program {
    const blocks: ProbeBlock[] = [];
    for (;;) {
      this.lx.skipSpace();
      if (this.lx.pos >= this.src.length) break;
      blocks.push(this.block());
    }
    if (blocks.length === 0) this.fail(0, `empty program: give probes and a block, ${EXAMPLE}`);
    return { source: this.src, blocks };
  }

  private expectPunct(p: string, what?: string): Token {
    const t = this.lx.next();
    if (t.type !== 'punct' || t.value !== p) this.fail(t.at, `expected '${p}'${what ? ` ${what}` : ''}, found ${describe(t, this.whole)}`);
    return t;
  }

  private isPunct(t: Token, p: string): boolean {
    return t.type === 'punct' && t.value === p;
  }

  private block(): ProbeBlock {
    const at = this.lx.pos;
    const probes = [this.probe()];
    for (;;) {
      this.lx.skipSpace();
      if (this.src[this.lx.pos] !== ',') break;
      this.lx.pos++;
      probes.push(this.probe(probes[probes.length - 1].kind));
    }
    this.lx.skipSpace();
    let predicate: Expr | null = null;
    if (this.src[this.lx.pos] === '/') {
      const open = this.lx.pos++;
      this.predicate = true;
      if (this.isPunct(this.lx.peek(), '/')) this.fail(open, 'empty predicate: put a condition between the slashes, e.g. /elapsed > 1e6/');
      predicate = this.expr();
      this.predicate = false;
      this.expectPunct('/', 'to end the predicate');
    }
    const open = this.lx.peek();
    if (!this.isPunct(open, '{')) this.fail(open.at, `expected '{' to start the probe's block, found ${describe(open, this.whole)}`);
    this.lx.next();
    const body = this.statements(open.at);
    return { at, probes, predicate, body };
  }

  /** A probe; `before`: the kind of the probe before it in the list, after a ','. */
  private probe(before?: ProbeKind): ProbeRef {
    this.lx.skipSpace();
    const at = this.lx.pos;
    const m = /^[A-Za-z_]+/.exec(this.src.slice(at));
    const word = m?.[0] ?? '';
    if (word === '') this.fail(at, `expected a probe (fn:, fnret:, line:, BEGIN, END, interval:, profile:), ${EXAMPLE}`);
    if (!PROBE_KINDS.includes(word)) {
      const near = closeMatches(word, PROBE_KINDS);
      // `fnret:a.js:f,b.js:g`: a target after a ',' without its probe's type.
      // Not for a type near one (`fnn:`, a typo), nor after a probe that goes in no list (interval:, profile:).
      const listed = before === 'fn' || before === 'fnret' || before === 'line';
      const typo = near.length > 0 && this.src[at + word.length] === ':';
      const target = listed && !typo ? /^[^\s,{]*[:#][^\s,{]*/.exec(this.src.slice(at))?.[0] : undefined;
      const hint = target !== undefined ? `: after a ',' comes another probe, its type first (${before}:${target}).`
        : near.length > 0 ? `; did you mean ${near.join(', ')}?` : '.';
      this.fail(at, `unknown probe type '${word}'${hint} Probes are fn:, fnret:, line:, BEGIN, END, interval:s:N, profile:hz:N`);
    }
    this.lx.pos = at + word.length;
    const kind = word as ProbeKind;
    if (kind === 'BEGIN' || kind === 'END') return { at, kind, target: '', periodMs: 0, text: kind };
    if (this.src[this.lx.pos] !== ':') this.fail(this.lx.pos, `expected ':' after ${kind}`);
    this.lx.pos++;
    if (kind === 'interval') {
      const spec = /^(s|ms):([0-9]+)(?![0-9.])/.exec(this.src.slice(this.lx.pos));
      if (spec === null || Number(spec[2]) <= 0) {
        this.fail(this.lx.pos, 'an interval is interval:s:N or interval:ms:N, with N a whole number above 0 (half a second: interval:ms:500)');
      }
      this.lx.pos += spec[0].length;
      const periodMs = Number(spec[2]) * (spec[1] === 's' ? 1000 : 1);
      return { at, kind, target: '', periodMs, text: `interval:${spec[1]}:${spec[2]}` };
    }
    if (kind === 'profile') return this.profileRate(at);
    const t = this.lx.rawTarget();
    if (t.text === '') this.fail(t.at, `expected a target after ${kind}:, e.g. ${kind}:src/db.js:Db.query or ${kind}:node:fs#readFile`);
    if (kind === 'line' && !/:[0-9]+$/.test(t.text)) this.fail(t.at, 'a line probe names a line: line:FILE:LINE, e.g. line:src/app.js:42');
    if (kind !== 'line' && !t.text.includes(':') && !t.text.includes('#')) {
      this.fail(t.at, `'${t.text}' is not a target: name a function in a file (src/db.js:Db.query) or an export (node:fs#readFile)`);
    }
    return { at, kind, target: t.text, periodMs: 0, text: `${kind}:${t.text}` };
  }

  /** `profile:hz:N` (past `profile:`): N samples a second, 1 to MAX_PROFILE_HZ. */
  private profileRate(at: number): ProbeRef {
    const unit = /^[A-Za-z]*/.exec(this.src.slice(this.lx.pos))![0];
    if (unit !== 'hz' || this.src[this.lx.pos + 2] !== ':') {
      this.fail(this.lx.pos, `a profile probe is profile:hz:N, N samples a second (1 to ${MAX_PROFILE_HZ}), e.g. profile:hz:99`);
    }
    this.lx.pos += 3;
    const n = /^[0-9]*(\.[0-9]*)?/.exec(this.src.slice(this.lx.pos))![0];
    const hz = Number(n);
    if (n === '' || !Number.isInteger(hz) || hz < 1 || hz > MAX_PROFILE_HZ) {
      const not = n === '' ? '' : `, not ${n}`;
      this.fail(this.lx.pos, `profile:hz:N takes a whole number of samples a second from 1 to ${MAX_PROFILE_HZ}${not}, e.g. profile:hz:99`);
    }
    this.lx.pos += n.length;
    return { at, kind: 'profile', target: '', periodMs: 0, hz, text: `profile:hz:${hz}` };
  }

  /** Statements up to the matching `}` (already past the `{` at `open`). */
  private statements(open: number): Stmt[] {
    const out: Stmt[] = [];
    for (;;) {
      const t = this.lx.peek();
      if (t.type === 'eof') this.fail(open, "this '{' is never closed");
      if (this.isPunct(t, ';')) {
        this.lx.next();
        continue;
      }
      if (this.isPunct(t, '}')) {
        this.lx.next();
        return out;
      }
      out.push(this.statement());
      const after = this.lx.peek();
      if (after.type === 'eof') this.fail(open, "this '{' is never closed");
      if (!this.isPunct(after, ';') && !this.isPunct(after, '}') && !(out[out.length - 1].type === 'if')) {
        this.fail(after.at, `expected ';' or '}' after the statement, found ${describe(after, this.whole)}`);
      }
    }
  }

  private statement(): Stmt {
    const t = this.lx.peek();
    if (t.type === 'ident' && t.value === 'if') return this.ifStatement();
    if (this.isPunct(t, '++') || this.isPunct(t, '--')) {
      this.lx.next();
      const target = this.primary();
      if (target.type !== 'map' && target.type !== 'var') this.fail(target.at, `'${t.value}' ${STEP_ONLY}`);
      return assign(target, t.value[0], { type: 'num', at: t.at, value: 1 });
    }
    if (t.type === 'var' || t.type === 'map') {
      const save = this.lx.pos;
      const target = this.primary() as Extract<Expr, { type: 'map' | 'var' }>;
      const op = this.lx.peek();
      if (this.isPunct(op, '=')) {
        this.lx.next();
        return assign(target, undefined, this.expr());
      }
      if (op.type === 'punct' && op.value in COMPOUND) {
        this.lx.next();
        return assign(target, COMPOUND[op.value], this.expr());
      }
      if (this.isPunct(op, '++') || this.isPunct(op, '--')) {
        this.lx.next();
        return assign(target, op.value[0], { type: 'num', at: op.at, value: 1 });
      }
      this.lx.pos = save;
    }
    const target = this.expr();
    const eq = this.lx.peek();
    if (eq.type === 'punct' && eq.value in COMPOUND) {
      this.fail(eq.at, `'${eq.value}' changes a map or a variable: @name ${eq.value} …, $name ${eq.value} …`);
    }
    if (this.isPunct(eq, '=')) {
      this.lx.next();
      const value = this.expr();
      if (target.type === 'member') return { type: 'memberAssign', at: target.at, target, value };
      this.fail(eq.at, 'only a map (@name), a variable ($name) or, with --unsafe, a property can be assigned');
    }
    if (target.type !== 'call') this.fail(target.at, 'this statement does nothing: assign it to a map (@name = …) or pass it to a function (printf, print)');
    return { type: 'expr', at: target.at, expr: target };
  }

  private ifStatement(): Stmt {
    const at = this.lx.next().at;
    this.expectPunct('(', "after 'if'");
    const test = this.expr();
    this.expectPunct(')', 'to close the condition');
    const open = this.expectPunct('{', 'to start the if block');
    const then = this.statements(open.at);
    let otherwise: Stmt[] = [];
    const e = this.lx.peek();
    if (e.type === 'ident' && e.value === 'else') {
      this.lx.next();
      const n = this.lx.peek();
      if (n.type === 'ident' && n.value === 'if') otherwise = [this.ifStatement()];
      else otherwise = this.statements(this.expectPunct('{', "after 'else'").at);
    }
    return { type: 'if', at, test, then, else: otherwise };
  }

  expr(): Expr {
    const test = this.binary(1);
    if (!this.isPunct(this.lx.peek(), '?')) return test;
    this.lx.next();
    const yes = this.expr();
    this.expectPunct(':', 'in the ?: expression');
    return { type: 'cond', at: test.at, test, then: yes, else: this.expr() };
  }

  private binary(min: number): Expr {
    let left = this.unary();
    for (;;) {
      const t = this.lx.peek();
      const op = t.type === 'punct' || (t.type === 'ident' && (t.value === 'in' || t.value === 'instanceof')) ? t.value : '';
      const prec = BINARY[op];
      if (prec === undefined || prec < min) return left;
      if (op === '/' && this.predicate) {
        // In a predicate, a `/` that cannot be followed by an operand ends it.
        const save = this.lx.pos;
        this.lx.next();
        const n = this.lx.peek();
        this.lx.pos = save;
        if (n.type === 'eof' || this.isPunct(n, '{')) return left;
      }
      this.lx.next();
      const right = this.binary(op === '**' ? prec : prec + 1);
      left = { type: 'binary', at: t.at, op, left, right };
    }
  }

  private unary(): Expr {
    const t = this.lx.peek();
    if ((t.type === 'punct' || t.type === 'ident') && UNARY.has(t.value)) {
      this.lx.next();
      return { type: 'unary', at: t.at, op: t.value, arg: this.unary() };
    }
    if (this.isPunct(t, '++') || this.isPunct(t, '--')) this.fail(t.at, `'${t.value}' ${STEP_ONLY}`);
    return this.postfix(this.primary());
  }

  private postfix(e: Expr): Expr {
    for (;;) {
      const t = this.lx.peek();
      if (this.isPunct(t, '.') || this.isPunct(t, '?.')) {
        this.lx.next();
        const name = this.lx.next();
        if (name.type !== 'ident') this.fail(name.at, `expected a property name after '${t.value}', found ${describe(name, this.whole)}`);
        e = { type: 'member', at: e.at, object: e, property: { type: 'str', at: name.at, value: name.value }, computed: false };
      } else if (this.isPunct(t, '[')) {
        this.lx.next();
        const saved = this.predicate;
        this.predicate = false;
        const property = this.expr();
        this.predicate = saved;
        this.expectPunct(']', 'to close the index');
        e = { type: 'member', at: e.at, object: e, property, computed: true };
      } else if (this.isPunct(t, '(')) {
        this.lx.next();
        e = { type: 'call', at: e.at, callee: e, args: this.list(')') };
      } else if (this.isPunct(t, '++') || this.isPunct(t, '--')) {
        this.fail(t.at, `'${t.value}' ${STEP_ONLY}`);
      } else return e;
    }
  }

  /** Comma-separated expressions up to `close` (already past the opener). */
  private list(close: string): Expr[] {
    const out: Expr[] = [];
    const saved = this.predicate;
    this.predicate = false;
    if (this.isPunct(this.lx.peek(), close)) {
      this.lx.next();
      this.predicate = saved;
      return out;
    }
    for (;;) {
      out.push(this.expr());
      const t = this.lx.next();
      if (this.isPunct(t, close)) break;
      if (!this.isPunct(t, ',')) this.fail(t.at, `expected ',' or '${close}', found ${describe(t, this.whole)}`);
    }
    this.predicate = saved;
    return out;
  }

  private primary(): Expr {
    const t = this.lx.next();
    switch (t.type) {
      case 'num':
        return { type: 'num', at: t.at, value: t.num };
      case 'str':
        return { type: 'str', at: t.at, value: t.value };
      case 'var':
        return { type: 'var', at: t.at, name: t.value };
      case 'map': {
        let keys: Expr[] = [];
        if (this.src[this.lx.pos] === '[') {
          this.lx.next();
          keys = this.list(']');
          if (keys.length === 0) this.fail(t.at, `@${t.value}[] has no key: give one (@${t.value}[arg0]) or drop the brackets`);
        }
        return { type: 'map', at: t.at, name: t.value, keys };
      }
      case 'ident':
        if (t.value === 'this') return { type: 'this', at: t.at };
        return { type: 'ident', at: t.at, name: t.value };
      case 'punct':
        if (t.value === '(') {
          const saved = this.predicate;
          this.predicate = false;
          const e = this.expr();
          this.predicate = saved;
          this.expectPunct(')', 'to close the parenthesis');
          return e;
        }
        if (t.value === '[') return { type: 'array', at: t.at, items: this.list(']') };
        break;
      case 'eof':
        this.fail(t.at, this.whole === 'the program' ? 'the program ends in the middle of an expression' : `${this.whole} ends before it is complete`);
    }
    this.fail(t.at, `expected an expression, found ${describe(t, this.whole)}`);
  }
}

/** `target = value`, or with `op`, `target op= value`. */
function assign(target: Extract<Expr, { type: 'map' | 'var' }>, op: string | undefined, value: Expr): Stmt {
  if (target.type === 'map') return { type: 'mapAssign', at: target.at, target, value, op };
  return { type: 'varAssign', at: target.at, name: target.name, value, op };
}

function describe(t: Token, whole: string): string {
  if (t.type === 'eof') return `the end of ${whole}`;
  if (t.type === 'str') return 'a string';
  if (t.type === 'num') return `the number ${t.value}`;
  if (t.type === 'var') return `$${t.value}`;
  if (t.type === 'map') return `@${t.value}`;
  return `'${t.value}'`;
}
