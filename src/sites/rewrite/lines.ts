// Line sites: the statement that starts on a given line gets an entry-style probe that can read
// the local variables in scope there (`line:src/app.ts:42 { @users[user.id] = … }`).

import { forEachChild, isFunction, patternNames, type Directive, type Node, type Program, type Statement } from './estree.js';
import { lineOf } from './insertions.js';
import {
  ArrayPrototypeSlice, ArrayPrototypeSort, arraySome, SafeMap, SafeSet, setOf, StringPrototypeEndsWith, StringPrototypeStartsWith,
} from '../../core/primordials.js';

export interface LineSite<A extends LineAsk = LineAsk> {
  /** 1-based line and 0-based column of the statement. */
  line: number;
  column: number;
  /** The position that asked for it. */
  ask: A;
  start: number;
  end: number;
  /** The statement is the lone body of an if/for/while: wrap probe and statement in braces. */
  needsBlock: boolean;
  /** Names in scope at the statement, initialised before it runs. */
  locals: string[];
  thisUnsafe: boolean;
}

const LIST_PARENTS = setOf<Node['type']>(['Program', 'BlockStatement', 'StaticBlock', 'SwitchCase']);

/** TypeScript's declarations that compile to nothing: no code of theirs runs. */
const TYPE_ONLY = setOf(['TSInterfaceDeclaration', 'TSTypeAliasDeclaration', 'TSDeclareFunction']);

/**
 * A statement a probe can run before, which runs code there. Not a directive ('use strict': a
 * probe before it would make it an expression, and its function sloppy), a function declaration
 * (hoisted: it runs no code where it stands, and fn: probes its calls) or a declaration that
 * compiles to nothing; nor an import or export, which code cannot precede.
 */
function isSiteStatement(n: Node): boolean {
  if (!StringPrototypeEndsWith(n.type, 'Statement') && !StringPrototypeEndsWith(n.type, 'Declaration')) return false;
  if (n.type === 'ExpressionStatement' && typeof n.directive === 'string') return false;
  if (n.type === 'FunctionDeclaration' || n.type === 'ImportDeclaration' || StringPrototypeStartsWith(n.type, 'Export') || TYPE_ONLY.has(n.type)) return false;
  return !('declare' in n && n.declare === true);
}

/**
 * `n` is `parent`'s body or one of its branches: a statement standing alone, not in a list. A
 * function's body block is not: a probe there would wrap the body in a block of its own, and its
 * directives would no longer be directives.
 */
function isLoneBody(parent: Node, n: Node): boolean {
  if (isFunction(parent)) return false;
  return ('body' in parent && parent.body === n) || ('consequent' in parent && parent.consequent === n) || ('alternate' in parent && parent.alternate === n);
}

/** `var` names declared anywhere in a function body (not in nested functions). */
function varNames(n: Node, out: string[]): void {
  if (n.type === 'VariableDeclaration' && n.kind === 'var') {
    for (let i = 0; i < n.declarations.length; i++) patternNames(n.declarations[i].id, out);
  }
  forEachChild(n, childVarNames, out);
}

function childVarNames(c: Node, out: string[]): void {
  if (!isFunction(c) && c.type !== 'ClassDeclaration' && c.type !== 'ClassExpression') varNames(c, out);
}

/** Lexical names of a statement list declared before `before`, and its hoisted functions. */
function blockNames(list: readonly (Directive | Statement)[], before: number, out: string[]): void {
  for (let i = 0; i < list.length; i++) {
    const s = list[i];
    const d = s.type === 'ExportNamedDeclaration' || s.type === 'ExportDefaultDeclaration' ? s.declaration : s;
    if (d == null) continue;
    if (d.type === 'FunctionDeclaration' && d.id != null) out[out.length] = d.id.name;
    else if (d.end <= before && d.type === 'ClassDeclaration' && d.id != null) out[out.length] = d.id.name;
    else if (d.end <= before && d.type === 'VariableDeclaration' && d.kind !== 'var') {
      for (let j = 0; j < d.declarations.length; j++) patternNames(d.declarations[j].id, out);
    } else if (d.type === 'ImportDeclaration') {
      for (let j = 0; j < d.specifiers.length; j++) patternNames(d.specifiers[j].local, out);
    }
  }
}

