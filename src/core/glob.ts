// Globs for target strings: `*` matches within a path segment, `**` across segments, `?` one
// character. Function names are matched with `*` spanning dots too: `Db.*` is all of Db.


import { StringPrototypeIndexOf } from './primordials.js';
/** `s` with RegExp's special characters escaped, by a loop: String.prototype.replace calls RegExp's Symbol.replace, which the program may have replaced. */
function escape(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += StringPrototypeIndexOf(SPECIAL, s[i]) >= 0 ? `\\${s[i]}` : s[i];
  return out;
}

const SPECIAL = '.+^${}()|[]\\';

export function hasGlob(s: string): boolean {
  return StringPrototypeIndexOf(s, '*') >= 0 || StringPrototypeIndexOf(s, '?') >= 0;
}

/** A path glob (with / separators) as a RegExp over absolute paths. */
export function pathGlob(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*' && glob[i + 1] === '*') {
      // `**/` matches zero or more directories
      if (glob[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += escape(ch);
  }
  return new RegExp(`^${re}$`);
}

/** A function-name glob: `*` matches anything, dots included. */
export function nameGlob(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((p) => p.split('?').map(escape).join('.')).join('.*')}$`);
}

/**
 * `glob` (absolute, / separators) and, where its literal part reaches through symlinks, the same
 * glob from that part's real path: Node loads a module by its real path (`lnk/p2.cjs` that links to
 * `prog.cjs` loads as prog.cjs; pnpm's `node_modules/foo` as `.pnpm/foo@1/…`), and a program may
 * still load one by the path as written (--preserve-symlinks), so both are kept, written first.
 * The literal part is the path before the first glob character, or the whole path of a literal
 * file; of it, the longest part that exists is resolved (a file may not be there yet). `realpath`
 * is passed in: the agent's first part (cli/child-watch.ts) requires Node's modules itself.
 */
export function withRealPath(glob: string, realpath: (path: string) => string): string[] {
  const parts = glob.split('/');
  const firstGlob = parts.findIndex(hasGlob);
  const literal = firstGlob < 0 ? parts.length : firstGlob;
  for (let n = literal; n > 1; n--) {
    let real: string;
    try {
      real = realpath(parts.slice(0, n).join('/')).replace(/\\/g, '/');
    } catch {
      continue;
    }
    const resolved = [real.replace(/\/$/, ''), ...parts.slice(n)].join('/');
    return resolved === glob ? [glob] : [glob, resolved];
  }
  return [glob];
}

/** One RegExp for several path globs: a path matches when any of them does. */
export function pathGlobs(globs: readonly string[]): RegExp {
  return globs.length === 1 ? pathGlob(globs[0]) : new RegExp(globs.map((g) => pathGlob(g).source).join('|'));
}
