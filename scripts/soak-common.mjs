// What the soak harnesses (soak-detach.mjs, soak-reentry.mjs) share: where jsprobe is, and their
// `--name value` options.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const JSPROBE = join(ROOT, 'build/src/cli/main.js');

/** The value after `--name` on the command line, or `fallback`. */
export function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
}

/**
 * One `jsprobe ...args` run under `node`: `onHit(cli)` once, when its output first matches `hit`
 * (it detaches there, with a SIGINT, now or later); killed after 60 s. Resolves once it has closed.
 */
export async function attachRun(node, args, hit, onHit) {
  const cli = spawn(node, [JSPROBE, ...args], { cwd: ROOT });
  let out = '';
  let err = '';
  let seen = false;
  cli.stderr.setEncoding('utf8').on('data', (d) => (err += d));
  cli.stdout.setEncoding('utf8').on('data', (d) => {
    out += d;
    if (!seen && hit.test(out)) {
      seen = true;
      onHit(cli);
    }
  });
  const timeout = setTimeout(() => cli.kill('SIGKILL'), 60_000);
  const code = await new Promise((resolve) => cli.once('close', resolve));
  clearTimeout(timeout);
  return { code, out, err, hit: seen };
}
