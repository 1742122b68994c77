// Every function of a module, with the name a target string uses for it (`Db.prototype.query`,
// `outer.inner`, `default`), the kind of call it makes, its parameters and its return statements:
// what the instrumenter needs to give it a probe site. A visitor: one method per kind of node
// that names, holds or is a function, and the walk's state in one object.

import {
  forEachChild, isFunction, patternNames, type AnyFunction, type AssignmentExpression, type BindingIdentifier, type CallExpression, type Class,
  type ClassElement, type ExportDefaultDeclaration, type ExportNamedDeclaration, type Expression, type ForOfStatement, type FunctionBody, type Node,
  type ObjectExpression, type Program, type VariableDeclarator,
} from './estree.js';
import { EVAL_CONFLICT } from './abi.js';
import { ExportNames } from './export-names.js';
import { marksOf, skippable } from './skip-marks.js';
import { returnSite, shapeOf, type ReturnSite, type SiteShape } from './site-shape.js';
import { chainName, join, keyName } from './site-names.js';
import {
  arrayConcat, arrayMap, ArrayPrototypeIncludes, ArrayPrototypeSort, SafeMap, SafeSet, SafeString, setOf,
} from '../../core/primordials.js';

export type { ReturnSite } from './site-shape.js';

export type FunctionKind = 'function' | 'arrow' | 'method' | 'get' | 'set' | 'constructor';

export interface FunctionSite extends SiteShape {
  /** Qualified name: what `file:name` targets match. */
  name: string;
  /** Other names that match it, e.g. `default` for `export default function foo`. */
  aliases: string[];
  kind: FunctionKind;
  async: boolean;
  generator: boolean;
  start: number;
  end: number;
  /** Where a listing shows it: the method's key for a method, else the function's start. */
  at: number;
  /** The body reads `arguments` itself. */
  usesArguments: boolean;
  /** `this` may not be read at entry: a derived class constructor before super(), or an arrow in one. */
  thisUnsafe: boolean;
  /**
   * The body may still throw after a `return`'s value is made (nested functions' do not count): it
   * has a `try` with a `finally` of its own, a `return` inside a `for…of` (leaving the loop calls the
   * iterator's `return()`, which may throw), a `using` declaration (disposed of as the block ends,
   * which may throw), or it is a derived class's constructor with a `return` (Node 20 throws there
   * where super() was never called). Its exits all go through one `finally` of the site's, so that
   * such a call is reported once, as the throw it ends with.
   */
  throwsAfterReturn: boolean;
  /**
   * A name the body declares as a function at its top level and again (as a `var`, a parameter, a
   * second function, a function in a nested block), or `eval()` where the body may declare one at
   * run time (abi.ts's blockConflictText says which in words): legal at a function's top level,
   * but a block (a site's `try`) cannot hold it. `{ var g; function g(){} }` is a SyntaxError, a
   * parameter the function replaced would keep its value, and a function in a nested block would
   * no longer replace the outer one (Annex B). Such a function gets no site that wraps its body
   * (blockConflictOf).
   */
  blockConflict?: string;
  /**
   * Identifiers whose text is a segment of the name (the function's own, its variable's, its
   * class's): where a source map says a bundler renamed one (`query` to `query2`), the original
   * gives the function another name (see instrument's origin).
   */
  nameIds?: { at: number; text: string }[];
  /** A function with no name of its own: the name of what it is in ('' at the top). */
  anonymousIn?: string;
  /**
   * A getter a bundler made for an export (esbuild, so tsx: `__export(m, { add: () => add })`).
   * Its source map places it in the source beside the function it returns, whose name it also
   * has: it belongs to no source, or every read of the export would count as a call.
   */
  exportGetter?: true;
  returns: ReturnSite[];
}

/**
 * A derived class's constructor with a `return` (in the finally form): `new` may refuse what it
 * returns after its body (the load runtime's rd), and a breakpoint site cannot match its returns.
 */
export function derivedWithReturn(fn: FunctionSite): boolean {
  return fn.kind === 'constructor' && fn.thisUnsafe && fn.throwsAfterReturn;
}

