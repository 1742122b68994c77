// Output under `jsprobe -c` after a burst: test/fixtures/cli/burst.cjs makes COUNT calls of `hit`
// at once, each printf'd, then idles. Measured: the burst's wall time on the program's own clock,
// alone and traced; how fast a backlog drains (the command held with SIGSTOP during the burst, so
// that the agent's 4 MiB buffer is full, then let go: lines printed after, per second); and how long
// Ctrl-C takes to end a traced program that is idle after its burst, and whether jsprobe took it
// for a busy one. JSPROBE_ROOT runs another checkout's build (a "before").
//   npm run build && node build/bench/drain.js [COUNT]

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const JSPROBE = join(process.env.JSPROBE_ROOT ?? ROOT, 'build/src/cli/main.cjs');
const F = join(ROOT, 'test/fixtures/cli/burst.cjs');
const COUNT = Number(process.argv[2] ?? 1_000_000);

interface Traced {
  child: ChildProcess;
  text(): string;
  /** The trace lines and the events reported lost so far, counted as the output grows (read once). */
  printed: number;
  lost: number;
  /** When the last trace line was read (performance.now()). */
  printedAt: number;
  until(test: (t: Traced) => boolean): Promise<void>;
  closed: Promise<number | null>;
}

function traced(mode = ''): Traced {
  const file = join(mkdtempSync(join(tmpdir(), 'jsprobe-bench-drain-')), 'out');
  const fd = openSync(file, 'a');
  const program = `fn:${F}:hit { printf("hit %d\\n", arg0) }`;
  const child = spawn(process.execPath, [JSPROBE, '-e', program, '-c', `node ${F} ${COUNT} ${mode}`], { stdio: ['pipe', fd, fd] });
  closeSync(fd);
  const closed = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  const reader = openSync(file, 'r');
  const buf = Buffer.alloc(1 << 20);
  let partial = '';
  let all = '';
  const t: Traced = {
    child, closed, printed: 0, lost: 0, printedAt: 0,
    text: () => all,
    until: (test) => new Promise((resolve) => {
      const look = (): void => {
        for (let n; (n = readSync(reader, buf)) > 0;) {
          const chunk = partial + buf.toString('latin1', 0, n);
          const nl = chunk.lastIndexOf('\n') + 1;
          partial = chunk.slice(nl);
          const lines = chunk.slice(0, nl);
          const printed = lines.match(/^hit \d+$/gm)?.length ?? 0;
          t.printed += printed;
          if (printed > 0) t.printedAt = performance.now();
          for (const m of lines.matchAll(/^Lost (\d+) events$/gm)) t.lost += Number(m[1]);
          // The rest of the output, without the trace lines: what the checks below look for.
          all += lines.replace(/^hit \d+\n/gm, '');
        }
        if (test(t) || child.exitCode !== null) resolve();
        else setTimeout(look, 5);
      };
      look();
    }),
  };
  return t;
}

const burstMs = (text: string): string => /^burst done.*in (\d+) ms/m.exec(text)?.[1] ?? '?';

/** The program alone: its burst's wall time. */
function alone(): string {
  const r = spawnSync(process.execPath, [F, String(COUNT)], { input: 'go\n', encoding: 'utf8' });
  return burstMs(r.stderr);
}

/** The command held during the burst, then let go: the backlog's lines, and how fast they came. */
async function held(): Promise<string> {
  const t = traced();
  await t.until(() => /^Attaching/m.test(t.text()) && /^ready/m.test(t.text()));
  process.kill(t.child.pid!, 'SIGSTOP');
  t.child.stdin!.write('go\n');
  await t.until(() => /^burst done/m.test(t.text()));
  const t0 = performance.now();
  process.kill(t.child.pid!, 'SIGCONT');
  // The last count of drops may come up to a second after the last line (it is said at most once a second).
  await t.until(() => t.printed + t.lost >= COUNT);
  const ms = t.printedAt - t0;
  t.child.stdin!.end();
  await t.closed;
  await t.until(() => true);
  return `held, then let go: ${t.printed} lines printed in ${Math.round(ms)} ms = ${Math.round(t.printed / ms * 1000)} lines/s; ` +
    `lost ${t.lost}; burst ${burstMs(t.text())} ms`;
}

/** A free reader (a file), Ctrl-C once the burst is done and all has arrived (or 1.5 s after it). */
async function ctrlC(): Promise<string> {
  const t = traced();
  await t.until(() => /^ready/m.test(t.text()));
  t.child.stdin!.write('go\n');
  await t.until(() => /^burst done/m.test(t.text()));
  const done = performance.now();
  await t.until(() => t.printed + t.lost >= COUNT || performance.now() - done > 1500);
  const drainMs = t.printedAt - done;
  const [printed, lost] = [t.printed, t.lost];
  const t0 = performance.now();
  t.child.kill('SIGINT');
  const code = await t.closed;
  const ms = performance.now() - t0;
  await t.until(() => true);
  const s = t.text();
  const cut = /^jsprobe: (\d+) lines of trace not printed/m.exec(s)?.[1] ?? 0;
  return `free reader: burst ${burstMs(s)} ms; ${printed} printed, ${lost} lost, the last line ${Math.round(drainMs)} ms after it; ` +
    `Ctrl-C: exit ${code} after ${Math.round(ms)} ms, ${t.printed} printed, ${t.lost} lost, ${cut} not printed` +
    `${/too busy/.test(s) ? ', taken for busy (inspector opened)' : ''}`;
}

console.log(`${COUNT} calls, ${JSPROBE}`);
console.log(`alone: burst ${alone()} ms`);
console.log(await ctrlC());
console.log(await held());
