// Every function of a module, with the name a target string uses for it (`Db.prototype.query`,
// `outer.inner`, `default`), the kind of call it makes, its parameters and its return statements:
// what the instrumenter needs to give it a probe site.

import { forEachChild, isFunction, isNode, type Node } from './estree.js';

export type FunctionKind = 'function' | 'arrow' | 'method' | 'get' | 'set' | 'constructor';

export interface ReturnSite {
  /** Offset of the `return` keyword. */
  start: number;
  /** The returned expression's range; absent for a bare `return`. */
  arg?: { start: number; end: number };
  /** The returned expression's text when it is a name (not `arguments`), `this` or a literal: reading it twice is reading it once in each branch. */
  simple?: string;
  /** The returned expression is an anonymous function or class, which `$jpV=(x)` would name `$jpV`. */
  anonymous?: true;
}

export interface FunctionSite {
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
  /** The body reads `arguments` itself. */
  usesArguments: boolean;
  /** `this` may not be read at entry: a derived class constructor before super(), or an arrow in one. */
  thisUnsafe: boolean;
  /** The block body's last statement is a return or throw: the end is never reached. */
  endsInJump: boolean;
  /** The body has a `try` with a `finally` of its own (nested functions' do not count). */
  hasFinally: boolean;
  /**
   * Identifiers whose text is a segment of the name (the function's own, its variable's, its
   * class's): where a source map says a bundler renamed one (`query` to `query2`), the original
   * gives the function another name (see instrument's origin).
   */
  nameIds?: { at: number; text: string }[];
  returns: ReturnSite[];
}

interface Scope {
  prefix: string;
  /** Inside a derived class constructor: `this` is unusable until super() returns. */
  derivedCtor: boolean;
  /** The function whose returns the walk is collecting, if any. */
  fn: FunctionSite | null;
  /** The nearest non-arrow function: an `arguments` inside an arrow is that function's. */
  argsOwner: FunctionSite | null;
}

/**
 * A name (not `arguments`), `this` or a literal other than a regular expression: an expression
 * the site can write twice, once in each branch of a conditional, so that it is read once. A
 * string's text is copied, so it must not hold a line terminator (a `\` line continuation, or a
 * raw U+2028/U+2029, which V8 counts as a new line): lines would move.
 */
function isSimple(n: Node, src: string): boolean {
  if (n.type === 'Identifier') return n.name !== 'arguments';
  if (n.type === 'ThisExpression') return true;
  if (n.type !== 'Literal' || ('regex' in n && n.regex != null)) return false;
  return typeof n.value !== 'string' || !/[\\\n\r\u2028\u2029]/.test(src.slice(n.start, n.end));
}

/**
 * Text that every expression holding something the walk collects must contain: a function
 * (`function`, `=>`, a method's or getter's `{`), a class, an object literal (`{`), a read of
 * `arguments`, an assignment (`a.b = f` also names f `a.b`; `module.exports = …`), esbuild's
 * `__name`, or an escape (`\u0061rguments`). A string or comment that holds one only costs a
 * needless visit. Statements are always visited: a `return` holds none of these.
 */
const MARK = /[{\\]|=>|(?<![=!<>])=(?!=)|function|class|arguments|__name/g;

/** Expressions the walk may skip whole when their text holds no MARK. */
const SKIPPABLE = new Set([
  'CallExpression', 'NewExpression', 'MemberExpression', 'BinaryExpression', 'LogicalExpression',
  'ConditionalExpression', 'UnaryExpression', 'UpdateExpression', 'AssignmentExpression',
  'SequenceExpression', 'ArrayExpression', 'TemplateLiteral', 'TaggedTemplateExpression',
  'ParenthesizedExpression', 'ChainExpression', 'AwaitExpression', 'YieldExpression',
  'SpreadElement', 'ArrayPattern', 'AssignmentPattern',
]);

/** Whether `src[start, end)` holds a mark; `marks` are MARK's offsets in order. */
function marked(marks: Int32Array, start: number, end: number): boolean {
  let lo = 0;
  let hi = marks.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (marks[mid] < start) lo = mid + 1;
    else hi = mid;
  }
  return lo < marks.length && marks[lo] < end;
}

