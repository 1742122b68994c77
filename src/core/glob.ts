// Globs for target strings: `*` matches within a path segment, `**` across segments, `?` one
// character. Function names are matched with `*` spanning dots too: `Db.*` is all of Db.

function escape(s: string): string {
  return s.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}

export function hasGlob(s: string): boolean {
  return /[*?]/.test(s);
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
