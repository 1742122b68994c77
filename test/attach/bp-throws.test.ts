// -p on a function that throws, on a breakpoint site (check() is held by no property, and
// --max-pause 200 leaves no room for a live patch of the fixture's heap, but room for a breakpoint): a throw passes none of its breakpoints, yet each
// thrown call ends, as thrown with its value not seen. Before, each stayed pending: fnret never
// counted a throw, and past maxActive the site would have missed every later call.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT } from '../cli/run.js';
import { jsprobe, stderrMatch } from './procs.js';
import { spawnTracked } from '../cli/tracked.js';

const FILE = 'test/fixtures/attach/throws.cjs';

test('-p, breakpoint site: 80 throws and 20 returns counted exactly, and 100 calls that only throw; a handler reading retval gets it', async () => {
  const env = { ...process.env, JSPROBE_CLIENT_TIMEOUT_MS: '120000' };
  const svc = spawnTracked(process.execPath, [FILE], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'], env });
  try {
    let out = '';
    const said = (s: string) => new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (out.includes(s)) resolve();
      };
      svc.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        check();
      });
      svc.once('exit', () => reject(new Error(`the service ended before saying ${s}: ${out}`)));
      check();
    });
    await said('\n');
    const { pid } = JSON.parse(out) as { pid: number };
    const cli = jsprobe(['-p', String(pid), '--max-pause', '200', '-e', [
      `fn:${FILE}:check { @in = count() }`,
      `fnret:${FILE}:check { @ret[threw] = count() }`,
      `fnret:${FILE}:check /threw/ { @err[error] = count() }`,
      `fnret:${FILE}:check /!threw/ { @rv = sum(retval) }`,
      `fnret:${FILE}:boom { @boom[threw] = count() }`,
    ].join('\n')]);
    await stderrMatch(cli, /Attached to \d+/);
    // The site's reason is said once, at its first probe; the return probes' lines point at it and add theirs.
    assert.match(cli.stderr(), /check: .*so it is a breakpoint site;/);
    assert.match(cli.stderr(), /fnret:\S+:check: as said for fn:\S+:check above;.*a throw ends the call with its value not seen/);
    // Its returns pause for retval: what a large returned string costs there is said at attach.
    assert.match(cli.stderr(), /fnret:\S+:check: its returns pause the thread to read retval, and the pause copies a returned string whole/);
    svc.stdin!.write('go\n');
    await said('done\n');
    cli.child.kill('SIGINT');
    const { code, out: maps, err } = await cli.done;
    assert.equal(code, 0, err);
    assert.match(maps, /^@in: 100$/m);
    assert.match(maps, /^@ret\[true\]: 80$/m);
    assert.match(maps, /^@ret\[false\]: 20$/m);
    assert.match(maps, /^@err\[<thrown, value not seen>\]: 80$/m);
    // 2 * (0 + 5 + ... + 95): the returns still pause to give their values, matched to their calls.
    assert.match(maps, /^@rv: 1900$/m);
    // A function that only throws has no return position: its site took entries alone, and its fnret counted nothing.
    assert.match(maps, /^@boom\[true\]: 100$/m);
  } finally {
    svc.kill();
  }
});
