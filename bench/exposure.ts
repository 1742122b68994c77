// bench:exposure — how long `jsprobe -p` leaves the target's inspector port open: from the first
// moment 127.0.0.1:PORT accepts a connection to the first moment it refuses one again, polled
// every millisecond from this process while the real command attaches to an idle service
// (test/fixtures/attach/server.cjs). The port must be free of anything else: run it alone, or in
// a private network namespace (`unshare -n sh -c 'ip link set lo up && npm run bench:exposure'`).
//
// `--plain`: instead of jsprobe, the least any attach over the inspector does, unchecked: SIGUSR1,
// /json/list, the WebSocket, one evaluate that closes the inspector from inside, disconnect. What
// that takes on this machine, at this load, is the floor under jsprobe's figure.
//
//   npm run bench:exposure [-- --rounds 7 --port 9229 --plain]

import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { machine, median } from './lib/measure.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const ROUNDS = Number(opt('rounds', '7'));
const PORT = Number(opt('port', '9229'));
const PLAIN = args.includes('--plain');
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

/** The plain attach (--plain): no checks, one evaluate that closes the inspector, then disconnect. */
async function plainAttach(pid: number): Promise<void> {
  process.kill(pid, 'SIGUSR1');
  while (!(await accepts())) await new Promise((resolve) => setTimeout(resolve, 5));
  const list = await new Promise<{ webSocketDebuggerUrl: string }[]>((resolve, reject) => {
    get({ host: '127.0.0.1', port: PORT, path: '/json/list' }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve(JSON.parse(body) as { webSocketDebuggerUrl: string }[]));
    }).on('error', reject);
  });
  const ws = new WebSocket(list[0].webSocketDebuggerUrl, { perMessageDeflate: false });
  await new Promise((resolve) => ws.once('open', resolve));
  const expression = "setTimeout(() => require('node:inspector').close(), 0), 0";
  ws.send(JSON.stringify({ id: 1, method: 'Runtime.evaluate', params: { expression, includeCommandLineAPI: true } }));
  await new Promise((resolve) => ws.once('message', resolve));
  ws.terminate();
}

/** Poll the port every millisecond: when it first accepted a connection, and when it first refused one after. */
async function watchPort(t0: number): Promise<{ openedAt: number; closedAt: number }> {
  let openedAt = NaN;
  let closedAt = NaN;
  while (Number.isNaN(closedAt) && performance.now() - t0 < 30_000) {
    const open = await accepts();
    const now = performance.now();
    if (open && Number.isNaN(openedAt)) openedAt = now;
    if (!open && !Number.isNaN(openedAt)) closedAt = now;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return { openedAt, closedAt };
}

async function round(): Promise<{ openMs: number; attachMs: number }> {
  const target = spawn(process.execPath, [SERVER], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((resolve) => target.stdout.setEncoding('utf8').once('data', () => resolve()));
  const t0 = performance.now();
  if (PLAIN) return plainRound(target, t0);
  const cli = spawn(process.execPath, [JSPROBE, '-p', String(target.pid), '-e', 'fn:test/fixtures/attach/server.cjs:handle { @n = count() }'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let attachedAt = NaN;
  let err = '';
  cli.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    if (Number.isNaN(attachedAt) && err.includes('Attached to')) attachedAt = performance.now();
  });
  const { openedAt, closedAt } = await watchPort(t0);
  while (Number.isNaN(attachedAt) && performance.now() - t0 < 30_000) await new Promise((resolve) => setTimeout(resolve, 5));
  cli.kill('SIGINT');
  await new Promise((resolve) => cli.once('exit', resolve));
  target.kill();
  if (Number.isNaN(closedAt) || Number.isNaN(attachedAt)) throw new Error(`no attach seen: ${err}`);
  return { openMs: closedAt - openedAt, attachMs: attachedAt - t0 };
}

async function plainRound(target: ReturnType<typeof spawn>, t0: number): Promise<{ openMs: number; attachMs: number }> {
  let attachedAt = NaN;
  const attaching = plainAttach(target.pid!).then(() => (attachedAt = performance.now()));
  const r = await watchPort(t0);
  await attaching;
  target.kill();
  return { openMs: r.closedAt - r.openedAt, attachMs: attachedAt - t0 };
}

const open: number[] = [];
const attach: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  const r = await round();
  open.push(r.openMs);
  attach.push(r.attachMs);
  console.log(`round ${i + 1}${PLAIN ? ' (plain)' : ''}: port open ${r.openMs.toFixed(0)} ms, "Attached" after ${r.attachMs.toFixed(0)} ms`);
}
console.log(machine());
console.log(`port open: median ${median(open).toFixed(0)} ms (${open.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`command start to "Attached": median ${median(attach).toFixed(0)} ms`);
