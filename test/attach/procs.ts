// Real processes for the attach tests: a service to attach to (started as the test asks: under
// another argv[0], with inspector flags), a jsprobe run, whether a port listens.

import { spawn, type ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { JSPROBE, ROOT } from '../cli/run.js';
import { tracked } from '../cli/tracked.js';

export const SERVER = join(ROOT, 'test/fixtures/attach/server.cjs');

export interface Service {
  child: ChildProcess;
  port: number;
  pid: number;
  stderr(): string;
  /** Its first line, as it printed it (port and pid, and what else the fixture tells). */
  first: Record<string, unknown>;
}

/** Start `command` (a shell line, so that `exec -a` can name it) that runs server.cjs; resolves once it serves. */
export async function startService(command: string): Promise<Service> {
  const child = tracked(spawn('bash', ['-c', command], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve(out);
    });
    child.once('exit', () => reject(new Error(`the service ended: ${err}`)));
  });
  const first = JSON.parse(line) as { port: number; pid: number };
  return { child, port: first.port, pid: first.pid, stderr: () => err, first };
}

export function node(args = ''): string {
  return `exec ${JSON.stringify(process.execPath)} ${args} ${JSON.stringify(SERVER)}`;
}

/**
 * A jsprobe run still going after this long has hung: a failure bound, far above any run's time on
 * a loaded machine (JSPROBE_TEST_HUNG_MS sets another, to see it work). It is killed, so that the test fails with what it was doing (its stderr gets
 * a line with the process's state, and its threads') instead of holding the suite until CI's limit.
 */
const HUNG_MS = Number(process.env.JSPROBE_TEST_HUNG_MS ?? 180_000);

/** `pid`'s state and where each of its threads waits, from /proc. */
export function procState(pid: number | undefined): string {
  if (pid === undefined) return 'no pid';
  try {
    const tasks = readdirSync(`/proc/${pid}/task`);
    const state = /^State:\s*(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    const waits = tasks.map((t) => {
      const read = (f: string): string => {
        try {
          return readFileSync(`/proc/${pid}/task/${t}/${f}`, 'utf8').trim();
        } catch {
          return '?';
        }
      };
      return `${read('comm')}:${read('wchan')}`;
    });
    return `process ${pid} ${state}; threads ${waits.join(' ')}`;
  } catch {
    return `process ${pid} gone`;
  }
}

function watchdog(child: ChildProcess, said: (line: string) => void): void {
  const t = setTimeout(() => {
    said(`\n[test watchdog] jsprobe still running after ${HUNG_MS / 1000} s, killed: ${procState(child.pid)}\n`);
    child.kill('SIGKILL');
  }, HUNG_MS);
  t.unref();
  child.once('close', () => clearTimeout(t));
}

export interface CliRun {
  child: ChildProcess;
  done: Promise<{ code: number | null; out: string; err: string }>;
  stdout(): string;
  stderr(): string;
}

/** A jsprobe run with `args`, and `env` over this process's environment. */
export function jsprobe(args: string[], env: Record<string, string> = {}): CliRun {
  const child = tracked(spawn(process.execPath, [JSPROBE, ...args], { cwd: ROOT, env: { ...process.env, ...env } }));
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  watchdog(child, (line) => (err += line));
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) => child.once('close', (code) => resolve({ code, out, err })));
  return { child, done, stdout: () => out, stderr: () => err };
}

/** A `jsprobe -p PID -e PROGRAM` run that says when it has attached (its "Attached to" line). */
export interface AttachRun {
  child: ChildProcess;
  out(): string;
  err(): string;
  attached: Promise<void>;
  done: Promise<number | null>;
}

export function attach(pid: number, program: string): AttachRun {
  const child = tracked(spawn(process.execPath, [JSPROBE, '-p', String(pid), '-e', program], { cwd: ROOT }));
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  watchdog(child, (line) => (stderr += line));
  const done = new Promise<number | null>((resolve) => child.once('close', resolve));
  const attached = new Promise<void>((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (stderr.includes('Attached to')) resolve();
    });
    void done.then(() => reject(new Error(`jsprobe ended before attaching: ${stderr}`)));
  });
  return { child, out: () => stdout, err: () => stderr, attached, done };
}

/** The first match of `re` in a run's stderr, as soon as it is there; rejects if jsprobe ends first. */
export function stderrMatch(cli: CliRun, re: RegExp): Promise<RegExpExecArray> {
  return streamMatch(cli, 'stderr', re);
}

/** The first match of `re` in a run's `stream`, as soon as it is there; rejects if jsprobe ends first. */
export function streamMatch(cli: CliRun, stream: 'stdout' | 'stderr', re: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const m = re.exec(cli[stream]());
      if (m !== null) resolve(m);
    };
    cli.child[stream]!.on('data', check);
    check();
    cli.child.once('close', () => reject(new Error(`jsprobe ended before ${re}: ${cli.stderr()}`)));
  });
}

export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** A request the service has not answered in this long never will be: a failure bound, far above any answer's time on a loaded machine. */
const NO_ANSWER_MS = 60_000;

/** The body of `path` on the service at `port`; a request not answered fails, saying what `pid` (the service) was doing. */
export function fetchText(port: number, path: string, pid?: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve(body));
    }).on('error', reject);
    req.setTimeout(NO_ANSWER_MS, () => {
      const state = pid === undefined ? '' : `: ${procState(pid)}`;
      req.destroy(new Error(`the service on port ${port} did not answer ${path} in ${NO_ANSWER_MS / 1000} s${state}`));
    });
  });
}

/** Requests to `port`, one after another, until the returned function is called (`pid`: the service's, said if one is not answered). */
export function load(port: number, pid?: number): () => Promise<number> {
  let stop = false;
  let n = 0;
  const loop = (async () => {
    while (!stop) {
      await fetchText(port, '/x', pid);
      n++;
      await new Promise((r) => setImmediate(r));
    }
  })();
  return async () => {
    stop = true;
    await loop;
    return n;
  };
}

/** The service is stopped (SIGTERM), and has ended. */
export async function stopped(svc: Service): Promise<void> {
  svc.child.kill();
  if (alive(svc.child)) await new Promise((r) => svc.child.once('close', r));
}

/** Whether process `pid` is alive (and not a zombie). */
export function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * stderr without jsprobe's progress lines: on a loaded machine any step can take over a second,
 * and then jsprobe says what it waits for (that it does so is tested on its own).
 */
export function withoutProgress(err: string): string {
  return err.replace(/^jsprobe: waiting for process \d+ to .*\n/gm, '');
}

/**
 * The inspector port 9229 is closed, or closes: the command waits for the target to close it
 * after detaching, and on a busy machine the target can take longer. The bound only stops a test
 * that would hang.
 */
export async function inspectorClosed(): Promise<boolean> {
  const end = Date.now() + 60_000;
  while (await listening(9229)) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

/** How many threads process `pid` has now. */
export function threadCount(pid: number): number {
  return readdirSync(`/proc/${pid}/task`).length;
}

/**
 * Process `pid` is back to `n` threads, or gets there: after a detach, the channel thread ends
 * once the main thread has answered its last word. The bound only stops a test that would hang.
 */
export async function threadsBackTo(pid: number, n: number): Promise<boolean> {
  const end = Date.now() + 60_000;
  while (threadCount(pid) > n) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}