function marksOf(src: string): Int32Array {
  const at: number[] = [];
  MARK.lastIndex = 0;
  for (let m = MARK.exec(src); m !== null; m = MARK.exec(src)) at.push(m.index);
  return Int32Array.from(at);
}

/** An anonymous function or class, maybe in parentheses: assigning it to a name would name it. */
function isAnonymous(n: Node): boolean {
  while (n.type === 'ParenthesizedExpression') n = n.expression as Node;
  if (n.type === 'ArrowFunctionExpression') return true;
  return (n.type === 'FunctionExpression' || n.type === 'ClassExpression') && n.id == null;
}

function keyName(key: Node, computed: boolean, src: string): string {
  if (!computed) {
    if (key.type === 'Identifier') return key.name as string;
    if (key.type === 'PrivateIdentifier') return `#${key.name as string}`;
    if (key.type === 'Literal') return String(key.value);
  }
  return `[${src.slice(key.start, key.end)}]`;
}

/** `a.b.c` for a non-computed member chain; `module.exports.x` and `exports.x` lose their prefix. */
function chainName(n: Node): string | null {
  if (n.type === 'Identifier') return n.name as string;
  if (n.type === 'ThisExpression') return 'this';
  if (n.type === 'MemberExpression' && !n.computed) {
    const obj = chainName(n.object as Node);
    const prop = n.property as Node;
    const p = prop.type === 'PrivateIdentifier' ? `#${prop.name as string}` : (prop.name as string);
    if (obj === null || p === undefined) return null;
    const full = `${obj}.${p}`;
    if (full.startsWith('module.exports.')) return full.slice('module.exports.'.length);
    if (full.startsWith('exports.')) return full.slice('exports.'.length);
    return full;
  }
  return null;
}

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

function paramInfo(params: Node[]): { params: (string | null)[]; rest: string | null } {
  const out: (string | null)[] = [];
  let rest: string | null = null;
  for (const p of params) {
    if (p.type === 'Identifier') out.push(p.name as string);
    else if (p.type === 'AssignmentPattern' && (p.left as Node).type === 'Identifier') out.push((p.left as Node).name as string);
    else if (p.type === 'RestElement') {
      const arg = p.argument as Node;
      rest = arg.type === 'Identifier' ? (arg.name as string) : null;
      if (rest === null) out.push(null);
    } else out.push(null);
  }
  return { params: out, rest };
}

/**
 * The range of an arrow's expression body including the parentheses around it, which ESTree
 * leaves out: `x => (a, b)` must become `x => {…return(a, b)…}`, not `x => ({…`.
 */
function arrowBodyRange(fn: Node, body: Node, src: string): { start: number; end: number } {
  const arrow = src.lastIndexOf('=>', body.start);
  const between = src.slice(arrow + 2, body.start).replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '');
  let parens = 0;
  for (const ch of between) if (ch === '(') parens++;
  if (parens === 0 || arrow < fn.start) return { start: body.start, end: body.end };
  const start = src.indexOf('(', arrow + 2);
  let end = body.end;
  let closed = 0;
  const skip = /\s+|\/\*[\s\S]*?\*\/|\/\/[^\n]*/y;
  while (closed < parens) {
    skip.lastIndex = end;
    if (skip.exec(src) !== null) end = skip.lastIndex;
    else if (src[end] === ')') {
      end++;
      closed++;
    } else break;
  }
  return { start, end };
}

function prologueOffset(body: Node): number {
  let at = body.start + 1;
  for (const s of body.body as Node[]) {
    if (s.type === 'ExpressionStatement' && typeof s.directive === 'string') at = s.end;
    else break;
  }
  return at;
}

/**
 * Collect the function sites of a parsed module, in source order of their start. `skip: false`
 * walks every node, for the test that checks the skip changes nothing.
 */
