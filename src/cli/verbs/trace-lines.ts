// What `jsprobe trace` probes in a function: the lines of its body where a statement starts (not
// those of the functions inside it), each with the text of its statement when that makes a call
// (what trace shows), or null when it makes none (its time is the function's own, "self").

import { parseFile, statementAt } from '../../targets/files.js';
import { listProbePoints } from '../../targets/probe-points.js';
import { parseTarget } from '../../targets/parse.js';
import { findFunctions } from '../../sites/rewrite/functions.js';
import { forEachChild, isFunction, type Node } from '../../sites/rewrite/estree.js';
import { lineOf, lineStarts } from '../../sites/rewrite/insertions.js';
import { UsageError } from '../args.js';

/** Characters of a statement's text a label keeps. */
const LABEL_CHARS = 60;

export interface TracedFunction {
  /** The function as a target that names it alone: `examples/shop/server.cjs:getUser`. */
  target: string;
  /** The file as targets name it, for `line:FILE:N`. */
  file: string;
  /** Lines where a statement of its body starts, in order; the label when the statement makes a call. */
  lines: { line: number; label: string | null }[];
}

/** The one function `target` names, and the lines of its body; a UsageError when it names none or several. */
export function tracedFunction(target: string): TracedFunction {
  let points;
  try {
    if (parseTarget(target).kind !== 'function') throw new UsageError(`jsprobe trace takes a function in a file, such as src/db.js:Db.query, not '${target}'`);
    points = listProbePoints(target).filter((p) => p.kind === 'function');
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`jsprobe trace ${target}: ${(e as Error).message}`);
  }
  if (points.length !== 1) {
    const which = points.slice(0, 5).map((p) => p.target).join(', ');
    throw new UsageError(points.length === 0 ? `jsprobe trace: nothing matches ${target} (jsprobe -l lists what there is)`
      : `jsprobe trace follows one function, and ${target} matches ${points.length}: ${which}${points.length > 5 ? ', …' : ''}`);
  }
  const p = points[0];
  const { program, src } = parseFile(p.file!);
  const starts = lineStarts(src);
  const site = findFunctions(program, src).find((f) => f.name === p.name && lineOf(starts, f.at) + 1 === p.line);
  const node = site === undefined ? undefined : functionAt(program as unknown as Node, site.body.start);
  if (node === undefined || site!.body.expression) throw new UsageError(`jsprobe trace: ${p.target} has no block body to follow`);
  const byLine = new Map<number, string | null>();
  for (const s of bodyStatements(node.body as Node)) {
    const line = lineOf(starts, s.start) + 1;
    // A line probe stops at the statement that starts its line: only those lines can be probed.
    if (statementAt(program, src, line)?.line !== line) continue;
    // Labelled by its line as written: the row's time runs from the line's start, and a call in a
    // statement inside it (`if (!user) { const e = new Error(…) }`) is no label for the `if`'s line.
    const label = makesCall(s) ? `${line}: ${firstLine(src.slice(starts[line - 1]))}` : null;
    if (!byLine.has(line) || byLine.get(line) === null) byLine.set(line, label);
  }
  const lines = [...byLine].sort((a, b) => a[0] - b[0]).map(([line, label]) => ({ line, label }));
  return { target: p.target, file: p.target.slice(0, p.target.lastIndexOf(`:${p.name}`)), lines };
}

/** The function whose body starts at `bodyStart`. */
function functionAt(root: Node, bodyStart: number): (Node & { body: unknown }) | undefined {
  let found: (Node & { body: unknown }) | undefined;
  const visit = (n: Node): void => {
    if (found !== undefined) return;
    if (isFunction(n) && n.body !== null && n.body.start === bodyStart) found = n as Node & { body: unknown };
    else forEachChild(n, visit, undefined);
  };
  visit(root);
  return found;
}

const isStatement = (n: Node): boolean => /Statement$|Declaration$/.test(n.type) && n.type !== 'BlockStatement';

/** The statements of a body at any depth of blocks, not those of functions or classes inside it. */
function bodyStatements(body: Node): Node[] {
  const out: Node[] = [];
  const visit = (n: Node): void => {
    if (isFunction(n) || n.type === 'ClassDeclaration' || n.type === 'ClassExpression') return;
    if (isStatement(n)) out.push(n);
    forEachChild(n, visit, undefined);
  };
  forEachChild(body, visit, undefined);
  return out;
}

/** The statement itself calls something: in its own expressions, not in the statements or functions inside it. */
function makesCall(statement: Node): boolean {
  let calls = false;
  const visit = (n: Node): void => {
    if (calls || isFunction(n) || isStatement(n) || n.type === 'BlockStatement') return;
    if (n.type === 'CallExpression' || n.type === 'NewExpression' || n.type === 'TaggedTemplateExpression') calls = true;
    else forEachChild(n, visit, undefined);
  };
  forEachChild(statement, visit, undefined);
  return calls;
}

/** The first line of `text`, as a label: spaces squeezed, cut to LABEL_CHARS. */
function firstLine(text: string): string {
  const line = text.split('\n')[0].replace(/\s+/g, ' ').trim();
  return line.length > LABEL_CHARS ? `${line.slice(0, LABEL_CHARS - 1)}…` : line;
}
