// oxc-parser's native binding, loaded without oxc's JavaScript where the platform's package can be
// named here. A process's first parse may come after the program has started, and oxc's
// bindings.js, as it loads, picks its binary with String.prototype.includes and
// Array.prototype.push as the program has them then (and its index.js freezes its tables with
// Object.freeze). Elsewhere (another platform, a binary built in place), bindings.js as before.

import { createRequire } from 'node:module';
import type { ParserOptions } from 'oxc-parser';

export interface OxcError {
  message: string;
  labels: { start: number }[];
}

/** What jsprobe calls of the binding: the parse that hands the AST over as JSON text. */
export interface Binding {
  parseSync(filename: string, src: string, options: ParserOptions): { program: string; errors: OxcError[] };
}

/** The binding packages oxc-parser depends on for this platform, in the order its bindings.js tries them; null where not listed. */
function packages(platform: string, arch: string): string[] | null {
  const at = (suffix: string): string => `@oxc-parser/binding-${platform}-${suffix}`;
  if (platform === 'linux') return arch === 'arm' ? [at('arm-gnueabihf'), at('arm-musleabihf')] : [at(`${arch}-gnu`), at(`${arch}-musl`)];
  if (platform === 'darwin') return [at('universal'), at(arch)];
  if (platform === 'win32') return [at(`${arch}-msvc`)];
  if (platform === 'freebsd') return [at(arch)];
  return null;
}

export function loadBinding(): Binding {
  const require = createRequire(import.meta.url);
  const names = packages(process.platform, process.arch);
  if (names !== null) {
    // From oxc-parser's own directory: its optional dependency may sit under it rather than beside it.
    const fromOxc = createRequire(require.resolve('oxc-parser/package.json'));
    for (let i = 0; i < names.length; i++) {
      try {
        return fromOxc(names[i]) as Binding;
      } catch {
        // Not installed (another libc's), or not loadable here: the next.
      }
    }
  }
  return require('oxc-parser/src-js/bindings') as Binding;
}
