// CommonJS load sites: every module compiled through Module.prototype._compile (require, and
// import of CommonJS, and tsx's compiled .ts) is offered to the rewriter first.

import Module from 'node:module';
import { pathToFileURL } from 'node:url';
import { plan, rewrite } from './rewrite-module.js';
import type { Wanted } from './wanted.js';

type Compile = (this: Module, content: string, filename: string, format?: string) => unknown;

export function installCjsHook(wanted: () => readonly Wanted[], onError: (file: string, e: unknown) => void): void {
  const proto = Module.prototype as unknown as { _compile: Compile };
  const original = proto._compile;
  proto._compile = function jsprobeCompile(this: Module, content: string, filename: string, format?: string) {
    let code = content;
    try {
      const p = plan(filename, content, wanted());
      if (p !== null) code = rewrite(content, pathToFileURL(filename).href, filename, 'script', p).code;
    } catch (e) {
      // A module jsprobe cannot rewrite still loads as it is; its probes stay waiting, with a note.
      onError(filename, e);
      code = content;
    }
    return original.call(this, code, filename, format);
  };
}
