// The instructions of a loop that a script brackets with two process.cpuUsage() calls, under
// valgrind's callgrind with V8 single-threaded: `--dump-before=uv_getrusage` makes callgrind write
// its counters at each call, so the loop is one dump. On this loaded VM a ns figure moves by 25%
// between runs; an instruction count does not.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Instructions between the two cpuUsage() calls of `script` (run by `node` with `args` before `-e`), per `per`. */
export function loopInstructions(node, args, script, per) {
  const out = mkdtempSync(join(tmpdir(), 'cg-loop-'));
  try {
    const r = spawnSync('valgrind', ['--tool=callgrind', '--dump-before=uv_getrusage', `--callgrind-out-file=${join(out, 'cg.out')}`,
      node, '--single-threaded', ...args, '-e', script], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    const dumps = readdirSync(out).filter((f) => /^cg\.out\.\d+$/.test(f)).sort((a, b) => Number(a.split('.')[2]) - Number(b.split('.')[2]));
    // Dump 1 ends at the first cpuUsage(); dump 2 is the loop.
    const text = readFileSync(join(out, dumps[1]), 'utf8');
    return Number(/^(?:summary|totals): (\d+)/m.exec(text)[1]) / per;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
