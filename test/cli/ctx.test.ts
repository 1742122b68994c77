// `ctx` on a real HTTP server: `fn:start { @s[ctx] = arg0 } fn:finish /@s[ctx] == arg0/` pairs
// each request's calls while 20 are in flight at once (each waits for all to have started, then
// goes through a timer, an fs call and an immediate), and on one keep-alive connection each
// request is a chain of its own. Under -c and under -p.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get, Agent } from 'node:http';
import { join } from 'node:path';
import { ROOT } from './run.js';
import { inspectorClosed, jsprobe, startService, type CliRun } from '../attach/procs.js';

const SERVER = 'test/fixtures/cli/ctx-server.cjs';
const PROGRAM = `fn:${SERVER}:start { @s[ctx] = arg0; @n[ctx] = count() }
fn:${SERVER}:finish /@s[ctx] == arg0/ { @paired = count() }
fn:${SERVER}:finish /@s[ctx] != arg0/ { @unpaired = count() }`;
const CONCURRENT = 20;
const KEPT_ALIVE = 5;

function fetch(port: number, path: string, agent: Agent | false): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve(body));
    }).on('error', reject);
  });
}

/** 20 requests at once, each on its own connection; then 5 one after another on one kept-alive connection. */
async function requests(port: number): Promise<void> {
  assert.equal(await fetch(port, `/expect?n=${CONCURRENT}`, false), 'ok');
  const ids = Array.from({ length: CONCURRENT }, (_, i) => i);
  assert.deepEqual(await Promise.all(ids.map((i) => fetch(port, `/r?id=${i}`, false))), ids.map(String));
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (let i = CONCURRENT; i < CONCURRENT + KEPT_ALIVE; i++) {
      assert.equal(await fetch(port, '/expect?n=1', agent), 'ok');
      assert.equal(await fetch(port, `/r?id=${i}`, agent), String(i));
    }
  } finally {
    agent.destroy();
  }
}

/** Every request paired with itself, none with another, and each its own chain (one start per ctx). */
function checkPaired(out: string): void {
  const all = CONCURRENT + KEPT_ALIVE;
  assert.match(out, new RegExp(`^@paired: ${all}$`, 'm'), out);
  assert.doesNotMatch(out, /@unpaired/, out);
  const perCtx = [...out.matchAll(/^@n\[(\d+)\]: (\d+)$/gm)];
  assert.equal(perCtx.length, all, out);
  assert.ok(perCtx.every((m) => Number(m[1]) > 0 && m[2] === '1'), out);
  const ids = [...out.matchAll(/^@s\[\d+\]: (\d+)$/gm)].map((m) => Number(m[1])).sort((a, b) => a - b);
  assert.deepEqual(ids, Array.from({ length: all }, (_, i) => i), out);
}

/** The port the server printed first, through jsprobe's stdout (-c). */
function portOf(cli: CliRun, out: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const m = /"port":(\d+)/.exec(out());
      if (m !== null) resolve(Number(m[1]));
    };
    cli.child.stdout!.on('data', check);
    cli.child.once('close', () => reject(new Error(`jsprobe ended first: ${cli.stderr()}`)));
  });
}

test('-c: 20 concurrent requests and 5 on one keep-alive connection, each paired by ctx', async () => {
  const cli = jsprobe(['-q', '-e', PROGRAM, '-c', `${JSON.stringify(process.execPath)} ${SERVER}`]);
  let out = '';
  cli.child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const port = await portOf(cli, () => out);
  await requests(port);
  await fetch(port, '/exit', false);
  const { code, err } = await cli.done;
  assert.equal(code, 0, err);
  checkPaired(out);
});

test('-p: the same on a server attached to while it runs', async () => {
  const svc = await startService(`exec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(ROOT, SERVER))}`);
  try {
    const cli = jsprobe(['-e', PROGRAM, '-p', String(svc.pid)]);
    await new Promise<void>((resolve, reject) => {
      cli.child.stderr!.on('data', () => {
        if (cli.stderr().includes('Attached to')) resolve();
      });
      cli.child.once('close', () => reject(new Error(`jsprobe ended before attaching: ${cli.stderr()}`)));
    });
    await requests(svc.port);
    cli.child.kill('SIGINT');
    const { code, out, err } = await cli.done;
    assert.equal(code, 0, err);
    checkPaired(out);
    assert.equal(await inspectorClosed(), true, 'nothing listens on the inspector port');
  } finally {
    svc.child.kill();
  }
});
