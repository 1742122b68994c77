// The functions of a source map's original sources, parsed as they are (TypeScript included), by
// position: a bundle's function takes the name its source gives it, the name `-l` lists, not the
// bundler's (`_Tokenizer.prototype.space`, not `y.prototype.space`).

import { findFunctions, type FunctionSite } from './functions.js';
import { lineStarts } from './insertions.js';
import { parse } from './instrument.js';

export interface OriginalFunction {
  name: string;
  aliases: string[];
}

interface Parsed {
  starts: number[];
  fns: FunctionSite[];
}

/** `read(source)`: the text and path of source `source` of the map, or null when it cannot be had. */
export class OriginalFunctions {
  readonly #parsed = new Map<number, Parsed | null>();

  constructor(private readonly read: (source: number) => { text: string; path: string } | null) {}

  #parse(source: number): Parsed | null {
    let p = this.#parsed.get(source);
    if (p !== undefined) return p;
    p = null;
    const got = this.read(source);
    if (got !== null) {
      const ts = /\.[cm]?tsx?$/.test(got.path);
      for (const format of ts ? (['module'] as const) : (['module', 'script'] as const)) {
        try {
          p = { starts: lineStarts(got.text), fns: findFunctions(parse(got.text, format, got.path, ts ? 'ts' : 'js'), got.text) };
          break;
        } catch {
          // Not this format (CommonJS with a top-level return), or not parseable at all: bundle names stay.
        }
      }
    }
    this.#parsed.set(source, p);
    return p;
  }

  /**
   * The function of source `source` whose head holds (1-based) `line`, `column`: from a method's
   * modifiers or key, or the function's own start, to its body (a bundle maps an arrow by its
   * parameter, a method by its key without the modifiers it dropped). Nothing in a body: that
   * belongs to code the bundler made, which the source does not name.
   */
  at(source: number, line: number, column: number): OriginalFunction | undefined {
    const p = this.#parse(source);
    if (p === null || line < 1 || line > p.starts.length) return undefined;
    const offset = p.starts[line - 1] + column;
    let best: FunctionSite | undefined;
    for (const f of p.fns) {
      const from = Math.min(f.at, f.start);
      if (offset < from || offset >= Math.max(f.body.start, from + 1)) continue;
      // A function in a default parameter value has its head inside another's: the innermost wins.
      if (best === undefined || from >= Math.min(best.at, best.start)) best = f;
    }
    return best === undefined ? undefined : { name: best.name, aliases: best.aliases };
  }

}
