// The shape of a function that its site depends on, whatever the function is called: where its
// body and prologue are, its parameters, how its body ends, and each of its returns.

import type { AnyFunction, Expression, FunctionBody, Node, ParamPattern, ReturnStatement, Span } from './estree.js';
import {
  arrayMap, arraySome, hasKey, MathMax, RegExpPrototypeExec, regExpTest, setOf, StringPrototypeIndexOf, StringPrototypeLastIndexOf, StringPrototypeSlice,
} from '../../core/primordials.js';

export interface ReturnSite {
  /** Offset of the `return` keyword. */
  start: number;
  /** The returned expression's range; absent for a bare `return`. */
  arg?: { start: number; end: number };
  /** The returned expression's text when it is a name (not `arguments`), `this` or a literal: reading it twice is reading it once in each branch. */
  simple?: string;
  /** The returned expression is an anonymous function or class, which `$jpV=(x)` would name `$jpV`. */
  anonymous?: true;
  /**
   * A bare `return` with no `;` of its own, ended by a line break or a `}`: text put after it must
   * end with one, or the next line (`-1`, `(f)()`, a template) would continue it.
   */
  unterminated?: true;
}

export interface SiteShape {
  /** The block body's braces, or the expression of an arrow's expression body. */
  body: { start: number; end: number; expression: boolean };
  /** Where the prologue goes: after the body's `{` and any directives ('use strict'). */
  prologueAt: number;
  /** The prologue follows a directive that has no semicolon (`'use strict'` then a newline): it must start with one. */
  afterOpenDirective: boolean;
  /** An arrow's expression body is an anonymous function or class (see ReturnSite.anonymous). */
  anonymousBody: boolean;
  /** The end of the block body's last statement (the prologue's place when it has none). */
  tailAt: number;
  /** Declared parameters: simple names (null for a pattern), and a rest parameter's name. */
  params: (string | null)[];
  rest: string | null;
  /** The block body's last statement is a return or throw: the end is never reached. */
  endsInJump: boolean;
  /**
   * A generator's: where its entry can go as a last parameter, which runs at the call (its body
   * runs at the first `next()`): the `)` of its list, whether a comma must come first, and whether
   * the list was simple (a body that reads `arguments` then keeps its entry: see callEntryAt).
   * Absent where the list cannot take one.
   */
  paramsEnd?: { at: number; comma: boolean; simple: boolean };
}

/**
 * A name (not `arguments`), `this` or a literal other than a regular expression: an expression
 * the site can write twice, once in each branch of a conditional, so that it is read once. A
 * string's text is copied, so it must not hold a line terminator (a `\` line continuation, or a
 * raw U+2028/U+2029, which V8 counts as a new line): lines would move.
 */
function isSimple(n: Expression, src: string): boolean {
  if (n.type === 'Identifier') return n.name !== 'arguments';
  if (n.type === 'ThisExpression') return true;
  if (n.type !== 'Literal' || (hasKey(n, 'regex') && n.regex != null)) return false;
  return typeof n.value !== 'string' || !regExpTest(/[\\\n\r\u2028\u2029]/, StringPrototypeSlice(src, n.start, n.end));
}

/** An anonymous function or class, maybe in parentheses: assigning it to a name would name it. */
export function isAnonymous(n: Expression): boolean {
  while (n.type === 'ParenthesizedExpression') n = n.expression;
  if (n.type === 'ArrowFunctionExpression') return true;
  return (n.type === 'FunctionExpression' || n.type === 'ClassExpression') && n.id == null;
}

/**
 * Every field of a site's objects is its own, undefined where absent: under -p, and where a child
 * loads the runtime late, a module is rewritten after the program has run, and a field read
 * through Object.prototype would be what the program put there (test/safety/pollute.test.ts).
 */
export function returnSite(ret: ReturnStatement, src: string): ReturnSite {
  const arg = ret.argument;
  const r: ReturnSite = { start: ret.start, arg: undefined, simple: undefined, anonymous: undefined, unterminated: undefined };
  if (arg === null) {
    if (ret.end === ret.start + 'return'.length) r.unterminated = true;
    return r;
  }
  r.arg = { start: arg.start, end: arg.end };
  if (isSimple(arg, src)) r.simple = StringPrototypeSlice(src, arg.start, arg.end);
  if (isAnonymous(arg)) r.anonymous = true;
  return r;
}

function paramInfo(params: readonly ParamPattern[]): { params: (string | null)[]; rest: string | null } {
  const out: (string | null)[] = [];
  let rest: string | null = null;
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (p.type === 'Identifier') out[out.length] = p.name;
    else if (p.type === 'AssignmentPattern' && p.left.type === 'Identifier') out[out.length] = p.left.name;
    else if (p.type === 'RestElement') {
      rest = p.argument.type === 'Identifier' ? p.argument.name : null;
      if (rest === null) out[out.length] = null;
    } else out[out.length] = null;
  }
  return { params: out, rest };
}

/**
 * The range of an arrow's expression body including the parentheses around it, which ESTree
 * leaves out: `x => (a, b)` must become `x => {…return(a, b)…}`, not `x => ({…`.
 */
