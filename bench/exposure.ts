// bench:exposure — how long `jsprobe -p` leaves the target's inspector port open: from the first
// moment 127.0.0.1:PORT accepts a connection to the first moment it refuses one again, polled
// every millisecond from this process while the real command attaches to an idle service
// (test/fixtures/attach/server.cjs). The port must be free of anything else: run it alone, or in
// a private network namespace (`unshare -n sh -c 'ip link set lo up && npm run bench:exposure'`).
//
//   npm run bench:exposure [-- --rounds 7 --port 9229]

import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { machine, median } from './lib/measure.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const ROUNDS = Number(opt('rounds', '7'));
const PORT = Number(opt('port', '9229'));
const JSPROBE = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const SERVER = fileURLToPath(new URL('../../test/fixtures/attach/server.cjs', import.meta.url));

/** Whether a connection to the port is accepted now. */
function accepts(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port: PORT });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function round(): Promise<{ openMs: number; attachMs: number }> {
  const target = spawn(process.execPath, [SERVER], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((resolve) => target.stdout.setEncoding('utf8').once('data', () => resolve()));
  const t0 = performance.now();
  const cli = spawn(process.execPath, [JSPROBE, '-p', String(target.pid), '-e', 'fn:test/fixtures/attach/server.cjs:handle { @n = count() }'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let attachedAt = NaN;
  let err = '';
  cli.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    if (Number.isNaN(attachedAt) && err.includes('Attached to')) attachedAt = performance.now();
  });
  let openedAt = NaN;
  let closedAt = NaN;
  while (Number.isNaN(closedAt) && performance.now() - t0 < 30_000) {
    const open = await accepts();
    const now = performance.now();
    if (open && Number.isNaN(openedAt)) openedAt = now;
    if (!open && !Number.isNaN(openedAt)) closedAt = now;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  while (Number.isNaN(attachedAt) && performance.now() - t0 < 30_000) await new Promise((resolve) => setTimeout(resolve, 5));
  cli.kill('SIGINT');
  await new Promise((resolve) => cli.once('exit', resolve));
  target.kill();
  if (Number.isNaN(closedAt) || Number.isNaN(attachedAt)) throw new Error(`no attach seen: ${err}`);
  return { openMs: closedAt - openedAt, attachMs: attachedAt - t0 };
}

const open: number[] = [];
const attach: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  const r = await round();
  open.push(r.openMs);
  attach.push(r.attachMs);
  console.log(`round ${i + 1}: port open ${r.openMs.toFixed(0)} ms, "Attached" after ${r.attachMs.toFixed(0)} ms`);
}
console.log(machine());
console.log(`port open: median ${median(open).toFixed(0)} ms (${open.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`command start to "Attached": median ${median(attach).toFixed(0)} ms`);
