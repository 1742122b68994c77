// The functions a module's exports hold, read from its text: what `-l 'mod#pattern'` lists for a
// module of the program (a file, a package), which must not be loaded to answer, since loading it
// runs its code (an app's module starts its server). ES modules name their exports in `export`
// declarations; CommonJS ones by assignments to `module.exports` (cjs-holders.ts). What the text
// does not settle (`export * from`, exports made at run time) is said, not guessed.

import type { Program } from '../sites/rewrite/estree.js';
import { cjsHoldersIn } from './cjs-holders.js';
import { functionsOf, parseFile, type FilePoint } from './files.js';

export interface TextExport {
  /** The export path that holds the function: `handle`, `Store.prototype.get`, `default`. */
  path: string;
  point: FilePoint;
}

export interface TextExports {
  exports: TextExport[];
  /** Why the text may not hold every export (they are made at run time, or come from another module); absent when it does. */
  unsure?: string;
}

/** Whether the file is written as an ES module (it imports or exports by declaration). */
function isEsm(program: Program): boolean {
  return program.body.some((st) => st.type === 'ImportDeclaration' || st.type === 'ExportNamedDeclaration'
    || st.type === 'ExportDefaultDeclaration' || st.type === 'ExportAllDeclaration');
}

/** An ES module's local names → the names each is exported under; and the modules it re-exports from, which its text does not settle. */
function esmExports(program: Program): { as: Map<string, string[]>; from: string[] } {
  const as = new Map<string, string[]>();
  const from: string[] = [];
  const add = (local: string, exported: string): void => {
    as.set(local, [...(as.get(local) ?? []), exported]);
  };
  for (const st of program.body) {
    if (st.type === 'ExportAllDeclaration') from.push(String(st.source.value));
    else if (st.type === 'ExportDefaultDeclaration') {
      const d = st.declaration;
      if (d.type === 'Identifier') add(d.name, 'default');
      // `export default function () {}` is named `default` where it stands (functions.ts).
      else if ((d.type === 'FunctionDeclaration' || d.type === 'ClassDeclaration') && d.id != null) add(d.id.name, 'default');
      else add('default', 'default');
    } else if (st.type === 'ExportNamedDeclaration') {
      if (st.source != null) {
        from.push(String(st.source.value));
        continue;
      }
      const d = st.declaration;
      if (d != null && (d.type === 'FunctionDeclaration' || d.type === 'ClassDeclaration') && d.id != null) add(d.id.name, d.id.name);
      if (d != null && d.type === 'VariableDeclaration') {
        for (const v of d.declarations) if (v.id.type === 'Identifier') add(v.id.name, v.id.name);
      }
      for (const s of st.specifiers) {
        if (s.local.type === 'Identifier') add(s.local.name, s.exported.type === 'Identifier' ? s.exported.name : String(s.exported.value));
      }
    }
  }
  return { as, from };
}

/** The functions a property can hold: not a `#private` method, nor a getter or setter (read through its property, not held by it). */
function reachable(points: FilePoint[]): FilePoint[] {
  return points.filter((p) => !p.name.includes('#') && p.kind !== 'get' && p.kind !== 'set');
}

/** The functions the exports of `file` hold, as its text says. Throws where the file does not parse. */
export function exportsInText(file: string): TextExports {
  const { program, src } = parseFile(file);
  const points = functionsOf(program, src, file);
  const out: TextExport[] = [];
  if (isEsm(program)) {
    const { as, from } = esmExports(program);
    for (const point of reachable(points)) {
      // A class's constructor is the class itself (`Store.constructor` is held as `Store`).
      const name = point.name.replace(/^([^.]+)\.constructor$/, '$1');
      const dot = name.indexOf('.');
      const head = dot < 0 ? name : name.slice(0, dot);
      for (const e of as.get(head) ?? []) out.push({ path: `${e}${dot < 0 ? '' : name.slice(dot)}`, point });
    }
    return from.length === 0 ? { exports: out } : { exports: out, unsure: `it re-exports from ${from.join(', ')}, whose exports are not read here` };
  }
  const holders = cjsHoldersIn(program, src);
  for (const point of reachable(points)) {
    // `module.exports = main` holds main as the module itself, which no export path names.
    for (const held of holders.holdersOf(point.name)) {
      if (held.startsWith('module.exports.')) out.push({ path: held.slice('module.exports.'.length), point });
    }
  }
  if (holders.assigned !== undefined) return { exports: out, unsure: `its exports are the value of ${holders.assigned}, which only running it gives` };
  return holders.unsure ? { exports: out, unsure: 'it names `exports` in ways read only when it runs' } : { exports: out };
}
