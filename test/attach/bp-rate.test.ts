// -p on a hot function, on a breakpoint site over its ceiling (JSPROBE_BREAKPOINT_RATE=5 in the
// target, and no live edit, which Node 20 and 22 would make): the hit that passes the ceiling takes the site's breakpoints out for a second, so the
// thousand calls of one loop do not each pay V8's condition (before, every one did: hits counted
// 1000, 995 of them missed), and the command says how many hits were missed and how long the
// site was off, at the end and while it runs. Under a steady load, the end leads with the hits not
// seen while off, estimated, and the estimate is near the calls the program made.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { ROOT } from '../cli/run.js';
import { jsprobe, stderrMatch } from './procs.js';
import { spawnTracked } from '../cli/tracked.js';

const FILE = 'test/fixtures/attach/hot-loop.cjs';

interface Target {
  svc: ChildProcess;
  pid: number;
  said: (re: RegExp, from?: number) => Promise<RegExpExecArray>;
  /** How much it has printed so far. */
  at: () => number;
}

/** A target run with a ceiling of 5 hits a second and no live edit (Node 20 and 22 would make one), once it has printed its pid. */
async function target(file: string): Promise<Target> {
  const svc = spawnTracked(process.execPath, [file], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, JSPROBE_BREAKPOINT_RATE: '5', JSPROBE_LIVE_EDIT: '0', JSPROBE_CLIENT_TIMEOUT_MS: '120000' },
  });
  let out = '';
  svc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  /** The first match of `re` in what it printed from offset `from` on, as soon as it is there. */
  const said = (re: RegExp, from = 0) => new Promise<RegExpExecArray>((resolve, reject) => {
    const check = (): void => {
      const m = re.exec(out.slice(from));
      if (m === null) return;
      svc.stdout!.off('data', check);
      resolve(m);
    };
    svc.stdout!.on('data', check);
    svc.once('exit', () => reject(new Error(`the service ended before saying ${re}: ${out}`)));
    check();
  });
  try {
    await said(/\n/);
  } catch (e) {
    svc.kill();
    throw e;
  }
  const { pid } = JSON.parse(out.slice(0, out.indexOf('\n'))) as { pid: number };
  return { svc, pid, said, at: () => out.length };
}

test('-p, breakpoint site over its ceiling: its breakpoints come out, the loop\'s hits past it are not evaluated, and the misses are said', async () => {
  const { svc, pid, said } = await target(FILE);
  try {
    const cli = jsprobe(['-p', String(pid), '-e', `fn:${FILE}:tick { @n = count() }`]);
    await stderrMatch(cli, /Attached to \d+/);
    svc.stdin!.write('go 1000\n');
    await said(/done 1000 /);
    // Said while it runs, once the loop has left the stack.
    const running = new RegExp('tick: its breakpoint site passed its ceiling \\(JSPROBE_BREAKPOINT_RATE, 5 hits a second, or 50 ms of [^)]*\\): ' +
      'off for 1000 ms, its hits then not seen: ~\\d+ at the \\d+ a second it saw before \\(an estimate; \\d+ hits? missed so far\\)');
    await stderrMatch(cli, running);
    cli.child.kill('SIGINT');
    const { code, out: maps, err } = await cli.done;
    assert.equal(code, 0, err);
    const n = Number(/^@n: (\d+)$/m.exec(maps)?.[1]);
    const m = endLine(FILE, err);
    assert.ok(m !== null, err);
    const { seen, missed, offs } = m;
    const hits = seen + missed;
    assert.equal(n, seen, err);
    // The loop passed the ceiling within its first seconds at most: a handful of hits were evaluated, not a thousand.
    assert.ok(hits < 100, `${hits} hits evaluated of the loop's 1000: ${err}`);
    assert.ok(n >= 5 && n < 1000, maps);
    assert.ok(offs >= 1, err);
  } finally {
    svc.kill();
  }
});

/** The end's line for probe fn:FILE:tick, its numbers checked to add up. */
function endLine(file: string, err: string): { seen: number; all: number; unseen: number; missed: number; offs: number } | null {
  const m = new RegExp(`^jsprobe: fn:${file}:tick: saw (\\d+) of ~(\\d+) hits \\((\\d+)%\\): ~(\\d+) not seen while its breakpoint site was off ` +
    '\\((\\d+) times?, \\d+ ms in all; an estimate: the rate of hits it saw just before each rest, times the time off\\), and (\\d+) missed, ' +
    'over the ceiling of a breakpoint site \\(JSPROBE_BREAKPOINT_RATE, 5 hits a second, or 50 ms of the thread\'s time a second\\): ' +
    'its counts are lower bounds$', 'm').exec(err);
  if (m === null) return null;
  const [seen, all, share, unseen, offs, missed] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  assert.equal(seen + missed + unseen, all, err);
  assert.equal(share, Math.round((100 * seen) / all), err);
  return { seen, all, unseen, missed, offs };
}

const STEADY = 'test/fixtures/attach/steady.cjs';

test('-p, breakpoint site over its ceiling under a steady load: the end leads with the hits not seen, estimated near the calls made', async () => {
  const { svc, pid, said, at } = await target(STEADY);
  try {
    const counted = async (): Promise<number> => {
      const from = at();
      svc.stdin!.write('count\n');
      return Number((await said(/count (\d+)\n/, from))[1]);
    };
    const cli = jsprobe(['-p', String(pid), '-e', `fn:${STEADY}:tick { @n = count() }`]);
    await stderrMatch(cli, /Attached to \d+/);
    const before = await counted();
    // Two rests said (at most one line a second): two seconds or more of the load.
    await stderrMatch(cli, /(tick: its breakpoint site passed its ceiling[^\n]*\n[^]*){2}/);
    cli.child.kill('SIGINT');
    const { code, out: maps, err } = await cli.done;
    const after = await counted();
    assert.equal(code, 0, err);
    const m = endLine(STEADY, err);
    assert.ok(m !== null, err);
    assert.equal(Number(/^@n: (\d+)$/m.exec(maps)?.[1]), m.seen, maps);
    // The program made ~200 calls a second, the site saw 5 of them a second: most went unseen, and the line says so.
    const truth = after - before;
    assert.ok(m.unseen > 10 * m.missed, err);
    assert.ok(m.seen < m.all / 2, err);
    // Generous: the window jsprobe saw lies within the one counted, and the load is steady only on an idle machine.
    assert.ok(m.all <= 2 * truth && m.all >= truth / 4, `estimated ${m.all} calls, the program made ${truth}: ${err}`);
  } finally {
    svc.kill();
  }
});
