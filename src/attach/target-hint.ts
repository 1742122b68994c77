// What to add when a probe matches nothing loaded in an attached process: a relative path in a
// target is taken from the process's working directory, which is often not the user's shell's.
// When the same path from jsprobe's own directory is a file, that is most likely what was meant.

import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseTarget } from '../targets/parse.js';
import { cwdOf } from './procfs.js';

/** '' or a hint, for probe `text` (`fnret:TARGET`) on `target` that matched nothing in process `pid`. */
export function relativePathHint(pid: number, text: string, target: string, here = process.cwd()): string {
  let file: string;
  try {
    const ref = parseTarget(target);
    if (ref.kind === 'export') return '';
    file = ref.file;
  } catch {
    return '';
  }
  if (isAbsolute(file)) return '';
  const cwd = cwdOf(pid);
  if (cwd === null || cwd === here) return '';
  const mine = resolve(here, file);
  const meant = !/[*?[{]/.test(file) && existsSync(mine) ? `; did you mean ${text.replace(file, mine)}?` : '';
  return ` (a relative path is from the process's working directory, ${cwd})${meant}`;
}
