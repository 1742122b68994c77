// What the soak harnesses (soak-detach.mjs, soak-reentry.mjs) share: where jsprobe is, and their
// `--name value` options.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const JSPROBE = join(ROOT, 'build/src/cli/main.js');

/** The value after `--name` on the command line, or `fallback`. */
export function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
}
