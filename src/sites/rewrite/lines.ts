// Line sites: the statement that starts on a given line gets an entry-style probe that can read
// the local variables in scope there (DESIGN.md: `line:src/app.ts:42 { @users[user.id] = … }`).

import { forEachChild, isFunction, isNode, type Node } from './estree.js';
import { lineOf } from './insertions.js';

export interface LineSite {
  /** 1-based line and 0-based column of the statement. */
  line: number;
  column: number;
  /** The position that asked for it. */
  ask: LineAsk;
  start: number;
  end: number;
  /** The statement is the lone body of an if/for/while: wrap probe and statement in braces. */
  needsBlock: boolean;
  /** Names in scope at the statement, initialised before it runs. */
  locals: string[];
  thisUnsafe: boolean;
}

const LIST_PARENTS = new Set(['Program', 'BlockStatement', 'StaticBlock', 'SwitchCase']);

function isStatement(n: Node): boolean {
  return n.type.endsWith('Statement') || n.type.endsWith('Declaration');
}

/** Names bound by a pattern: `a`, `{ b, c: d }`, `[e, ...f]`, `g = 1`. */
function patternNames(p: Node | null | undefined, out: string[]): void {
  if (!isNode(p)) return;
  switch (p.type) {
    case 'Identifier': out.push(p.name as string); break;
    case 'AssignmentPattern': patternNames(p.left as Node, out); break;
    case 'RestElement': patternNames(p.argument as Node, out); break;
    case 'ArrayPattern': for (const e of p.elements as (Node | null)[]) patternNames(e, out); break;
    case 'ObjectPattern':
      for (const prop of p.properties as Node[]) patternNames(prop.type === 'RestElement' ? prop : (prop.value as Node), out);
      break;
  }
}

/** `var` names declared anywhere in a function body (not in nested functions). */
function varNames(n: Node, out: string[]): void {
  if (n.type === 'VariableDeclaration' && n.kind === 'var') {
    for (const d of n.declarations as Node[]) patternNames(d.id as Node, out);
  }
  forEachChild(n, (c) => {
    if (!isFunction(c) && c.type !== 'ClassDeclaration' && c.type !== 'ClassExpression') varNames(c, out);
  });
}

/** Lexical names of a statement list declared before `before`, and its hoisted functions. */
function blockNames(list: Node[], before: number, out: string[]): void {
  for (const s of list) {
    const d = s.type === 'ExportNamedDeclaration' || s.type === 'ExportDefaultDeclaration' ? (s.declaration as Node | null) : s;
    if (!isNode(d)) continue;
    if (d.type === 'FunctionDeclaration' && isNode(d.id)) out.push(d.id.name as string);
    else if (d.end <= before && d.type === 'ClassDeclaration' && isNode(d.id)) out.push(d.id.name as string);
    else if (d.end <= before && d.type === 'VariableDeclaration' && d.kind !== 'var') {
      for (const v of d.declarations as Node[]) patternNames(v.id as Node, out);
    } else if (d.type === 'ImportDeclaration') {
      for (const sp of d.specifiers as Node[]) patternNames(sp.local as Node, out);
    }
  }
}

function localsAt(ancestors: Node[], stmt: Node): string[] {
  const out: string[] = [];
  const insideFunction = ancestors.some(isFunction);
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const a = ancestors[i];
    if (a.type === 'Program') {
      if (!insideFunction) {
        varNames(a, out);
        blockNames(a.body as Node[], stmt.start, out);
      }
    } else if (isFunction(a)) {
      for (const p of a.params as Node[]) patternNames(p, out);
      if ((a.body as Node).type === 'BlockStatement') varNames(a.body as Node, out);
    } else if (a.type === 'BlockStatement' || a.type === 'StaticBlock') {
      blockNames(a.body as Node[], stmt.start, out);
    } else if (a.type === 'SwitchCase') {
      blockNames(a.consequent as Node[], stmt.start, out);
    } else if (a.type === 'CatchClause') {
      patternNames(a.param as Node | null, out);
    } else if ((a.type === 'ForStatement' || a.type === 'ForInStatement' || a.type === 'ForOfStatement')) {
      const init = (a.type === 'ForStatement' ? a.init : a.left) as Node | null;
      if (isNode(init) && init.type === 'VariableDeclaration' && init.kind !== 'var') {
        for (const d of init.declarations as Node[]) patternNames(d.id as Node, out);
      }
    }
  }
  return [...new Set(out)].filter((n) => !n.startsWith('__jp$') && n !== 'arguments');
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
export function findLineSites(program: Node, _src: string, starts: readonly number[], asks: readonly LineAsk[]): LineSite[] {
  const offsets = asks.map((a) => ({ ask: a, at: starts[a.line - 1] + a.column, lineEnd: a.line < starts.length ? starts[a.line] : Infinity }));
  const best = new Map<LineAsk, { node: Node; ancestors: Node[]; needsBlock: boolean; thisUnsafe: boolean }>();
  const ancestors: Node[] = [];
  let derivedDepth = 0;
  const walk = (n: Node, parent: Node | null): void => {
    const inStatementPosition = parent !== null &&
      (LIST_PARENTS.has(parent.type) || parent.body === n || parent.consequent === n || parent.alternate === n);
    if (isStatement(n) && inStatementPosition && parent !== null && n.type !== 'ImportDeclaration' && !n.type.startsWith('Export')) {
      for (const o of offsets) {
        if (n.start < o.at || n.start >= o.lineEnd) continue;
        const prev = best.get(o.ask);
        if (prev === undefined || n.start < prev.node.start) {
          best.set(o.ask, { node: n, ancestors: ancestors.slice(), needsBlock: !LIST_PARENTS.has(parent.type), thisUnsafe: derivedDepth > 0 });
        }
      }
    }
    const derivedCtor = n.type === 'MethodDefinition' && n.kind === 'constructor' && ancestors.some((a) => (a.type === 'ClassDeclaration' || a.type === 'ClassExpression') && isNode(a.superClass));
    if (derivedCtor) derivedDepth++;
    ancestors.push(n);
    if (n.type === 'MethodDefinition' || n.type === 'PropertyDefinition' || n.type === 'Property') {
      if (isNode(n.value)) walk(n.value, n);
    } else if (n.type === 'ClassDeclaration' || n.type === 'ClassExpression') {
      if (isNode(n.superClass)) walk(n.superClass, n);
      for (const m of (n.body as Node).body as Node[]) walk(m, n);
    } else {
      forEachChild(n, (c) => walk(c, n));
    }
    ancestors.pop();
    if (derivedCtor) derivedDepth--;
  };
  walk(program, null);
  const out: LineSite[] = [];
  for (const [ask, b] of best) {
    const line = lineOf(starts, b.node.start) + 1;
    out.push({
      line,
      column: b.node.start - starts[line - 1],
      ask,
      start: b.node.start,
      end: b.node.end,
      needsBlock: b.needsBlock,
      locals: localsAt(b.ancestors, b.node),
      thisUnsafe: b.thisUnsafe,
    });
  }
  return out.sort((a, b) => a.start - b.start);
}
