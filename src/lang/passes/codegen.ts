// Pass 7: JavaScript for each probe's handler. It only generates: the passes before it refused
// every program it cannot generate, so what it assumes of the tree is theirs to check. Everything that can be is decided here, once: map
// slots become closure constants, keys are built inline, builtins become direct reads of the call
// (so that core's analysis sees exactly what a handler reads, and the clock is read only where
// `elapsed` is used). In safe mode, reads and conversions of the traced program's values go
// through the runtime (`$rt.get`, `$rt.p`, `$rt.str`), which never runs its code. In both modes a
// string read from the program (an argument, a field, a local…) or built by `+` goes through
// `$rt.s`, which cuts it to --max-strlen; the runtime's methods and formatter keep to it too.

import type { Expr, ProbeRef, Stmt } from '../ast.js';
import type { BlockInfo, PassContext } from './context.js';
import { STACK_DEPTH } from './scope.js';
import { funcOf } from '../../core/func-of.js';
import { isProgramValue } from './calls.js';

export interface CompiledHandler {
  probe: ProbeRef;
  /** JS source of an expression that, evaluated with `$rt` in scope, is the handler function. */
  source: string;
  /** The handler only counts: what it counts into (see Gen.counts). */
  counts?: CountsInto;
  /**
   * At a line probe: the program's variables the handler reads, each where it is first named, for
   * the command to check against the variables in scope at the line (cli/program-check.ts).
   */
  locals?: LocalRead[];
}

export interface LocalRead {
  name: string;
  at: number;
}

/** A handler that is one `@m[k] = count()` whose key is the same at every hit of a site. */
export interface CountsInto {
  map: number;
  /** JS source, evaluated as `source` is, of the function of a call that gives the key the handler adds 1 to. */
  key: string;
}

export interface Generated {
  handlers: CompiledHandler[];
}

const NO_COERCE = new Set(['===', '!==', '&&', '||', '??']);
/** Builtins that are always numbers, booleans or strings. */
const PRIMITIVE_BUILTINS = new Set(['elapsed', 'nsecs', 'tid', 'ctx', 'pid', 'threw', 'probe', 'func']);
/** Builtins that are the same at every hit of one site in one thread: a key of them is the site's. */
const SITE_BUILTINS = new Set(['tid', 'pid', 'probe', 'func']);

/** A tree the passes should have refused: a bug in jsprobe, not in the program. */
function unreachable(what: string): never {
  throw new Error(`jsprobe internal error: codegen met ${what}`);
}

class Gen {
  constructor(readonly ctx: PassContext, readonly info: BlockInfo, readonly probe: ProbeRef) {}

  get safe(): boolean {
    return this.ctx.options.unsafe !== true;
  }

  get callProbe(): boolean {
    return this.probe.kind === 'fn' || this.probe.kind === 'fnret' || this.probe.kind === 'line';
  }

  /** A profile probe's handler is given the sample (program/profile.ts): its top frame and its stack. */
  get sample(): boolean {
    return this.probe.kind === 'profile';
  }

  /** `ustack(depth)`: the stack at the hit, or at a profile probe the sampled one. */
  stack(depth: string | number): string {
    return `${this.sample ? '$c' : '$rt'}.stack(${depth})`;
  }

  /**
   * A function probe whose target is a pattern: `probe` and `func` name the function each call
   * is in, read from the call. Otherwise they are constants, and cost nothing per hit.
   */
  get perFunction(): boolean {
    return (this.probe.kind === 'fn' || this.probe.kind === 'fnret') && /[*?]/.test(this.probe.target);
  }

  /** Known at compile time to be a primitive: no need to convert it per hit. */
  primitive(e: Expr): boolean {
    if (e.type === 'num' || e.type === 'str') return true;
    if (e.type === 'ident') {
      const r = this.info.idents.get(e);
      return r?.kind === 'literal' || (r?.kind === 'builtin' && PRIMITIVE_BUILTINS.has(r.name));
    }
    if (e.type === 'unary') return true;
    if (e.type === 'binary') return !NO_COERCE.has(e.op);
    return false;
  }

  /** An operand that may be an object: in safe mode, made primitive without calling it. */
  prim(e: Expr): string {
    const js = this.expr(e);
    return this.safe && !this.primitive(e) ? `$rt.p(${js})` : js;
  }

  /** `args` itself: jsprobe's own array, which a plain index reads safely. */
  isArgs(e: Expr): boolean {
    return e.type === 'ident' && this.info.idents.get(e)?.kind === 'builtin' && e.name === 'args';
  }

