// --prometheus against a real Prometheus (Debian's `prometheus` package; .ci/run installs it):
// jsprobe -c traces a program that makes ten known calls and stays alive; Prometheus scrapes
// jsprobe's /metrics every 500 ms; the test reads a count gauge, a histogram bucket and a summary
// quantile back through Prometheus's query API, then lets the program end. Also: the page as
// served (promtool parses it), and the address errors, each before anything runs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSPROBE, ROOT, jsprobe } from './run.js';

const APP = 'test/fixtures/cli/prom-app.cjs';
const PROGRAM = `fn:${APP}:handle { @calls[func] = count(); @h = hist(arg0); @lat[func] = stats(arg0); @l = lhist(arg0, 0, 10, 5) }`;
/** Failure bound only: Prometheus starts, scrapes and answers well within it on a busy machine. */
const DEADLINE_MS = 90_000;

/** A port nothing listens on now (the tests run in their own network namespace: nobody takes it meanwhile). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** Resolves with the first match of `re` in what `child` writes to stderr; rejects if it ends first. */
function stderrMatch(child: ChildProcess, re: RegExp, seen: { err: string }): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      seen.err += d;
      const m = re.exec(seen.err);
      if (m !== null) resolve(m);
    });
    child.once('close', (code) => reject(new Error(`ended (${code}) before ${re}: ${seen.err}`)));
  });
}

