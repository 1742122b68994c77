// Which functions of a CommonJS file a property of its exports holds, read from the file alone:
// what --dry-run -p says of a process it does not look into, where the attach would find the
// property at run time (src/sites/holder.ts) and give the function a wrap site. The forms read are
// the top-level assignments to `module.exports` and `exports` (an object literal, or one key); a
// file that names `exports` in any other way is unsure, since its exports are made at run time.

import { readFileSync } from 'node:fs';
import type { Expression, Node, ObjectExpression, Program } from '../sites/rewrite/estree.js';
import { parse } from '../sites/rewrite/instrument.js';

export interface CjsHolders {
  /** The property (`module.exports.handle`) that holds the function named `name` (as a target names it), if the file says. */
  holderOf(name: string): string | undefined;
  /** Every property the file says holds it, the one holderOf names last; a class's constructor (`Db.constructor`) is held as the class. */
  holdersOf(name: string): string[];
  /** The file names `exports` in forms not read here: a function no form holds may still be held. */
  unsure: boolean;
  /**
   * `module.exports = EXPR` with a value only running the file gives (`require('./lib/express')`,
   * a call): EXPR's text, cut short. The exports are then that value's (and unsure is set).
   */
  assigned?: string;
}

const NONE: CjsHolders = { holderOf: () => undefined, holdersOf: () => [], unsure: false };

/** Characters of an assigned value's text `assigned` keeps. */
const ASSIGNED_CHARS = 60;

/** `module.exports`, `exports`, and one key below either, as written; else null. */
function exportsPath(n: Node): string | null {
  if (n.type === 'Identifier') return n.name === 'exports' ? 'module.exports' : null;
  if (n.type !== 'MemberExpression' || n.computed || n.property.type !== 'Identifier') return null;
  if (n.object.type === 'Identifier' && n.object.name === 'module' && n.property.name === 'exports') return 'module.exports';
  const root = n.object.type === 'Identifier' && n.object.name === 'exports'
    ? 'module.exports'
    : n.object.type === 'MemberExpression' && exportsPath(n.object) === 'module.exports' && !n.object.computed ? 'module.exports' : null;
  return root === null ? null : `${root}.${n.property.name}`;
}

/** An object literal's plain `key: value` properties (and shorthands, methods), by name. */
function keyed(v: ObjectExpression): [string, Expression][] {
  const out: [string, Expression][] = [];
  for (const p of v.properties) {
    if (p.type !== 'Property' || p.computed || p.kind !== 'init') continue;
    const k = p.key.type === 'Identifier' ? p.key.name : p.key.type === 'Literal' && typeof p.key.value === 'string' ? p.key.value : null;
    if (k !== null) out.push([k, p.value as Expression]);
  }
  return out;
}

/** A function or a class, written in place: a value the file's text shows. */
function isCode(v: Expression): boolean {
  return isFunctionValue(v) || v.type === 'ClassExpression';
}

function isFunctionValue(v: Expression): boolean {
  return v.type === 'FunctionExpression' || v.type === 'ArrowFunctionExpression';
}

export function cjsHolders(file: string): CjsHolders {
  if (/\.m[jt]s$/.test(file)) return NONE;
  let src: string;
  let program: Program;
  try {
    src = readFileSync(file, 'utf8');
    program = parse(src, 'script', file);
  } catch {
    return { holderOf: () => undefined, holdersOf: () => [], unsure: true };
  }
  return cjsHoldersIn(program, src);
}

/** cjsHolders of a file already parsed (`src` its text). */
export function cjsHoldersIn(program: Program, src: string): CjsHolders {
  // A function's name → the property that holds it; a name whose methods are held (a class or an object) → its property.
  const functions = new Map<string, string[]>();
  const containers = new Map<string, string[]>();
  const set = (m: Map<string, string[]>, name: string, path: string): void => {
    m.set(name, [...(m.get(name) ?? []), path]);
  };
  let read = 0;
  let assigned: string | undefined;
  // Names the file binds at its top level with const, let or var, to their first values (null: none).
  const bound = new Map<string, Expression | null>();
  for (const st of program.body) {
    if (st.type !== 'VariableDeclaration') continue;
    for (const d of st.declarations) if (d.id.type === 'Identifier' && !bound.has(d.id.name)) bound.set(d.id.name, d.init ?? null);
  }
  const said = (v: Expression): string => {
    const text = src.slice(v.start, v.end).replace(/\s+/g, ' ');
    return text.length > ASSIGNED_CHARS ? `${text.slice(0, ASSIGNED_CHARS - 1)}…` : text;
  };
  /** The value `v` held at `path`, under key `key`; `deep`: an object literal's values are held too (the exports, an exported object). */
  const hold = (path: string, key: string, v: Expression, deep: boolean): void => {
    if (v.type === 'Identifier') {
      set(functions, v.name, path);
      set(containers, v.name, path);
    } else if (isFunctionValue(v)) set(functions, key, path);
    else if (v.type === 'ClassExpression') set(containers, key, path);
    else if (v.type === 'ObjectExpression') {
      set(containers, key, path);
      if (deep) for (const [k, value] of keyed(v)) hold(`${path}.${k}`, k, value, false);
    }
  };
  for (const st of program.body) {
    if (st.type !== 'ExpressionStatement' || st.expression.type !== 'AssignmentExpression' || st.expression.operator !== '=') continue;
    const path = exportsPath(st.expression.left);
    if (path === null) continue;
    read++;
    let v = st.expression.right;
    // `exports = module.exports = f`: one value, named twice.
    while (path === 'module.exports' && v.type === 'AssignmentExpression' && v.operator === '=' && exportsPath(v.left) === 'module.exports') {
      read++;
      v = v.right;
    }
    if (path !== 'module.exports') hold(path, path.slice(path.lastIndexOf('.') + 1), v, true);
    // The exports object itself: its own keys hold, not the value (a function exported as the module is held by no property).
    else if (v.type === 'ObjectExpression') for (const [key, value] of keyed(v)) hold(`${path}.${key}`, key, value, true);
    // Any other value than a function or class here, or a name (of one, as the file declares it),
    // is one only running the file gives: `require('./lib/express')` re-exports another module's.
    else if (!isCode(v) && v.type !== 'Identifier') assigned = said(v);
    // A name bound to such a value is one too (`const lib = require('./lib'); module.exports = lib`).
    else if (v.type === 'Identifier' && bound.has(v.name)) {
      const init = bound.get(v.name) ?? null;
      const known = init !== null && (isCode(init) || init.type === 'ObjectExpression');
      if (!known) assigned = init === null ? v.name : `${v.name} = ${said(init)}`;
    }
  }
  const mentions = src.match(/\bexports\b/g)?.length ?? 0;
  const holdersOf = (name: string): string[] => {
    const direct = functions.get(name);
    if (direct !== undefined) return direct;
    const ctor = /^([^.]+)\.constructor$/.exec(name);
    if (ctor !== null) return containers.get(ctor[1]) ?? [];
    // `Store.prototype.get`, `Store.make`, `api.other`: a method of a held class or object.
    const m = /^([^.]+)\.(prototype\.)?([^.]+)$/.exec(name);
    const at = m === null ? undefined : containers.get(m[1]);
    return at === undefined || m === null ? [] : at.map((p) => `${p}.${m[2] ?? ''}${m[3]}`);
  };
  return {
    unsure: mentions > read || assigned !== undefined,
    ...(assigned === undefined ? {} : { assigned }),
    holdersOf,
    holderOf: (name) => holdersOf(name).at(-1),
  };
}