/**
 * A breakpoint site on `fn` sees its entries alone: an async function's or a generator's calls
 * interleave, so a return position cannot be matched to its entry; and a derived class's
 * constructor with a return, whose fall-off Node 24's V8 passes no return position for (the call
 * was then taken for a throw), where an explicit return's position is no 'return' location either.
 */
export function entriesOnly(fn: FunctionSite): boolean {
  return fn.async || fn.generator || derivedWithReturn(fn);
}

/**
 * Every call of `fn` that leaves it throws: no `return` of its own, and its body's last statement
 * is a `throw`. V8 gives such a function no return position (its end is dead code), so a
 * breakpoint site sees its entries alone, and ends each call as thrown once it has left the stack.
 */
export function throwsOnly(fn: FunctionSite): boolean {
  return !fn.body.expression && fn.returns.length === 0 && fn.endsInJump;
}

const ANONYMOUS = 'anonymous';

/**
 * A getter and a setter of one property would share its name: each is named as where it is kept,
 * the property's descriptor's `get` or `set` (`C.prototype.value.get`), since a target name holds
 * no space for V8's own `get value`. The property's name stays an alias of both, so that a target
 * written before still matches; what they contain keeps it as its prefix (docs/load-sites.md).
 */
function accessorNames(site: FunctionSite, k: 'get' | 'set'): void {
  site.aliases = arrayConcat([site.name], arrayMap(site.aliases, (a) => `${a}.${k}`), site.aliases);
  site.name = `${site.name}.${k}`;
}

/**
 * During the walk of a function body that declares functions at its top level: those declarations,
 * and every other name its own scope declares with `var` or a function declaration in a nested
 * block (which Annex B hoists to the function's scope). What blockConflictOf weighs.
 */
interface BodyNames {
  top: Set<Node>;
  functions: string[];
  others: string[];
  /** The body calls `eval` directly, which may declare any name in its scope at run time. */
  evals: boolean;
}

interface Scope {
  prefix: string;
  /** Inside a derived class constructor: `this` is unusable until super() returns. */
  derivedCtor: boolean;
  /** The function whose returns the walk is collecting, if any. */
  fn: FunctionSite | null;
  /** The nearest non-arrow function: an `arguments` inside an arrow is that function's. */
  argsOwner: FunctionSite | null;
  /** The names of the body being walked, where it declares functions at its top level. */
  names: BodyNames | undefined;
}

/** Where a class's fields and static blocks run: no function's returns, no derived constructor. */
function classScope(prefix: string): Scope {
  return { prefix, derivedCtor: false, fn: null, argsOwner: null, names: undefined };
}

class FunctionWalk {
  readonly sites: FunctionSite[] = [];
  readonly exports = new ExportNames();
  /** The declaration that names the value visited next (`const f = () => …`): its identifier. */
  #namer: { value: Node; id: BindingIdentifier } | null = null;
  readonly #visitChild = (c: Node, scope: Scope): void => this.visit(c, scope, null);
  /** Arrows that noteExportGetters found, made sites as the walk reaches them. */
  readonly #exportGetters = new SafeSet() as Set<Node>;
  /** How many `for…of` loops each function being walked is inside of, where it is in one. */
  readonly #forOfDepth = new SafeMap() as Map<FunctionSite, number>;

  /** `marks`: where the text holds what the walk collects (see skip-marks.ts); null visits every node. */
  constructor(readonly src: string, readonly marks: Int32Array | null) {}