/** `var` names of a function body or a program, kept in `known` for the next line asked in it. */
function varsOfNode(n: Node, known: Map<Node, string[]>): string[] {
  let names = known.get(n);
  if (names === undefined) known.set(n, (names = []));
  else return names;
  varNames(n, names);
  return names;
}

function localsAt(ancestors: readonly Node[], stmt: Node, known: Map<Node, string[]>): string[] {
  const out: string[] = [];
  const insideFunction = arraySome(ancestors, isFunction);
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const a = ancestors[i];
    if (a.type === 'Program') {
      if (!insideFunction) {
        appendAll(out, varsOfNode(a, known));
        blockNames(a.body, stmt.start, out);
      }
    } else if (isFunction(a)) {
      for (let j = 0; j < a.params.length; j++) patternNames(a.params[j], out);
      if (a.body?.type === 'BlockStatement') appendAll(out, varsOfNode(a.body, known));
    } else if (a.type === 'BlockStatement' || a.type === 'StaticBlock') {
      blockNames(a.body, stmt.start, out);
    } else if (a.type === 'SwitchCase') {
      blockNames(a.consequent, stmt.start, out);
    } else if (a.type === 'CatchClause') {
      patternNames(a.param, out);
    } else if ((a.type === 'ForStatement' || a.type === 'ForInStatement' || a.type === 'ForOfStatement')) {
      const init = a.type === 'ForStatement' ? a.init : a.left;
      if (init != null && init.type === 'VariableDeclaration' && init.kind !== 'var') {
        for (let j = 0; j < init.declarations.length; j++) patternNames(init.declarations[j].id, out);
      }
    }
  }
  const seen = new SafeSet() as Set<string>;
  const locals: string[] = [];
  for (let i = 0; i < out.length; i++) {
    const n = out[i];
    if (seen.has(n)) continue;
    seen.add(n);
    if (!StringPrototypeStartsWith(n, '__jp$') && n !== 'arguments') locals[locals.length] = n;
  }
  return locals;
}

function appendAll(out: string[], names: readonly string[]): void {
  for (let i = 0; i < names.length; i++) out[out.length] = names[i];
}

/** A position to put a line site at: the first statement that starts there or later on that line. */
export interface LineAsk {
  /** 1-based line and 0-based column (0 for a whole line). */
  line: number;
  column: number;
}

/**
 * The statement for each asked position, with what is in scope there. A position, not just a
 * line: minified code (tsx's output) holds a whole module on one line, and a .ts line maps to a
 * column in it.
 */
