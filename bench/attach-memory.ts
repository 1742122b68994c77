// bench:attach:memory — what `jsprobe -p` leaves in a target after it detaches: one target (started
// with --expose-gc, for the measurement only), attached and detached round after round, each round
// a breakpoint or live site hit ~1000 times a second while attached; after each detach the target
// collects its heap and reports rss, heapUsed and arrayBuffers. `--bare` runs the same rounds with
// no jsprobe: SIGUSR1, a WebSocket client that closes the inspector again (Node's own per-attach
// share). `--snapshots DIR` writes heap snapshots before the first round, after the first and after
// the last, and prints what grew between them (self sizes by node type and name).
//
//   npm run bench:attach:memory [-- --rounds 20 --hold 2000 --bare --snapshots /tmp/snaps]
// Run it in a private network namespace: unshare -n sh -c 'ip link set lo up && npm run ...'.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { MemoryTarget } from '../test/attach/memory-target.js';
import { machine } from './lib/measure.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const ROUNDS = Number(opt('rounds', '20'));
const HOLD_MS = Number(opt('hold', '2000'));
const BARE = args.includes('--bare');
const SNAPSHOTS = opt('snapshots', '');
const JSPROBE = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const PROGRAM = opt('program', 'fn:test/fixtures/attach/memory.cjs:work { @n = count(); @v = hist(arg0) }');

/** One jsprobe round: attach, HOLD_MS of hits, Ctrl-C; the count it printed. */
async function jsprobeRound(pid: number): Promise<number> {
  const cli = spawn(process.execPath, [JSPROBE, '-p', String(pid), '-e', PROGRAM], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  cli.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => cli.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    cli.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      if (err.includes('Attached to')) resolve();
    });
    void exited.then(() => reject(new Error(`jsprobe exited before attaching: ${err}`)));
  });
  await new Promise((resolve) => setTimeout(resolve, HOLD_MS));
  cli.kill('SIGINT');
  const code = await exited;
  if (code !== 0) throw new Error(`jsprobe exited ${code}: ${err}`);
  return Number(/^@n: (\d+)$/m.exec(out)?.[1] ?? NaN);
}

function inspectorList(): Promise<{ webSocketDebuggerUrl: string }[] | null> {
  return new Promise((resolve) => {
    get('http://127.0.0.1:9229/json/list', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve(JSON.parse(body) as { webSocketDebuggerUrl: string }[]));
    }).on('error', () => resolve(null));
  });
}

/** One bare round: SIGUSR1, a client connects and closes the inspector from inside. */
async function bareRound(pid: number): Promise<number> {
  process.kill(pid, 'SIGUSR1');
  let list = null;
  while ((list = await inspectorList()) === null) await new Promise((resolve) => setTimeout(resolve, 20));
  const ws = new WebSocket(list[0].webSocketDebuggerUrl, { perMessageDeflate: false });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const closed = new Promise((resolve) => ws.once('close', resolve));
  ws.send(JSON.stringify({ id: 1, method: 'Runtime.evaluate', params: { expression: "require('node:inspector').close()", includeCommandLineAPI: true } }));
  await closed;
  while ((await inspectorList()) !== null) await new Promise((resolve) => setTimeout(resolve, 20));
  await new Promise((resolve) => setTimeout(resolve, HOLD_MS));
  return NaN;
}

/** Self sizes summed by node type and name (a heap snapshot's nodes, as V8 writes them). */
function summary(path: string): Map<string, { n: number; size: number }> {
  const snap = JSON.parse(readFileSync(path, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[]; strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [T, N, S] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const out = new Map<string, { n: number; size: number }>();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + T]];
    const name = type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'number' ? '' : snap.strings[snap.nodes[i + N]];
    const key = `${type} ${name.slice(0, 80)}`;
    const e = out.get(key) ?? { n: 0, size: 0 };
    e.n++;
    e.size += snap.nodes[i + S];
    out.set(key, e);
  }
  return out;
}

function printGrowth(from: string, to: string, label: string): void {
  const a = summary(from);
  const b = summary(to);
  const rows = [...b].map(([k, v]) => ({ k, dn: v.n - (a.get(k)?.n ?? 0), ds: v.size - (a.get(k)?.size ?? 0) }));
  for (const [k, v] of a) if (!b.has(k)) rows.push({ k, dn: -v.n, ds: -v.size });
  rows.sort((x, y) => Math.abs(y.ds) - Math.abs(x.ds));
  const total = rows.reduce((t, r) => t + r.ds, 0);
  console.log(`\n${label}: ${(total / 1024).toFixed(1)} KiB of self size in all; the largest changes:`);
  for (const r of rows.slice(0, 15)) console.log(`  ${(r.ds / 1024).toFixed(1).padStart(9)} KiB ${String(r.dn).padStart(6)} nodes  ${r.k}`);
}

const mb = (n: number): string => (n / (1 << 20)).toFixed(2).padStart(7);

async function main(): Promise<void> {
  console.log(`${machine()}; Node ${process.version}; ${ROUNDS} rounds of ${HOLD_MS} ms, ${BARE ? 'bare (no jsprobe)' : PROGRAM}`);
  const t = new MemoryTarget();
  const pid = await t.pid;
  const snap = (name: string): string => join(SNAPSHOTS, `${name}.heapsnapshot`);
  const base = await t.ask(SNAPSHOTS === '' ? 'mem' : `snap ${snap('before')}`);
  console.log('round   hits   rss MB  heapUsed MB  arrayBuffers MB  (growth since before the first round)');
  console.log(`before    -  ${mb(base.rss)}  ${mb(base.heapUsed)}      ${mb(base.arrayBuffers)}  (absolute)`);
  try {
    for (let r = 1; r <= ROUNDS; r++) {
      const hits = BARE ? await bareRound(pid) : await jsprobeRound(pid);
      const last = r === 1 ? 'after1' : r === ROUNDS ? 'after' : '';
      const m = await t.ask(SNAPSHOTS !== '' && last !== '' ? `snap ${snap(last)}` : 'mem');
      const grew = `${mb(m.rss - base.rss)}  ${mb(m.heapUsed - base.heapUsed)}      ${mb(m.arrayBuffers - base.arrayBuffers)}`;
      console.log(`${String(r).padStart(5)} ${String(hits).padStart(6)}  ${grew}`);
    }
  } finally {
    t.child.kill();
  }
  if (SNAPSHOTS !== '') {
    printGrowth(snap('before'), snap('after1'), 'before -> after round 1');
    if (ROUNDS > 1) printGrowth(snap('after1'), snap('after'), `after round 1 -> after round ${ROUNDS}`);
  }
}

await main();
