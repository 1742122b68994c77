// -p on a hot function, on a breakpoint site over its ceiling (JSPROBE_BREAKPOINT_RATE=5 in the
// target, and no live edit, which Node 20 and 22 would make): the hit that passes the ceiling takes the site's breakpoints out for a second, so the
// thousand calls of one loop do not each pay V8's condition (before, every one did: hits counted
// 1000, 995 of them missed), and the command says how many hits were missed and how long the
// site was off, at the end and while it runs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { ROOT } from '../cli/run.js';
import { jsprobe, stderrMatch } from './procs.js';

const FILE = 'test/fixtures/attach/hot-loop.cjs';

test('-p, breakpoint site over its ceiling: its breakpoints come out, the loop\'s hits past it are not evaluated, and the misses are said', async () => {
  const svc = spawn(process.execPath, [FILE], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, JSPROBE_BREAKPOINT_RATE: '5', JSPROBE_LIVE_EDIT: '0', JSPROBE_CLIENT_TIMEOUT_MS: '120000' },
  });
  try {
    let out = '';
    svc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    const said = (re: RegExp) => new Promise<RegExpExecArray>((resolve, reject) => {
      const check = (): void => {
        const m = re.exec(out);
        if (m !== null) resolve(m);
      };
      svc.stdout!.on('data', check);
      svc.once('exit', () => reject(new Error(`the service ended before saying ${re}: ${out}`)));
      check();
    });
    await said(/\n/);
    const { pid } = JSON.parse(out.slice(0, out.indexOf('\n'))) as { pid: number };
    const cli = jsprobe(['-p', String(pid), '-e', `fn:${FILE}:tick { @n = count() }`]);
    await stderrMatch(cli, /Attached to \d+/);
    svc.stdin!.write('go 1000\n');
    await said(/done 1000 /);
    // Said while it runs, once the loop has left the stack.
    const running = /tick: its breakpoint site passed its ceiling \(JSPROBE_BREAKPOINT_RATE, 5 hits a second, or 50 ms of [^)]*\): off for 1000 ms/;
    await stderrMatch(cli, running);
    cli.child.kill('SIGINT');
    const { code, out: maps, err } = await cli.done;
    assert.equal(code, 0, err);
    const n = Number(/^@n: (\d+)$/m.exec(maps)?.[1]);
    const m = new RegExp(`^jsprobe: fn:${FILE}:tick: (\\d+) of its (\\d+) hits missed` +
      ', over the ceiling of a breakpoint site \\(JSPROBE_BREAKPOINT_RATE, 5 hits a second, or 50 ms of the thread\'s time a second\\); ' +
      'its breakpoint site was off (\\d+) times?, (\\d+) ms in all, hits then not seen: its counts are lower bounds$', 'm')
      .exec(err);
    assert.ok(m !== null, err);
    const [missed, hits] = [Number(m[1]), Number(m[2])];
    assert.equal(n + missed, hits, err);
    // The loop passed the ceiling within its first seconds at most: a handful of hits were evaluated, not a thousand.
    assert.ok(hits < 100, `${hits} hits evaluated of the loop's 1000: ${err}`);
    assert.ok(n >= 5 && n < 1000, maps);
    assert.ok(Number(m[3]) >= 1, err);
  } finally {
    svc.kill();
  }
});