function arrowBodyRange(fn: Span, body: Span, src: string): { start: number; end: number } {
  const arrow = StringPrototypeLastIndexOf(src, '=>', body.start);
  // The `(`s between the arrow and the body, outside comments.
  const between = StringPrototypeSlice(src, arrow + 2, body.start);
  const paren = /\/\*[\s\S]*?\*\/|\/\/[^\n]*|\(/g;
  let parens = 0;
  for (let m = RegExpPrototypeExec(paren, between); m !== null; m = RegExpPrototypeExec(paren, between)) if (m[0] === '(') parens++;
  if (parens === 0 || arrow < fn.start) return { start: body.start, end: body.end };
  const start = StringPrototypeIndexOf(src, '(', arrow + 2);
  let end = body.end;
  let closed = 0;
  const skip = /\s+|\/\*[\s\S]*?\*\/|\/\/[^\n]*/y;
  while (closed < parens) {
    skip.lastIndex = end;
    if (RegExpPrototypeExec(skip, src) !== null) end = skip.lastIndex;
    else if (src[end] === ')') {
      end++;
      closed++;
    } else break;
  }
  return { start, end };
}

function prologueOffset(body: FunctionBody): number {
  let at = body.start + 1;
  for (let i = 0; i < body.body.length; i++) {
    const s = body.body[i];
    if (s.type === 'ExpressionStatement' && typeof s.directive === 'string') at = s.end;
    else break;
  }
  return at;
}

function isJump(s: Node | undefined): boolean {
  return s !== undefined && (s.type === 'ReturnStatement' || s.type === 'ThrowStatement');
}

const SKIP = /(?:\s+|\/\*[\s\S]*?\*\/|\/\/[^\n\r\u2028\u2029]*)*/y;

const HEAD = /^(?:async|function|\*)/;

/** `at` moved past white space and comments. */
function skipBlank(src: string, at: number): number {
  SKIP.lastIndex = at;
  RegExpPrototypeExec(SKIP, src);
  return SKIP.lastIndex;
}

/**
 * A generator's parameter list's `)`, where a last parameter can go: `...{$jpF=entry}` runs at the
 * call (whatever was passed, the rest array has no `$jpF`, so the default always runs) and leaves
 * `length` as it was (a rest parameter does not count). Not where it would change what the
 * function means: after a rest parameter (nothing may follow one), and where the list is simple
 * and stops being so, with its own 'use strict' (a SyntaxError then), a name declared twice
 * (allowed in sloppy code only in a simple list) or a direct `eval` (which may read `arguments`).
 * A simple list made non-simple also unmaps a sloppy function's `arguments` from its parameters:
 * the instrumenter keeps the entry in the body of one that reads `arguments` (usesArguments is
 * known after the walk of the body). Such a generator enters at its first `next()`
 * (docs/load-sites.md).
 */
function callEntryAt(fn: AnyFunction, body: FunctionBody, src: string): SiteShape['paramsEnd'] {
  const params = fn.params;
  const last = params[params.length - 1];
  if (last?.type === 'RestElement') return undefined;
  const simple = !arraySome(params, (p) => p.type !== 'Identifier');
  if (simple) {
    const names = arrayMap(params, (p) => (p as { name: string }).name);
    if (setOf(names).size !== names.length) return undefined;
    if (arraySome(body.body, (s) => s.type === 'ExpressionStatement' && s.directive === 'use strict')) return undefined;
    if (regExpTest(/\beval\b/, StringPrototypeSlice(src, body.start, body.end))) return undefined;
  }
  let at: number;
  if (last !== undefined) {
    at = skipBlank(src, last.end);
    if (src[at] === ',') return { at: skipBlank(src, at + 1), comma: false, simple };
    return src[at] === ')' ? { at, comma: true, simple } : undefined;
  }
  // No parameters: the `(` follows the name, or `async`, `function` and `*` (a method's value starts at it).
  at = skipBlank(src, fn.id?.end ?? fn.start);
  for (let word = RegExpPrototypeExec(HEAD, StringPrototypeSlice(src, at, at + 9)); word !== null;
    word = RegExpPrototypeExec(HEAD, StringPrototypeSlice(src, at, at + 9))) at = skipBlank(src, at + word[0].length);
  if (src[at] !== '(') return undefined;
  at = skipBlank(src, at + 1);
  return src[at] === ')' ? { at, comma: false, simple } : undefined;
}

/** The shape of `fn`, whose body is `body` (not null: bodiless TypeScript functions have no site). */
export function shapeOf(fn: AnyFunction, body: FunctionBody | Expression, src: string): SiteShape {
  const { params, rest } = paramInfo(fn.params);
  if (body.type !== 'BlockStatement') {
    const range = arrowBodyRange(fn, body, src);
    return {
      body: { start: range.start, end: range.end, expression: true },
      prologueAt: range.start,
      afterOpenDirective: false,
      anonymousBody: isAnonymous(body),
      tailAt: range.end,
      params,
      rest,
      endsInJump: false,
      paramsEnd: undefined,
    };
  }
  const last = body.body[body.body.length - 1];
  const prologueAt = prologueOffset(body);
  const paramsEnd = fn.generator ? callEntryAt(fn, body, src) : undefined;
  return {
    paramsEnd,
    body: { start: body.start, end: body.end, expression: false },
    prologueAt,
    afterOpenDirective: prologueAt > body.start + 1 && src[prologueAt - 1] !== ';',
    anonymousBody: false,
    tailAt: MathMax(prologueAt, last?.end ?? 0),
    params,
    rest,
    endsInJump: isJump(last),
  };
}