  builtin(name: string): string {
    const argN = /^arg([0-9]+)$/.exec(name);
    if (argN !== null) return `$c.args[${argN[1]}]`;
    switch (name) {
      case 'args': return '$c.args';
      case 'retval': return '$c.retval';
      case 'error': return '$c.error';
      case 'threw': return '$c.threw';
      case 'elapsed': return '$c.elapsed';
      // The program's number for the thread, the same in every probe kind (a constant of the runtime).
      case 'tid': return '$rt.tid';
      case 'ctx': return '$rt.ctx()';
      case 'pid': return '$rt.pid';
      case 'nsecs': return '$rt.nsecs()';
      case 'probe': return this.perFunction ? '$probeName($c.target)' : JSON.stringify(this.probe.text);
      case 'func': return this.perFunction || this.sample ? '$c.func' : JSON.stringify(funcOf(this.probe.target));
      case 'stack':
      case 'ustack': return this.stack(STACK_DEPTH.default);
      default: return unreachable(`the builtin ${name}`);
    }
  }

  key(keys: Expr[]): string {
    if (keys.length === 0) return "''";
    if (keys.length === 1) return `$rt.key(${this.expr(keys[0])})`;
    return `$rt.keys([${keys.map((k) => this.expr(k)).join(', ')}])`;
  }

  mapRef(name: string): string {
    return `$m${this.ctx.maps.get(name)!.index}`;
  }

  /** A map entry's value; an entry not yet set is 0, as in bpftrace (aggregations read 0 already). */
  mapRead(name: string, key: string): string {
    const read = `${this.mapRef(name)}.get(${key})`;
    return this.ctx.maps.get(name)!.agg === 'value' ? `(${read} ?? 0)` : read;
  }

  /** `@m[k] op= v`: the key is computed once, and the entry starts from 0. */
  compoundMap(s: Extract<Stmt, { type: 'mapAssign' }>, op: string): string {
    const k = s.target.keys.length === 0 ? "''" : '$k';
    const old = this.mapRead(s.target.name, k);
    const value = `(${this.safe ? `$rt.p(${old})` : old} ${op} ${this.prim(s.value)})`;
    const set = `${this.mapRef(s.target.name)}.set(${k}, ${op === '+' ? `$rt.s${value}` : value});`;
    return k === '$k' ? `{ const $k = ${this.key(s.target.keys)}; ${set} }` : set;
  }

  /**
   * A read of the program's value (an argument, `this`, a local, a field), before the string bound:
   * what a member read reads from, so that `arg0.length` is the whole string's length. Anything
   * else as expr() gives it.
   */
  raw(e: Expr): string {
    if (e.type === 'this') return '$c.this';
    if (e.type === 'member') return this.member(e);
    if (e.type !== 'ident') return this.expr(e);
    const r = this.info.idents.get(e);
    if (r?.kind === 'local') return `$c.locals[${JSON.stringify(r.name)}]`;
    if (r?.kind === 'builtin' && isProgramValue(r.name)) return this.builtin(r.name);
    return this.expr(e);
  }

  member(e: Extract<Expr, { type: 'member' }>): string {
    const key = e.computed ? this.expr(e.property) : JSON.stringify((e.property as { value: string }).value);
    // `args[k]` too: a computed key could be a program object, which indexing would convert.
    if (this.safe && (!this.isArgs(e.object) || e.computed)) return `$rt.get(${this.raw(e.object)}, ${key})`;
    // --unsafe: an index into a string too long to read must not read it (agg/safe-strlen.ts).
    if (e.computed && !this.isArgs(e.object)) return `$rt.index(${this.raw(e.object)}, ${key})`;
    return `(${this.raw(e.object)})[${key}]`;
  }

  expr(e: Expr): string {
    switch (e.type) {
      case 'num':
        return Object.is(e.value, -0) ? '-0' : String(e.value);
      case 'str':
        return JSON.stringify(e.value);
      case 'this':
      case 'member':
        // Cut to --max-strlen as it is read.
        return `$rt.s(${this.raw(e)})`;
      case 'var':
        return `$v_${e.name}`;
      case 'ident': {
        const r = this.info.idents.get(e);
        if (r === undefined || r.kind === 'function') return unreachable(`the name ${e.name} as a value`);
        if (r.kind === 'literal') return r.js;
        if (r.kind === 'builtin') return isProgramValue(r.name) ? `$rt.s(${this.builtin(r.name)})` : this.builtin(r.name);
        if (r.kind === 'local') return `$rt.s(${this.raw(e)})`;
        return r.name;
      }
      case 'map':
        return this.mapRead(e.name, this.key(e.keys));
      case 'call':
        return this.call(e);
      case 'unary':
        if (e.op === '!' || e.op === 'typeof') return `(${e.op === '!' ? '!' : 'typeof '}${this.expr(e.arg)})`;
        return `(${e.op}${this.prim(e.arg)})`;
      case 'binary':
        if (NO_COERCE.has(e.op)) return `(${this.expr(e.left)} ${e.op} ${this.expr(e.right)})`;
        // `+` may join two strings, each within the bound: the result is cut back to it.
        return `${e.op === '+' ? '$rt.s' : ''}(${this.prim(e.left)} ${e.op} ${this.prim(e.right)})`;
      case 'cond':
        return `(${this.expr(e.test)} ? ${this.expr(e.then)} : ${this.expr(e.else)})`;
      case 'array':
        return `[${e.items.map((i) => this.expr(i)).join(', ')}]`;
    }
  }

