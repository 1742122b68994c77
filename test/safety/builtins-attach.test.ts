// Under -p, built-ins the target replaces after jsprobe attached (test/fixtures/safety/builtins/
// patch.cjs, as builtins.test.ts has them under -c): a breakpoint site's hits, the maps, the
// printing and the detach call none of them (Node's own objects aside, as there), and the target
// runs on.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSPROBE, ROOT } from '../cli/run.js';
import { spawnTracked } from '../cli/tracked.js';

const F = 'test/fixtures/safety/builtins/attach-target.cjs';
const NODE_HOLDERS = [
  'fs', 'path', 'util', 'process', 'worker_threads', 'EventEmitter', 'MessagePort', 'Worker', 'Timeout', 'Immediate', 'Buffer', 'TextEncoder',
  'TextDecoder', "stdout's", 'globalThis\\.process',
];
const NODE_OWN = new RegExp(`^(get |set )?(${NODE_HOLDERS.join('|')})\\b`);

/** Resolves with the text read once `re` matches it. */
function until(stream: NodeJS.ReadableStream, re: RegExp, gone: Promise<unknown>): Promise<string> {
  let text = '';
  return new Promise((resolve, reject) => {
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      text += d;
      if (re.test(text)) resolve(text);
    });
    void gone.then(() => reject(new Error(`gone before ${re}: ${text}`)));
  });
}

test('-p: built-ins replaced after the attach are not called by breakpoint sites, the maps or the detach', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-builtins-p-'));
  const out = join(dir, 'reached.jsonl');
  // Breakpoint sites on every Node (no live edit), and a client starved on a busy machine is not taken for gone.
  const env = { ...process.env, BUILTINS_OUT: out, JSPROBE_LIVE_EDIT: '0', JSPROBE_CLIENT_TIMEOUT_MS: '120000' };
  const target = spawnTracked(process.execPath, [F], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'inherit'] });
  const targetGone = new Promise((r) => target.once('exit', r));
  try {
    const pid = /^(\d+)\n/.exec(await until(target.stdout, /^\d+\n/, targetGone))![1];
    const program = `fn:${F}:work { @c[arg1] = count(); @t[arg1, arg0] = sum(1); printf("%s %d %s\\n", arg1, arg0, args) }
      fnret:${F}:work { @r[retval.name] = count() } END { printf("end\\n") }`;
    const cli = spawnTracked(process.execPath, [JSPROBE, '-p', pid, '-e', program], { cwd: ROOT, env: { ...process.env } });
    const cliGone = new Promise<number | null>((r) => cli.once('exit', r));
    let stdout = '';
    cli.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    const stderr = until(cli.stderr, /Attached to/, cliGone);
    await stderr;
    target.stdin.write('patch\n');
    // 100 calls of work() after the target replaced its built-ins, each a hit of both probes.
    await until(target.stdout, /^patched \d+$/m, targetGone);
    cli.kill('SIGINT');
    assert.equal(await cliGone, 0);
    target.stdin.write('end\n');
    assert.equal(await targetGone, 0);
    let text = '';
    try {
      text = readFileSync(out, 'utf8');
    } catch {
      // Nothing was reached: never written.
    }
    const reached = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { name: string; via: string[]; frames: string[] });
    const own = reached.filter((x) => !NODE_OWN.test(x.name) && !x.via.some((v) => v.includes('(node:')));
    assert.deepEqual(own.map((x) => `${x.name} from ${x.frames.slice(0, 3).join(' < ')}`), []);
    assert.match(stdout, /^@c\[w0\]: \d+$/m, stdout);
    assert.match(stdout, /^@r\[w1\]: \d+$/m, stdout);
    assert.match(stdout, /^end$/m, stdout);
  } finally {
    target.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
