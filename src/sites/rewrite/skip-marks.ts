// Which expressions the function walk may skip whole: most of a bundle is expressions with
// nothing to collect, and skipping them halves the walk.

import type { Node } from './estree.js';
import { RegExpPrototypeExec, setOf, TypedArrayPrototypeGetLength } from '../../core/primordials.js';

/**
 * Text that every expression holding something the walk collects must contain: a function
 * (`function`, `=>`, a method's or getter's `{`), a class, an object literal (`{`), a read of
 * `arguments`, an assignment (`a.b = f` also names f `a.b`; `module.exports = …`), esbuild's
 * `__name`, a call of `eval` (see functions.ts, blockConflictOf), or an escape (`\u0061rguments`). A string or comment that holds one only costs a
 * needless visit. Statements are always visited: a `return` holds none of these.
 */
const MARK = /[{\\]|=>|(?<![=!<>])=(?!=)|function|class|arguments|__name|eval/g;

/** Expressions the walk may skip whole when their text holds no MARK. */
const SKIPPABLE: ReadonlySet<Node['type']> = setOf<Node['type']>([
  'CallExpression', 'NewExpression', 'MemberExpression', 'BinaryExpression', 'LogicalExpression',
  'ConditionalExpression', 'UnaryExpression', 'UpdateExpression', 'AssignmentExpression',
  'SequenceExpression', 'ArrayExpression', 'TemplateLiteral', 'TaggedTemplateExpression',
  'ParenthesizedExpression', 'ChainExpression', 'AwaitExpression', 'YieldExpression',
  'SpreadElement', 'ArrayPattern', 'AssignmentPattern',
]);

/** MARK's offsets in a source, in order. */
export function marksOf(src: string): Int32Array {
  const at: number[] = [];
  MARK.lastIndex = 0;
  for (let m = RegExpPrototypeExec(MARK, src); m !== null; m = RegExpPrototypeExec(MARK, src)) at[at.length] = m.index;
  const marks = new Int32Array(at.length);
  for (let i = 0; i < at.length; i++) marks[i] = at[i];
  return marks;
}

/** Whether the walk may skip `n`: an expression whose text holds no mark (`marks` from marksOf). */
export function skippable(n: Node, marks: Int32Array): boolean {
  if (!SKIPPABLE.has(n.type)) return false;
  let lo = 0;
  const len = TypedArrayPrototypeGetLength(marks);
  let hi = len;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (marks[mid] < n.start) lo = mid + 1;
    else hi = mid;
  }
  return lo === len || marks[lo] >= n.end;
}