  call(e: Extract<Expr, { type: 'call' }>): string {
    const args = e.args.map((a) => this.expr(a));
    const c = e.callee;
    // The calls pass lets str(), strftime() and ustack(N) be the only functions called for their value.
    if (c.type === 'ident' && this.info.idents.get(c)?.kind === 'function') {
      if (c.name === 'strftime') return `$rt.strftime(${args[0]}, ${this.prim(e.args[1])})`;
      if (c.name !== 'str') return this.stack(args[0] ?? STACK_DEPTH.default);
      return args.length > 1 ? `$rt.str(${args[0]}, ${args[1]})` : `$rt.str(${args[0]})`;
    }
    if (c.type === 'member' && !c.computed) {
      const method = (c.property as { value: string }).value;
      if (this.safe && c.object.type === 'ident' && c.object.name === 'Math') return `$rt.math(${JSON.stringify(method)}, [${args.join(', ')}])`;
      // The receiver as read: the runtime's method cuts it to the bound itself (and counts it once).
      if (this.safe) return `$rt.method(${this.raw(c.object)}, ${JSON.stringify(method)}, [${args.join(', ')}])`;
      // --unsafe: plain JavaScript on the receiver cut as read, whose result is cut once it is built (docs/cli.md).
      return `$rt.s((${this.expr(c.object)}).${method}(${args.join(', ')}))`;
    }
    // --unsafe, `o[k](...)`: called on `o` as `o.m()` is. The callee alone ($rt.index) would lose its receiver.
    if (c.type === 'member' && !this.safe) return `$rt.s((${this.expr(c.object)})[${this.expr(c.property)}](${args.join(', ')}))`;
    return `$rt.s((${this.raw(c)})(${args.join(', ')}))`;
  }

  statements(list: Stmt[]): string {
    return list.map((s) => this.statement(s)).join('\n');
  }

  statement(s: Stmt): string {
    switch (s.type) {
      case 'mapAssign': {
        const info = this.ctx.maps.get(s.target.name)!;
        const m = this.mapRef(s.target.name);
        if (s.op !== undefined) return this.compoundMap(s, s.op);
        const k = this.key(s.target.keys);
        if (info.agg === 'value') return `${m}.set(${k}, ${this.expr(s.value)});`;
        if (info.agg === 'count') return `${m}.add(${k}, 1);`;
        const call = s.value as Extract<Expr, { type: 'call' }>;
        return `${m}.add(${k}, $rt.n(${this.expr(call.args[0])}, ${JSON.stringify(info.agg)}));`;
      }
      case 'varAssign':
        if (s.op === undefined) return `$v_${s.name} = ${this.expr(s.value)};`;
        return `$v_${s.name} = ${this.expr({ type: 'binary', at: s.at, op: s.op, left: { type: 'var', at: s.at, name: s.name }, right: s.value })};`;
      case 'memberAssign': {
        const t = s.target;
        const key = t.computed ? this.expr(t.property) : JSON.stringify((t.property as { value: string }).value);
        return `(${this.expr(t.object)})[${key}] = ${this.expr(s.value)};`;
      }
      case 'if':
        return `if (${this.expr(s.test)}) {\n${this.statements(s.then)}\n}${s.else.length > 0 ? ` else {\n${this.statements(s.else)}\n}` : ''}`;
      case 'expr':
        return this.callStatement(s.expr as Extract<Expr, { type: 'call' }>);
    }
  }