/** One instant query's single sample value, or undefined while Prometheus has none. */
async function queryValue(promPort: number, query: string): Promise<string | undefined> {
  try {
    const r = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(query)}`);
    const body = (await r.json()) as { status: string; data?: { result: { value: [number, string] }[] } };
    if (body.status !== 'success' || body.data === undefined || body.data.result.length !== 1) return undefined;
    return body.data.result[0].value[1];
  } catch {
    return undefined; // Prometheus is still starting
  }
}

/** Poll the query API until `query` has a value (the scrapes come every 500 ms); the deadline only stops a hang. */
async function valueOf(promPort: number, query: string, prometheus: { err: string }): Promise<string> {
  const end = Date.now() + DEADLINE_MS;
  for (;;) {
    const v = await queryValue(promPort, query);
    if (v !== undefined) return v;
    if (Date.now() > end) assert.fail(`no value for ${query} within ${DEADLINE_MS} ms; prometheus said: ${prometheus.err.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('-c --prometheus: a real Prometheus scrapes jsprobe, and its query API gives back a count, a histogram bucket and a summary quantile', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-prom-'));
  const seen = { err: '' };
  const args = [JSPROBE, '--prometheus', '127.0.0.1:0', '-e', PROGRAM, '-c', `node ${APP}`];
  const cli = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  cli.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const cliDone = new Promise<number | null>((resolve) => cli.once('close', resolve));
  let prometheus: ChildProcess | undefined;
  const promSeen = { err: '' };
  try {
    const [, port] = await stderrMatch(cli, /serving the maps at http:\/\/127\.0\.0\.1:(\d+)\/metrics\n/, seen);
    await stderrMatch(cli, /^called$/m, seen);

    // The page as jsprobe serves it: promtool parses it (exit 1 is a parse error; 3 only naming advice).
    const page = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(page, /^jsprobe_calls\{key="handle"\} 10$/m, page);
    assert.match(page, /^jsprobe_h_bucket\{le="4"\} 3$/m, page);
    assert.match(page, /^jsprobe_l_bucket\{le="5"\} 4$/m, page);
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: page, encoding: 'utf8' });
    assert.notEqual(lint.status, 1, lint.stderr + lint.stdout);
    assert.doesNotMatch(lint.stderr + lint.stdout, /error/i);

    const promPort = await freePort();
    writeFileSync(join(dir, 'prometheus.yml'), [
      'global:',
      '  scrape_interval: 500ms',
      '  scrape_timeout: 400ms',
      'scrape_configs:',
      '  - job_name: jsprobe',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${port}']`,
      '',
    ].join('\n'));
    prometheus = spawn('prometheus', [
      `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`,
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    prometheus.stderr!.setEncoding('utf8').on('data', (d: string) => (promSeen.err += d));

    assert.equal(await valueOf(promPort, 'up{job="jsprobe"} == 1', promSeen), '1');
    assert.equal(await valueOf(promPort, 'jsprobe_calls{key="handle"}', promSeen), '10');
    // Values 1..10: [1,2) 1, [2,4) 2: three below 4.
    assert.equal(await valueOf(promPort, 'jsprobe_h_bucket{le="4"}', promSeen), '3');
    assert.equal(await valueOf(promPort, 'jsprobe_h_count', promSeen), '10');
    assert.equal(await valueOf(promPort, 'jsprobe_h_sum', promSeen), '55');
    assert.equal(await valueOf(promPort, 'jsprobe_lat{key="handle",quantile="0.9"}', promSeen), '9');
    assert.equal(await valueOf(promPort, 'jsprobe_lat_count{key="handle"}', promSeen), '10');

    // The program ends on its line; jsprobe prints the maps as always, and exits with the program's code.
    cli.stdin!.end('done\n');
    assert.equal(await cliDone, 0, seen.err);
    assert.match(out, /^@calls\[handle\]: 10$/m);
  } finally {
    cli.kill();
    if (prometheus !== undefined && prometheus.exitCode === null) {
      const gone = new Promise((resolve) => prometheus!.once('close', resolve));
      prometheus.kill();
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--prometheus: a bad address is a usage error (exit 2); a port in use is one line and exit 1, before the command starts', async () => {
  for (const bad of ['x', 'host:', '127.0.0.1:65536', ':9464', '[::1]9464']) {
    const r = jsprobe(['--prometheus', bad, '-e', 'BEGIN { exit() }']);
    assert.equal(r.code, 2, `${bad}: ${r.stderr}`);
    assert.match(r.stderr.split('\n')[0], /^jsprobe: --prometheus/, bad);
  }
  // An address this host does not have: one line, exit 2.
  const notHere = jsprobe(['--prometheus', '192.0.2.1:9464', '-e', 'BEGIN { exit() }']);
  assert.equal(notHere.code, 2, notHere.stderr);
  assert.match(notHere.stderr, /^jsprobe: --prometheus 192\.0\.2\.1:9464: cannot listen there \(EADDRNOTAVAIL\)\n$/);

  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-prom-'));
  const mark = join(dir, 'ran');
  try {
    const r = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const child = spawn(process.execPath, [JSPROBE, '--prometheus', String(port), '-e', `fn:${APP}:handle { @ = count() }`,
        '-c', `node -e "require('fs').writeFileSync('${mark}', '')"`], { cwd: ROOT });
      let err = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      child.once('close', (code) => resolve({ code, err }));
    });
    assert.equal(r.code, 1, r.err);
    assert.equal(r.err, `jsprobe: --prometheus 127.0.0.1:${port}: the port is in use\n`);
    assert.equal(existsSync(mark), false, 'the command did not start');
  } finally {
    taken.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** jsprobe -c with --prometheus on a port of the system's choice, and that port once it says it. */
async function serving(args: string[]): Promise<{ cli: ChildProcess; port: number; seen: { err: string }; done: Promise<number | null> }> {
  const cli = spawn(process.execPath, [JSPROBE, '--prometheus', '0', ...args], { cwd: ROOT, stdio: ['pipe', 'ignore', 'pipe'] });
  const done = new Promise<number | null>((resolve) => cli.once('close', resolve));
  const seen = { err: '' };
  const [, port] = await stderrMatch(cli, /serving the maps at http:\/\/127\.0\.0\.1:(\d+)\/metrics\n/, seen);
  return { cli, port: Number(port), seen, done };
}

/** The page served at `port`, scraped until it matches `re` (the bound, 60 s, only stops a hang). */
async function pageWith(port: number, re: RegExp): Promise<string> {
  const end = Date.now() + 60_000;
  let page = '';
  while (!re.test(page) && Date.now() < end) {
    page = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    if (!re.test(page)) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return page;
}

test('-c --prometheus: worker threads\' maps are on the page too, merged with the main thread\'s', async () => {
  const { cli, port, seen, done } = await serving(['-e', `fn:${APP}:handle { @calls = count(); @[tid > 0] = count() }`, '-c', `node ${APP} worker`]);
  try {
    await stderrMatch(cli, /^worker called$/m, seen);
    // A worker hands its maps over every second.
    const page = await pageWith(port, /^jsprobe_calls 14$/m);
    assert.match(page, /^jsprobe_calls 14$/m, page);
    assert.match(page, /^jsprobe_map\{key="false"\} 10$/m, page);
    assert.match(page, /^jsprobe_map\{key="true"\} 4$/m, page);
    cli.stdin!.end('done\n');
    assert.equal(await done, 0, seen.err);
  } finally {
    cli.kill();
  }
});

test('-c --prometheus: a child process\'s maps are on the page too, merged with the first process\'s', async () => {
  const { cli, port, seen, done } = await serving(['-e', `fn:${APP}:handle { @calls = count(); @[pid] = count() }`, '-c', `node ${APP} child`]);
  try {
    await stderrMatch(cli, /^child called$/m, seen);
    // The child hands its last maps over as it ends.
    const page = await pageWith(port, /^jsprobe_calls 13$/m);
    assert.match(page, /^jsprobe_calls 13$/m, page);
    const byPid = [...page.matchAll(/^jsprobe_map\{key="\d+"\} (\d+)$/gm)].map((m) => Number(m[1])).sort((a, b) => a - b);
    assert.deepEqual(byPid, [3, 10], page);
    cli.stdin!.end('done\n');
    assert.equal(await done, 0, seen.err);
  } finally {
    cli.kill();
  }
});

test('-c --prometheus: a scrape of a program whose main thread never yields answers anyway, without values, and the program runs on', async () => {
  const { cli, port, seen, done } = await serving(['-e', `fn:${APP}:handle { @calls = count() }`, '-c', `node ${APP} busy`]);
  try {
    await stderrMatch(cli, /^called$/m, seen);
    // The snapshot request waits for the main thread's event loop, which never comes: the page
    // says so, after the wait's bound (2 s), and has no map values.
    const r = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(r.status, 200);
    const page = await r.text();
    assert.match(page, /^# jsprobe: no snapshot within 2000 ms\n/, page);
    assert.doesNotMatch(page, /^jsprobe_calls/m, page);
    assert.match(page, /^jsprobe_dropped_series 0$/m, page);
    // Ctrl-C ends it as always (jsprobe reaches the busy main thread through its inspector): exit 130.
    cli.kill('SIGINT');
    assert.equal(await done, 130, seen.err);
  } finally {
    // SIGKILL would leave the spinning program behind: Ctrl-C ends both.
    if (cli.exitCode === null && cli.signalCode === null) {
      cli.kill('SIGINT');
      await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 30_000))]);
    }
  }
});

test('--prometheus without -c or -p: a program of intervals only runs in jsprobe, and its maps are on the page', async () => {
  const { cli, port, seen, done } = await serving(['-e', 'interval:ms:20 { @ticks = count() }']);
  try {
    const end = Date.now() + 60_000;
    let page = '';
    while (!/^jsprobe_ticks [1-9]/m.test(page) && Date.now() < end) {
      page = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      if (!/^jsprobe_ticks [1-9]/m.test(page)) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.match(page, /^# TYPE jsprobe_ticks gauge\njsprobe_ticks [1-9][0-9]*$/m, page);
    cli.kill('SIGINT');
    assert.equal(await done, 130, seen.err);
  } finally {
    cli.kill();
  }
});