export function findFunctions(program: Node, src: string, skip = true): FunctionSite[] {
  const sites: FunctionSite[] = [];
  /** Local name → the names it is exported under (`export { total as default }`, `exports.x = f`). */
  const exportedAs = new Map<string, string[]>();
  const exportAs = (local: string, exported: string): void => {
    if (local === exported) return;
    const list = exportedAs.get(local);
    if (list === undefined) exportedAs.set(local, [exported]);
    else list.push(exported);
  };

  function makeSite(fn: Node, name: string, aliases: string[], kind: FunctionKind, scope: Scope, derived: boolean, at: number, ids: Node[]): FunctionSite {
    const body = fn.body as Node;
    const expression = body.type !== 'BlockStatement';
    const range = expression ? arrowBodyRange(fn, body, src) : { start: body.start, end: body.end };
    const stmts = expression ? [] : (body.body as Node[]);
    const last = stmts[stmts.length - 1];
    const { params, rest } = paramInfo(fn.params as Node[]);
    const site: FunctionSite = {
      name,
      aliases,
      kind,
      async: fn.async === true,
      generator: fn.generator === true,
      start: fn.start,
      end: fn.end,
      at,
      body: { start: range.start, end: range.end, expression },
      prologueAt: expression ? range.start : prologueOffset(body),
      afterOpenDirective: !expression && prologueOffset(body) > body.start + 1 && src[prologueOffset(body) - 1] !== ';',
      anonymousBody: expression && isAnonymous(body),
      tailAt: expression ? range.end : Math.max(prologueOffset(body), last?.end ?? 0),
      params,
      rest,
      usesArguments: false,
      thisUnsafe: (kind === 'constructor' && derived) || (kind === 'arrow' && scope.derivedCtor),
      endsInJump: last !== undefined && (last.type === 'ReturnStatement' || last.type === 'ThrowStatement'),
      hasFinally: false,
      returns: [],
    };
    if (ids.length > 0) site.nameIds = ids.map((id) => ({ at: id.start, text: id.name as string }));
    sites.push(site);
    return site;
  }

  /** The declaration that names the value visited next (`const f = () => …`): its identifier. */
  let namer: { value: Node; id: Node } | null = null;

  /** The identifiers that name `value`: its own (when nothing else names it), or its variable's. */
  function idsOf(value: Node, name: string | null): Node[] {
    const own = value.id as Node | null | undefined;
    if (name === null && own) return [own];
    return namer !== null && namer.value === value ? [namer.id] : [];
  }

  /** A function value, named by where it stands. */
  function visitFunction(fn: Node, name: string | null, aliases: string[], kind: FunctionKind, scope: Scope, derived = false, at = fn.start, classIds: Node[] = []): void {
    // TypeScript's bodiless functions (overload signatures, abstract methods, declarations) are types, not code.
    if (fn.body === null || fn.body === undefined) return;
    const own = fn.id as Node | null | undefined;
    const base = name ?? (own ? join(scope.prefix, own.name as string) : null);
    const siteName = base ?? join(scope.prefix, 'anonymous');
    const k: FunctionKind = fn.type === 'ArrowFunctionExpression' ? 'arrow' : kind;
    const site = makeSite(fn, siteName, aliases, k, scope, derived, at, [...classIds, ...idsOf(fn, name)]);
    // Anonymous functions (callbacks, IIFEs) do not add to the names of what they contain.
    const inner: Scope = {
      prefix: base ?? scope.prefix,
      derivedCtor: k === 'arrow' ? scope.derivedCtor : derived,
      fn: site,
      argsOwner: k === 'arrow' ? scope.argsOwner : site,
    };
    for (const p of fn.params as Node[]) visit(p, inner, null);
    visit(fn.body as Node, inner, null);
  }

  function visitClass(cls: Node, name: string | null, scope: Scope): void {
    const own = cls.id as Node | null | undefined;
    const classIds = idsOf(cls, name);
    const clsName = name ?? (own ? (own.name as string) : 'anonymous');
    const qualified = join(scope.prefix, clsName);
    const derived = cls.superClass !== null && cls.superClass !== undefined;
    if (isNode(cls.superClass)) visit(cls.superClass, scope, null);
    for (const m of (cls.body as Node).body as Node[]) {
      if (Array.isArray(m.decorators)) for (const d of m.decorators as Node[]) visit(d, scope, null);
      if (m.type === 'StaticBlock') {
        visit(m, { prefix: qualified, derivedCtor: false, fn: null, argsOwner: null }, null);
        continue;
      }
      // A TypeScript index signature (`[key: string]: T`) has no key and no code.
      if (!isNode(m.key)) continue;
      const key = keyName(m.key, m.computed === true, src);
      if (m.computed === true) visit(m.key as Node, scope, null);
      const value = m.value as Node | null;
      if (value === null || value === undefined) continue;
      const isStatic = m.static === true;
      const where = isStatic ? qualified : `${qualified}.prototype`;
      if (m.type === 'MethodDefinition') {
        const kind = m.kind as string;
        if (kind === 'constructor') visitFunction(value, `${qualified}.constructor`, [qualified], 'constructor', scope, derived, m.start, classIds);
        else visitFunction(value, `${where}.${key}`, isStatic ? [] : [`${qualified}.${key}`], kind === 'get' ? 'get' : kind === 'set' ? 'set' : 'method', scope, false, m.start, classIds);
      } else {
        // A field: an arrow or function stored per instance (or on the class, if static).
        visit(value, { prefix: qualified, derivedCtor: false, fn: null, argsOwner: null }, `${qualified}.${key}`);
      }
    }
  }

  function visitObject(obj: Node, name: string | null, scope: Scope): void {
    const prefix = name ?? scope.prefix;
    for (const p of obj.properties as Node[]) {
      if (p.type !== 'Property') {
        visit(p, scope, null);
        continue;
      }
      if (p.computed === true) visit(p.key as Node, scope, null);
      const key = keyName(p.key as Node, p.computed === true, src);
      const value = p.value as Node;
      const kind = p.kind as string;
      if (kind === 'get' || kind === 'set') visitFunction(value, join(prefix, key), [], kind, scope, false, p.start);
      else if (p.method === true) visitFunction(value, join(prefix, key), [], 'method', scope, false, p.start);
      else visit(value, scope, join(prefix, key));
    }
  }

  /** `module.exports = …`: the module's default export, or an object whose keys are its exports. */
  function visitExportsRoot(v: Node, scope: Scope): void {
    const own = v.id as Node | null | undefined;
    if (v.type === 'ObjectExpression') visitObject(v, null, scope);
    else if (isFunction(v)) visitFunction(v, own ? join(scope.prefix, own.name as string) : 'default', own ? ['default'] : [], 'function', scope);
    else if (v.type === 'ClassExpression') visitClass(v, own ? (own.name as string) : 'default', scope);
    else visit(v, scope, null);
  }

  const marks = skip ? marksOf(src) : new Int32Array(0);
  const visitChild = (c: Node, scope: Scope): void => visit(c, scope, null);

  /** Visit `n`; `name` is what to call it if it is a function, class or object literal. */
  function visit(n: Node, scope: Scope, name: string | null): void {
    // Most of a bundle is expressions with nothing to collect: skipping them halves the walk.
    if (skip && SKIPPABLE.has(n.type) && !marked(marks, n.start, n.end)) return;
    switch (n.type) {
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        visitFunction(n, name, [], 'function', scope);
        return;
      case 'ClassDeclaration':
      case 'ClassExpression':
        visitClass(n, name, scope);
        return;
      case 'ObjectExpression':
        visitObject(n, name, scope);
        return;
      case 'VariableDeclarator': {
        const id = n.id as Node;
        visit(id, scope, null);
        if (isNode(n.init)) {
          if (id.type === 'Identifier') namer = { value: n.init, id };
          visit(n.init, scope, id.type === 'Identifier' ? join(scope.prefix, id.name as string) : null);
          namer = null;
        }
        return;
      }
      case 'AssignmentExpression': {
        visit(n.left as Node, scope, null);
        const chain = chainName(n.left as Node);
        const right = n.right as Node;
        if (right.type === 'Identifier' && chain !== null && scope.prefix === '') {
          exportAs(right.name as string, chain === 'module.exports' || chain === 'exports' ? 'default' : chain);
        }
        if (chain === 'module.exports' || chain === 'exports') visitExportsRoot(n.right as Node, scope);
        else visit(n.right as Node, scope, chain === null ? null : join(scope.prefix, chain));
        return;
      }
      case 'ExportNamedDeclaration':
        if (isNode(n.declaration)) visit(n.declaration, scope, null);
        if (n.source === null || n.source === undefined) {
          for (const sp of (n.specifiers as Node[] | undefined) ?? []) {
            const local = sp.local as Node;
            const exported = sp.exported as Node;
            if (local.type === 'Identifier') exportAs(local.name as string, exported.type === 'Identifier' ? (exported.name as string) : String(exported.value));
          }
        }
        return;
      case 'ExportDefaultDeclaration': {
        const d = n.declaration as Node;
        if (d.type === 'Identifier') exportAs(d.name as string, 'default');
        if (isFunction(d) || d.type === 'ClassDeclaration' || d.type === 'ClassExpression') {
          const own = d.id as Node | null | undefined;
          if (isFunction(d)) visitFunction(d, own ? join(scope.prefix, own.name as string) : 'default', own ? ['default'] : [], 'function', scope);
          else visitClass(d, own ? (own.name as string) : 'default', scope);
        } else {
          visit(d, scope, 'default');
        }
        return;
      }
      case 'ParenthesizedExpression':
        visit(n.expression as Node, scope, name);
        return;
      case 'CallExpression': {
        // esbuild's keepNames (tsx): `__name(fn, "twice")` gives the function its name.
        const callee = n.callee as Node;
        const args = n.arguments as Node[];
        if (callee.type === 'Identifier' && callee.name === '__name' && args.length === 2 && args[1].type === 'Literal' && typeof args[1].value === 'string') {
          visit(args[0], scope, name ?? join(scope.prefix, args[1].value));
          return;
        }
        forEachChild(n, visitChild, scope);
        return;
      }
      case 'ReturnStatement':
        if (scope.fn !== null) {
          const arg = n.argument as Node | null;
          if (arg === null) scope.fn.returns.push({ start: n.start });
          else {
            const r: ReturnSite = { start: n.start, arg: { start: arg.start, end: arg.end } };
            if (isSimple(arg, src)) r.simple = src.slice(arg.start, arg.end);
            if (isAnonymous(arg)) r.anonymous = true;
            scope.fn.returns.push(r);
          }
        }
        if (isNode(n.argument)) visit(n.argument, scope, null);
        return;
      case 'TryStatement':
        if (scope.fn !== null && isNode(n.finalizer)) scope.fn.hasFinally = true;
        forEachChild(n, visitChild, scope);
        return;
      case 'Identifier':
        if (n.name === 'arguments' && scope.argsOwner !== null) scope.argsOwner.usesArguments = true;
        return;
      case 'Property':
        // Only reached for patterns (object literals go through visitObject).
        if (n.computed === true) visit(n.key as Node, scope, null);
        visit(n.value as Node, scope, null);
        return;
      case 'MemberExpression':
        visit(n.object as Node, scope, null);
        if (n.computed === true) visit(n.property as Node, scope, null);
        return;
      default:
        forEachChild(n, visitChild, scope);
    }
  }

  visit(program, { prefix: '', derivedCtor: false, fn: null, argsOwner: null }, null);
  // Names a function is exported under match it too: `total` exported as `default`, and
  // `Store.prototype.add` as `S.prototype.add` for `export { Store as S }`.
  if (exportedAs.size > 0) {
    for (const site of sites) {
      const dot = site.name.indexOf('.');
      const head = dot < 0 ? site.name : site.name.slice(0, dot);
      const tail = dot < 0 ? '' : site.name.slice(dot);
      for (const e of exportedAs.get(head) ?? []) {
        site.aliases.push(`${e}${tail}`);
        for (const a of site.aliases.filter((x) => x.startsWith(`${head}.`))) site.aliases.push(`${e}${a.slice(head.length)}`);
      }
    }
  }
  return sites.sort((a, b) => a.start - b.start);
}