export function findLineSites<A extends LineAsk>(
  program: Program, _src: string, starts: readonly number[], asks: readonly A[], withLocals = true,
): LineSite<A>[] {
  // By line: a statement can only be the site of an ask on the line it starts on.
  const onLine = new SafeMap() as Map<number, { ask: A; at: number }[]>;
  for (let i = 0; i < asks.length; i++) {
    const a = asks[i];
    const list = onLine.get(a.line - 1);
    const o = { ask: a, at: starts[a.line - 1] + a.column };
    if (list === undefined) onLine.set(a.line - 1, [o]);
    else list[list.length] = o;
  }
  const best = new SafeMap() as Map<A, { node: Node; from: number; ancestors: Node[]; needsBlock: boolean; thisUnsafe: boolean }>;
  const ancestors: Node[] = [];
  let derivedDepth = 0;
  const walk = (n: Node, parent: Node | null): void => {
    const offsets = parent !== null && isSiteStatement(n) ? onLine.get(lineOf(starts, n.start)) : undefined;
    if (offsets !== undefined && parent !== null) {
      // A labelled statement's site goes before its outermost label: put between a label and its
      // loop (`l: {probe;for…}`), it would leave `continue l` without the loop it names.
      let node = n;
      let up = parent;
      let depth = ancestors.length - 1;
      while (up.type === 'LabeledStatement' && depth > 0) {
        node = up;
        up = ancestors[--depth];
      }
      if (LIST_PARENTS.has(up.type) || isLoneBody(up, node)) {
        for (let i = 0; i < offsets.length; i++) {
          const o = offsets[i];
          if (n.start < o.at) continue;
          const prev = best.get(o.ask);
          if (prev === undefined || n.start < prev.from) {
            const needsBlock = !LIST_PARENTS.has(up.type);
            best.set(o.ask, { node, from: n.start, ancestors: ArrayPrototypeSlice(ancestors, 0, depth + 1), needsBlock, thisUnsafe: derivedDepth > 0 });
          }
        }
      }
    }
    const derivedCtor = n.type === 'MethodDefinition' && n.kind === 'constructor' &&
      arraySome(ancestors, (a) => (a.type === 'ClassDeclaration' || a.type === 'ClassExpression') && a.superClass != null);
    if (derivedCtor) derivedDepth++;
    ancestors[ancestors.length] = n;
    if (n.type === 'MethodDefinition' || n.type === 'PropertyDefinition' || n.type === 'Property') {
      if (n.value != null) walk(n.value, n);
    } else if (n.type === 'ClassDeclaration' || n.type === 'ClassExpression') {
      if (n.superClass != null) walk(n.superClass, n);
      for (let i = 0; i < n.body.body.length; i++) walk(n.body.body[i], n);
    } else {
      forEachChild(n, walk, n);
    }
    ancestors.length--;
    if (derivedCtor) derivedDepth--;
  };
  walk(program, null);
  const out: LineSite<A>[] = [];
  // A function's vars, walked once for all the lines asked in it (every line, for -l's `line:FILE:*`).
  const varsOf = new SafeMap() as Map<Node, string[]>;
  // Each entry by index: destructuring it would go through Array's iterator.
  for (const entry of best) {
    const ask = entry[0];
    const b = entry[1];
    const line = lineOf(starts, b.node.start) + 1;
    out[out.length] = {
      line,
      column: b.node.start - starts[line - 1],
      ask,
      start: b.node.start,
      end: b.node.end,
      needsBlock: b.needsBlock,
      locals: withLocals ? localsAt(b.ancestors, b.node, varsOf) : [],
      thisUnsafe: b.thisUnsafe,
    };
  }
  return ArrayPrototypeSort(out, (a, b) => a.start - b.start);
}

/** The site of every line where a line probe can fire, in order: what `-l 'line:FILE:*'` lists (without locals: the lines alone). */
export function allLineSites(program: Program, src: string, starts: readonly number[], withLocals = true): LineSite[] {
  return findLineSites(program, src, starts, starts.map((_, i) => ({ line: i + 1, column: 0 })), withLocals);
}

/** What starts at a line where no line probe can fire, when it is code that runs nothing there. */
export type NoSite = { kind: 'directive'; text: string } | { kind: 'function'; name: string } | { kind: 'type' };

/** Why `line` (1-based) has no site, when what starts there first is a directive, or a function's or a type's declaration. */
export function noSiteAt(program: Program, src: string, starts: readonly number[], line: number): NoSite | undefined {
  const from = starts[line - 1];
  const to = line < starts.length ? starts[line] : Infinity;
  let first: Node | undefined;
  // In source order, outer nodes first: the first node that starts on the line is what the line holds.
  const visit = (n: Node): void => {
    if (first !== undefined || n.end <= from || n.start >= to) return;
    if (n.start >= from) first = n;
    else forEachChild(n, visit, undefined);
  };
  forEachChild(program, visit, undefined);
  let n = first;
  if (n !== undefined && (n.type === 'ExportNamedDeclaration' || n.type === 'ExportDefaultDeclaration') && n.declaration != null) n = n.declaration as Node;
  if (n === undefined) return undefined;
  if (n.type === 'ExpressionStatement' && typeof n.directive === 'string') return { kind: 'directive', text: src.slice(n.start, n.end).replace(/;$/, '') };
  if (n.type === 'FunctionDeclaration') return { kind: 'function', name: n.id?.name ?? 'default' };
  if (TYPE_ONLY.has(n.type)) return { kind: 'type' };
  return undefined;
}

/** The names declared at a module's top level: what a line probe inside a function does not read. */
export function topLevelNames(program: Program): string[] {
  const out: string[] = [];
  varNames(program, out);
  blockNames(program.body, Infinity, out);
  return [...new Set(out)];
}
