// The TracingChannel peer of bench:tsc: every function of a module instrumented the way
// orchestrion-style tools do it, its body moved into an arrow that `traceSync` (or
// `tracePromise`, for async functions) calls with a context object. Generators are left as they
// are (those tools do not trace them either). Uses jsprobe's own function finder, so both
// configurations instrument the same functions.

import { findFunctions } from '../../src/sites/rewrite/functions.js';
import { apply, closing, lineStarts, opening, type Insertion } from '../../src/sites/rewrite/insertions.js';
import { parse } from '../../src/sites/rewrite/instrument.js';

export interface TracedModule {
  code: string;
  functions: number;
}

export function traceEveryFunction(src: string, channelKey: string): TracedModule {
  const program = parse(src, 'script', 'traced.js');
  const sites = findFunctions(program, src).filter((s) => !s.generator);
  const out: Insertion[] = [];
  const ch = `globalThis[Symbol.for(${JSON.stringify(channelKey)})]`;
  for (const s of sites) {
    const trace = s.async ? 'tracePromise' : 'traceSync';
    const ctx = s.kind === 'arrow' || s.thisUnsafe ? '{}' : '{ self: this, arguments }';
    const head = `const $tcO = ${s.async ? 'async ' : ''}() => {`;
    const tail = `}; const $tcC = ${ch}; return $tcC.hasSubscribers ? $tcC.${trace}($tcO, ${ctx}) : $tcO();`;
    if (s.body.expression) {
      out.push(opening(s.body.start, `{${head}return (`, s.start));
      out.push(closing(s.body.end, `);${tail}}`, s.start));
    } else {
      out.push(opening(s.prologueAt, head, s.start));
      out.push(closing(s.body.end - 1, tail, s.start));
    }
  }
  return { code: apply(src, out, lineStarts(src)).code, functions: sites.length };
}
