// A program's text → what the command registers: one ProbeSpec-to-be per probe (target, kind,
// handler source), the BEGIN/END/interval blocks, and the maps. Errors are ProgramErrors.

import type { ProbeRef, Stmt } from './ast.js';
import type { CountsInto } from './passes/codegen.js';
import { parse } from './parser.js';
import type { Aggregation, BlockInfo, CompileOptions, MapInfo } from './passes/context.js';
import { runPasses } from './passes/index.js';

export interface CompiledProbe {
  probe: ProbeRef;
  /** JS source of the handler (an expression, evaluated with `$rt` in scope). */
  source: string;
  /** The handler only counts, into this map by this key: the site runtime may count for it (program/counting.ts). */
  counts?: CountsInto;
}

export interface CompiledProgram {
  source: string;
  maps: MapInfo[];
  /** fn:, fnret: and line: probes. */
  probes: CompiledProbe[];
  begin: CompiledProbe[];
  end: CompiledProbe[];
  intervals: CompiledProbe[];
  /** Some probe reads `ctx`: the runtime tracks async chains (program/ctx.ts), which costs the program. */
  usesCtx: boolean;
  /** Some block calls pending(): return probes keep each call's arguments from its entry, to list them. */
  usesPending: boolean;
  /** profile:hz:N probes: their handlers run once per sampled stack. */
  profiles: CompiledProbe[];
}

export function compile(source: string, options: CompileOptions = {}): CompiledProgram {
  const program = parse(source);
  const { ctx, generated } = runPasses(program, options);
  const of = (...kinds: string[]) => generated.handlers.filter((h) => kinds.includes(h.probe.kind));
  return {
    source,
    maps: [...ctx.maps.values()].sort((a, b) => a.index - b.index),
    probes: of('fn', 'fnret', 'line'),
    begin: of('BEGIN'),
    end: of('END'),
    intervals: of('interval'),
    usesCtx: ctx.blocks.some((b) => [...b.idents.values()].some((r) => r.kind === 'builtin' && r.name === 'ctx')),
    profiles: of('profile'),
    usesPending: ctx.blocks.some((b) => calls(b.block.body, 'pending', b)),
  };
}

/** Some statement of `list` (inside an if too) calls the language's function `name`. */
function calls(list: Stmt[], name: string, info: BlockInfo): boolean {
  return list.some((s) => (s.type === 'if' ? calls(s.then, name, info) || calls(s.else, name, info)
    : s.type === 'expr' && s.expr.type === 'call' && s.expr.callee.type === 'ident' && s.expr.callee.name === name
      && info.idents.get(s.expr.callee)?.kind === 'function'));
}

export type { Aggregation, CompileOptions, MapInfo };
export { ProgramError, isProgramError } from './errors.js';