  callStatement(e: Extract<Expr, { type: 'call' }>): string {
    const c = e.callee;
    const name = c.type === 'ident' && this.info.idents.get(c)?.kind === 'function' ? c.name : null;
    switch (name) {
      case 'printf': {
        const fmt = e.args[0] as Extract<Expr, { type: 'str' }>;
        return `$rt.printf(${JSON.stringify(fmt.value)}, [${e.args.slice(1).map((a) => this.expr(a)).join(', ')}]);`;
      }
      case 'print': {
        const first = e.args[0];
        if (first.type === 'map') {
          const rest = e.args.slice(1).map((a) => this.expr(a));
          return `$rt.print(${this.ctx.maps.get(first.name)!.index}, ${rest[0] ?? '0'}, ${rest[1] ?? '1'});`;
        }
        return `$rt.printValue(${this.expr(first)});`;
      }
      case 'clear':
        return `${this.mapRef((e.args[0] as { name: string }).name)}.clear();`;
      case 'delete': {
        const m = e.args[0] as Extract<Expr, { type: 'map' }>;
        return `${this.mapRef(m.name)}.delete(${this.key(m.keys)});`;
      }
      case 'exit':
        return '$rt.exit();';
      case 'table':
        return `$rt.table([${e.args.map((a) => this.ctx.maps.get((a as { name: string }).name)!.index).join(', ')}]);`;
      case 'detach':
        return '$rt.detach();';
      case 'pending': {
        const ms = e.args[0] as Extract<Expr, { type: 'num' }> | undefined;
        return `$rt.pending(${ms?.value ?? 0});`;
      }
      case 'time': {
        const fmt = e.args[0] as Extract<Expr, { type: 'str' }> | undefined;
        return `$rt.time(${fmt === undefined ? '"%H:%M:%S\\n"' : JSON.stringify(fmt.value)});`;
      }
      default:
        return `${this.call(e)};`;
    }
  }

  /** A key of literals and of what is the same at every hit of a site. */
  siteKey(e: Expr): boolean {
    if (e.type === 'num' || e.type === 'str') return true;
    if (e.type !== 'ident') return false;
    const r = this.info.idents.get(e);
    return r?.kind === 'literal' || (r?.kind === 'builtin' && SITE_BUILTINS.has(r.name));
  }

  /**
   * A function probe's block that is only `@m[k] = count()`, with no predicate and a key the same
   * at every hit of a site: the site runtime may count its hits in the map's entry itself, with no
   * handler call (core/counter.ts). The key function is the handler's own key expression.
   */
  counts(): CountsInto | undefined {
    const b = this.info.block;
    if ((this.probe.kind !== 'fn' && this.probe.kind !== 'fnret') || b.predicate !== null || this.info.vars.size > 0 || b.body.length !== 1) return undefined;
    const s = b.body[0];
    if (s.type !== 'mapAssign' || s.op !== undefined) return undefined;
    const info = this.ctx.maps.get(s.target.name)!;
    if (info.agg !== 'count' || !s.target.keys.every((k) => this.siteKey(k))) return undefined;
    const names = this.perFunction ? `const $probeName = $rt.probeNamer(${JSON.stringify(this.probe.kind)});\n` : '';
    return { map: info.index, key: `(() => {\n${names}return function ($c) {\nreturn ${this.key(s.target.keys)};\n};\n})()` };
  }

  handler(): string {
    const b = this.info.block;
    const vars = [...this.info.vars].map((v) => `$v_${v}`);
    const maps = [...this.ctx.maps.values()].map((m) => `$m${m.index} = $rt.maps[${m.index}]`);
    // The probe's kind is known here: each hit only looks its function's name up.
    if (this.perFunction) maps.push(`$probeName = $rt.probeNamer(${JSON.stringify(this.probe.kind)})`);
    const param = this.callProbe || this.sample ? '$c' : '';
    const body = [
      vars.length > 0 ? `let ${vars.join(', ')};` : '',
      b.predicate !== null ? `if (!(${this.expr(b.predicate)})) return;` : '',
      this.statements(b.body),
    ].filter(Boolean).join('\n');
    return `(() => {\n${maps.length > 0 ? `const ${maps.join(', ')};\n` : ''}return function (${param}) {\n${body}\n};\n})()`;
  }
}

export function codegenPass(ctx: PassContext): Generated {
  const handlers: CompiledHandler[] = [];
  for (const info of ctx.blocks) {
    for (const probe of info.block.probes) {
      const gen = new Gen(ctx, info, probe);
      const counts = gen.counts();
      const h: CompiledHandler = counts === undefined ? { probe, source: gen.handler() } : { probe, source: gen.handler(), counts };
      const locals = localReads(info);
      if (locals.length > 0) h.locals = locals;
      handlers.push(h);
    }
  }
  return { handlers };
}

/** The locals a block reads, each at its first mention. */
function localReads(info: BlockInfo): LocalRead[] {
  const first = new Map<string, number>();
  for (const [e, r] of info.idents) {
    if (r.kind !== 'local') continue;
    const at = first.get(r.name);
    if (at === undefined || e.at < at) first.set(r.name, e.at);
  }
  return [...first].map(([name, at]) => ({ name, at })).sort((a, b) => a.at - b.at);
}
