// A child process of a `-c` program, on its link to the command (the Unix socket): it says who it
// is first, and a command that reads nothing never holds it: what does not fit the bounded buffer
// is dropped, whole messages only, and the child runs to its end.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'jsprobe-link-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const CALLS = 20_000;
writeFileSync(join(dir, 'flood.js'), [
  'function f(s) { return s.length; }',
  "const s = 'x'.repeat(1000);",
  `for (let i = 0; i < ${CALLS}; i++) f(s);`,
  "console.log('flood done');",
  '',
].join('\n'));

test('a child whose command reads nothing runs to its end; what it sends is whole lines, hello first, the rest dropped', async () => {
  const path = join(dir, 's.sock');
  const accepted: Socket[] = [];
  const server = createServer((socket) => {
    // Read nothing while the child runs: its writes fill the socket, then its buffer.
    socket.pause();
    accepted.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const agent = pathToFileURL(join(ROOT, 'build/src/cli/agent.js')).href;
  const child = spawn(process.execPath, ['flood.js'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODE_OPTIONS: `--import=${agent}`,
      JSPROBE_PROGRAM: 'fn:flood.js:f { printf("%s\\n", arg0) }',
      // Set by a parent process that traces: this one is a child, and reports on the socket.
      JSPROBE_PID: '1',
      JSPROBE_SOCKET: path,
      JSPROBE_BUFFER_BYTES: String(64 * 1024),
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const detail = `stdout:\n${stdout}\nstderr:\n${stderr}`;
  assert.equal(code, 0, detail);
  assert.match(stdout, /flood done/, detail);
  assert.equal(accepted.length, 1, detail);
  // Now read what the kernel kept of it.
  const socket = accepted[0];
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (c: string) => (text += c));
  await new Promise((resolve) => socket.on('end', resolve).resume());
  server.close();
  const lines = text.split('\n');
  assert.equal(lines.pop(), '', 'the stream ends with a whole line');
  const messages = lines.map((l) => JSON.parse(l) as { t: string; pid?: number; text?: string });
  assert.deepEqual(messages[0], { t: 'hello', pid: child.pid, ppid: process.pid });
  const outs = messages.filter((m) => m.t === 'out');
  assert.ok(outs.length > 0 && outs.length < CALLS, `${outs.length} of ${CALLS} printfs arrived`);
  assert.ok(outs.every((m) => m.text === `${'x'.repeat(1000)}\n`));
});