  /** Visit `n`; `name` is what to call it if it is a function, class or object literal. */
  visit(n: Node, scope: Scope, name: string | null): void {
    if (this.marks !== null && skippable(n, this.marks)) return;
    switch (n.type) {
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        this.visitFunction(n, name, [], 'function', scope);
        return;
      case 'ClassDeclaration':
      case 'ClassExpression':
        this.visitClass(n, name, scope);
        return;
      case 'ObjectExpression':
        this.visitObject(n, name, scope);
        return;
      case 'VariableDeclarator':
        this.visitDeclarator(n, scope);
        return;
      case 'AssignmentExpression':
        this.visitAssignment(n, scope);
        return;
      case 'ExportNamedDeclaration':
        this.visitExportNamed(n, scope);
        return;
      case 'ExportDefaultDeclaration':
        this.visitExportDefault(n, scope);
        return;
      case 'ParenthesizedExpression':
        this.visit(n.expression, scope, name);
        return;
      case 'CallExpression':
        if (scope.names !== undefined && isEval(n.callee)) scope.names.evals = true;
        if (this.visitNamed(n, scope, name)) return;
        this.noteExportGetters(n);
        forEachChild(n, this.#visitChild, scope);
        return;
      case 'ReturnStatement':
        if (scope.fn !== null) {
          scope.fn.returns[scope.fn.returns.length] = returnSite(n, this.src);
          // A derived class's constructor with no `this` made by super() throws as a return runs,
          // after its value is made, on Node 20 (later versions throw after the body).
          if (this.#forOfDepth.has(scope.fn) || (scope.fn.kind === 'constructor' && scope.fn.thisUnsafe)) scope.fn.throwsAfterReturn = true;
        }
        if (n.argument != null) this.visit(n.argument, scope, null);
        return;
      case 'ForOfStatement':
        this.visitForOf(n, scope);
        return;
      case 'VariableDeclaration':
        if (n.kind === 'var' && scope.names !== undefined) {
          for (let i = 0; i < n.declarations.length; i++) patternNames(n.declarations[i].id, scope.names.others);
        }
        if ((n.kind === 'using' || n.kind === 'await using') && scope.fn !== null) scope.fn.throwsAfterReturn = true;
        forEachChild(n, this.#visitChild, scope);
        return;
      case 'TryStatement':
        if (scope.fn !== null && n.finalizer != null) scope.fn.throwsAfterReturn = true;
        forEachChild(n, this.#visitChild, scope);
        return;
      case 'Identifier':
        if (n.name === 'arguments' && scope.argsOwner !== null) scope.argsOwner.usesArguments = true;
        return;
      case 'Property':
        // Only reached for patterns (object literals go through visitObject).
        if (n.computed) this.visit(n.key, scope, null);
        this.visit(n.value, scope, null);
        return;
      case 'MemberExpression':
        this.visit(n.object, scope, null);
        if (n.computed) this.visit(n.property, scope, null);
        return;
      default:
        forEachChild(n, this.#visitChild, scope);
    }
  }

  /** A `for…of` loop: a `return` in its body (not in a nested function's) leaves it through the iterator's `return()`. */
  visitForOf(n: ForOfStatement, scope: Scope): void {
    const fn = scope.fn;
    if (fn === null) {
      forEachChild(n, this.#visitChild, scope);
      return;
    }
    this.#forOfDepth.set(fn, (this.#forOfDepth.get(fn) ?? 0) + 1);
    forEachChild(n, this.#visitChild, scope);
    const depth = this.#forOfDepth.get(fn)! - 1;
    if (depth === 0) this.#forOfDepth.delete(fn);
    else this.#forOfDepth.set(fn, depth);
  }

  /** `const f = …`: the value is named `f`. */
  visitDeclarator(n: VariableDeclarator, scope: Scope): void {
    const id = n.id;
    this.visit(id, scope, null);
    if (n.init == null) return;
    if (id.type === 'Identifier') this.#namer = { value: n.init, id };
    this.visit(n.init, scope, id.type === 'Identifier' ? join(scope.prefix, id.name) : null);
    this.#namer = null;
  }

  /** `a.b = …` names the value `a.b`; `exports.x = f` and `module.exports = …` export it. */
  visitAssignment(n: AssignmentExpression, scope: Scope): void {
    this.visit(n.left, scope, null);
    const chain = chainName(n.left);
    const exportsRoot = chain === 'module.exports' || chain === 'exports';
    if (n.right.type === 'Identifier' && chain !== null && scope.prefix === '') this.exports.add(n.right.name, exportsRoot ? 'default' : chain);
    if (exportsRoot) this.visitExportsRoot(n.right, scope);
    else this.visit(n.right, scope, chain === null ? null : join(scope.prefix, chain));
  }

  visitExportNamed(n: ExportNamedDeclaration, scope: Scope): void {
    if (n.declaration != null) this.visit(n.declaration, scope, null);
    // `export { x } from 'mod'` names another module's function.
    if (n.source != null) return;
    for (let i = 0; i < n.specifiers.length; i++) {
      const local = n.specifiers[i].local;
      const exported = n.specifiers[i].exported;
      if (local.type === 'Identifier') this.exports.add(local.name, exported.type === 'Identifier' ? exported.name : SafeString(exported.value));
    }
  }

  visitExportDefault(n: ExportDefaultDeclaration, scope: Scope): void {
    const d = n.declaration;
    if (d.type === 'Identifier') this.exports.add(d.name, 'default');
    if (isFunction(d) || d.type === 'ClassDeclaration' || d.type === 'ClassExpression') this.visitDefault(d, scope);
    else this.visit(d, scope, 'default');
  }

  /** A function value, named by where it stands. */
  visitFunction(fn: AnyFunction, name: string | null, aliases: string[], kind: FunctionKind, scope: Scope, derived = false, at = fn.start,
    classIds: BindingIdentifier[] = []): void {
    // TypeScript's bodiless functions (overload signatures, abstract methods, declarations) are types, not code.
    const body = fn.body;
    if (body == null) return;
    const own = fn.id;
    // A function declared in a nested block of a body: Annex B hoists its name to the body's scope.
    if (fn.type === 'FunctionDeclaration' && own != null && scope.names !== undefined && !scope.names.top.has(fn)) {
      scope.names.others[scope.names.others.length] = own.name;
    }
    const base = name ?? (own ? join(scope.prefix, own.name) : null);
    const k: FunctionKind = fn.type === 'ArrowFunctionExpression' ? 'arrow' : kind;
    const thisUnsafe = (k === 'constructor' && derived) || (k === 'arrow' && scope.derivedCtor);
    // A function expression's own name (`const h = function named() {}`), which its stack frames
    // show, matches it too, beside the name of what holds it.
    const ownName = name !== null && own != null && fn.type === 'FunctionExpression' ? join(scope.prefix, own.name) : null;
    const all = ownName !== null && ownName !== base && !ArrayPrototypeIncludes(aliases, ownName) ? arrayConcat(aliases, [ownName]) : aliases;
    const site = this.addSite(fn, body, base ?? join(scope.prefix, ANONYMOUS), all, k, thisUnsafe, at, arrayConcat(classIds, this.idsOf(fn, name)));
    if (base === null) site.anonymousIn = scope.prefix;
    if (k === 'get' || k === 'set') accessorNames(site, k);
    const names = body.type === 'BlockStatement' ? topFunctions(body.body) : undefined;
    // Anonymous functions (callbacks, IIFEs) do not add to the names of what they contain.
    const inner: Scope = {
      prefix: base ?? scope.prefix,
      derivedCtor: k === 'arrow' ? scope.derivedCtor : derived,
      fn: site,
      argsOwner: k === 'arrow' ? scope.argsOwner : site,
      names,
    };
    for (let i = 0; i < fn.params.length; i++) this.visit(fn.params[i], inner, null);
    this.visit(body, inner, null);
    if (names !== undefined) {
      const conflict = blockConflictOf(fn, names);
      if (conflict !== undefined) site.blockConflict = conflict;
    }
  }

  addSite(fn: AnyFunction, body: FunctionBody | Expression, name: string, aliases: string[], kind: FunctionKind, thisUnsafe: boolean, at: number,
    ids: BindingIdentifier[]): FunctionSite {
    const shape = shapeOf(fn, body, this.src);
    const site: FunctionSite = {
      name,
      aliases,
      kind,
      async: fn.async,
      generator: fn.generator,
      start: fn.start,
      end: fn.end,
      at,
      body: shape.body,
      prologueAt: shape.prologueAt,
      afterOpenDirective: shape.afterOpenDirective,
      anonymousBody: shape.anonymousBody,
      tailAt: shape.tailAt,
      params: shape.params,
      rest: shape.rest,
      usesArguments: false,
      thisUnsafe,
      endsInJump: shape.endsInJump,
      throwsAfterReturn: false,
      returns: [],
      // Each its own, as site-shape.ts's returnSite says why.
      paramsEnd: shape.paramsEnd,
      blockConflict: undefined,
      nameIds: undefined,
      anonymousIn: undefined,
      exportGetter: undefined,
    };
    if (ids.length > 0) site.nameIds = arrayMap(ids, (id) => ({ at: id.start, text: id.name }));
    if (this.#exportGetters.has(fn)) site.exportGetter = true;
    this.sites[this.sites.length] = site;
    return site;
  }

  /** The identifiers that name `value`: its own (when nothing else names it), or its variable's. */
  idsOf(value: AnyFunction | Class, name: string | null): BindingIdentifier[] {
    if (name === null && value.id) return [value.id];
    return this.#namer !== null && this.#namer.value === value ? [this.#namer.id] : [];
  }

  visitClass(cls: Class, name: string | null, scope: Scope): void {
    const classIds = this.idsOf(cls, name);
    const qualified = join(scope.prefix, name ?? (cls.id ? cls.id.name : 'anonymous'));
    const derived = cls.superClass != null;
    if (cls.superClass != null) this.visit(cls.superClass, scope, null);
    for (let i = 0; i < cls.body.body.length; i++) this.visitMember(cls.body.body[i], qualified, derived, classIds, scope);
  }

  visitMember(m: ClassElement, qualified: string, derived: boolean, classIds: BindingIdentifier[], scope: Scope): void {
    // A TypeScript index signature (`[key: string]: T`) has no key and no code.
    if (m.type === 'TSIndexSignature') return;
    if (m.type === 'StaticBlock') {
      this.visit(m, classScope(qualified), null);
      return;
    }
    for (let i = 0; i < m.decorators.length; i++) this.visit(m.decorators[i], scope, null);
    const key = keyName(m.key, m.computed, this.src);
    if (m.computed) this.visit(m.key, scope, null);
    if (m.type === 'MethodDefinition') {
      if (m.kind === 'constructor') this.visitFunction(m.value, `${qualified}.constructor`, [qualified], 'constructor', scope, derived, m.start, classIds);
      else if (m.static) this.visitFunction(m.value, `${qualified}.${key}`, [], m.kind, scope, false, m.start, classIds);
      else this.visitFunction(m.value, `${qualified}.prototype.${key}`, [`${qualified}.${key}`], m.kind, scope, false, m.start, classIds);
    } else if (m.value != null) {
      // A field: an arrow or function stored per instance (or on the class, if static).
      this.visit(m.value, classScope(qualified), `${qualified}.${key}`);
    }
  }

  visitObject(obj: ObjectExpression, name: string | null, scope: Scope): void {
    const prefix = name ?? scope.prefix;
    for (let i = 0; i < obj.properties.length; i++) {
      const p = obj.properties[i];
      if (p.type !== 'Property') {
        this.visit(p, scope, null);
        continue;
      }
      if (p.computed) this.visit(p.key, scope, null);
      const key = join(prefix, keyName(p.key, p.computed, this.src));
      const kind = p.kind === 'init' ? (p.method ? 'method' : null) : p.kind;
      if (kind !== null && isFunction(p.value)) this.visitFunction(p.value, key, [], kind, scope, false, p.start);
      else this.visit(p.value, scope, key);
    }
  }

  /** A module's default export that is a function or a class: `default`, or its own name with `default` as an alias. */
  visitDefault(v: AnyFunction | Class, scope: Scope): void {
    if (isFunction(v)) this.visitFunction(v, v.id ? join(scope.prefix, v.id.name) : 'default', v.id ? ['default'] : [], 'function', scope);
    else this.visitClass(v, v.id ? v.id.name : 'default', scope);
  }

  /** `module.exports = …`: the module's default export, or an object whose keys are its exports. */
  visitExportsRoot(v: Expression, scope: Scope): void {
    if (v.type === 'ObjectExpression') this.visitObject(v, null, scope);
    else if (isFunction(v) || v.type === 'ClassExpression') this.visitDefault(v, scope);
    else this.visit(v, scope, null);
  }

  /** esbuild's `__export(target, { name: () => name, … })`: its getters (FunctionSite.exportGetter). */
  noteExportGetters(call: CallExpression): void {
    const args = call.arguments;
    if (call.callee.type !== 'Identifier' || call.callee.name !== '__export' || args.length !== 2 || args[1].type !== 'ObjectExpression') return;
    const properties = args[1].properties;
    for (let i = 0; i < properties.length; i++) {
      const p = properties[i];
      if (p.type !== 'Property' || p.kind !== 'init') continue;
      const v = p.value;
      if (v.type === 'ArrowFunctionExpression' && v.params.length === 0 && v.expression && v.body.type === 'Identifier') this.#exportGetters.add(v);
    }
  }

  /** esbuild's keepNames (tsx): `__name(fn, "twice")` gives the function its name. False for any other call. */
  visitNamed(call: CallExpression, scope: Scope, name: string | null): boolean {
    const args = call.arguments;
    if (call.callee.type !== 'Identifier' || call.callee.name !== '__name' || args.length !== 2) return false;
    const label = args[1];
    if (label.type !== 'Literal' || typeof label.value !== 'string') return false;
    this.visit(args[0], scope, name ?? join(scope.prefix, label.value));
    return true;
  }
}

/** `eval` as a direct eval's callee: the name, in parentheses or behind TypeScript's `as` and `!` too (`(eval)(s)` is direct). */
function isEval(callee: Node): boolean {
  let c = callee;
  while (c.type === 'ParenthesizedExpression' || c.type === 'TSAsExpression' || c.type === 'TSSatisfiesExpression' || c.type === 'TSNonNullExpression' ||
    c.type === 'TSTypeAssertion') c = c.expression;
  return c.type === 'Identifier' && c.name === 'eval';
}

/** A body's top-level function declarations, labelled ones too (`l: function g(){}`); undefined when it has none. */
function topFunctions(statements: readonly Node[]): BodyNames | undefined {
  let names: BodyNames | undefined;
  for (let i = 0; i < statements.length; i++) {
    let st = statements[i];
    while (st.type === 'LabeledStatement') st = st.body;
    if (st.type !== 'FunctionDeclaration' || st.id == null) continue;
    names ??= { top: new SafeSet() as Set<Node>, functions: [], others: [], evals: false };
    names.top.add(st);
    names.functions[names.functions.length] = st.id.name;
  }
  return names;
}

/**
 * The name among a body's top-level function declarations that the body also declares otherwise:
 * a second time as a function, as a `var` or a function of a nested block anywhere in its own
 * scope, or as a parameter; or `eval` where the body calls it directly (a direct eval may declare
 * any name at run time). Undefined when none is.
 */
function blockConflictOf(fn: AnyFunction, names: BodyNames): string | undefined {
  const declared = names.others;
  for (let i = 0; i < fn.params.length; i++) patternNames(fn.params[i], declared);
  const seen = setOf(declared);
  for (let i = 0; i < names.functions.length; i++) {
    const name = names.functions[i];
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return names.evals ? EVAL_CONFLICT : undefined;
}

/**
 * Collect the function sites of a parsed module, in source order of their start. `skip: false`
 * walks every node, for the test that checks the skip changes nothing.
 */
export function findFunctions(program: Program, src: string, skip = true): FunctionSite[] {
  const walk = new FunctionWalk(src, skip ? marksOf(src) : null);
  walk.visit(program, classScope(''), null);
  walk.exports.addAliases(walk.sites);
  return numberAnonymous(ArrayPrototypeSort(walk.sites, (a, b) => a.start - b.start));
}

/**
 * Functions with no name of their own are told apart by their place among those of what they are
 * in, in source order: `handle.anonymous#1`, `handle.anonymous#2`, `anonymous#1` at the top.
 * Numbered in every one, so that adding a second callback does not rename the first.
 */
function numberAnonymous(sites: FunctionSite[]): FunctionSite[] {
  const seen = new SafeMap() as Map<string, number>;
  for (let i = 0; i < sites.length; i++) {
    const site = sites[i];
    const prefix = site.anonymousIn;
    if (prefix === undefined) continue;
    const n = (seen.get(prefix) ?? 0) + 1;
    seen.set(prefix, n);
    site.name = join(prefix, `${ANONYMOUS}#${n}`);
  }
  return sites;
}
