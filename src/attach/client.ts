// `jsprobe -p PID`: open a running Node process's inspector (SIGUSR1), speak the DevTools protocol
// to it over its WebSocket on 127.0.0.1, load jsprobe's runtime into it (remote.ts, bundled), and
// relay what the runtime sends through a Runtime binding until detach.

import { request } from 'node:http';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { Protocol } from 'devtools-protocol';
import { AggMap, mergeAll } from '../agg/maps.js';
import { printMaps, type Output } from '../agg/print.js';
import type { CompiledProgram } from '../lang/compile.js';
import { ATTACH_BINDING, decodeMessage, type AttachOptions, type AttachResult, type Message } from '../program/messages.js';
import { AttachError } from './attach-error.js';
import { inspectorClosed, openInspector, releaseWhenClosed } from './open.js';
import { connectToTarget } from './peer.js';

export { AttachError };

export const RUNTIME_BUNDLE = fileURLToPath(new URL('../../attach-runtime.cjs', import.meta.url));

/** GET `path` as JSON over `socket`, a connection checked to end in the target (peer.ts). */
function getJson<T>(socket: Socket, path: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', path, timeout: 1000, createConnection: () => socket }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => {
        try {
          resolve(JSON.parse(body) as T);
        } catch (e) {
          reject(e as Error);
        }
      });
    });
    req.on('error', reject).on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

/** The target's WebSocket URL, always on 127.0.0.1:`port` (whatever host the inspector names). */
async function inspectorUrl(pid: number, port: number): Promise<string | null> {
  const socket = await connectToTarget(pid, port);
  try {
    const list = await getJson<{ webSocketDebuggerUrl?: string; type?: string }[]>(socket, '/json/list');
    const url = list.find((t) => t.type === 'node' || t.webSocketDebuggerUrl !== undefined)?.webSocketDebuggerUrl;
    return url === undefined ? null : `ws://127.0.0.1:${port}${new URL(url).pathname}`;
  } catch {
    return null;
  }
}

/**
 * One side of a DevTools protocol conversation: numbered commands and their replies, events.
 * The main thread's is a WebSocket (Connection); a worker's goes through the main session's
 * NodeWorker domain (WorkerChannel).
 */
abstract class Channel {
  #id = 0;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  /** Put one message on the wire. */
  protected abstract transmit(message: string): Promise<void>;

  protected abstract onEvent(method: string, params: unknown): void;

  send<T = unknown>(method: string, params: object = {}): Promise<T> {
    const id = ++this.#id;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.transmit(JSON.stringify({ id, method, params })).catch(reject);
    });
  }

  /** A message from the other side: a reply to a command, or an event. */
  receive(message: string): void {
    const m = JSON.parse(message) as { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: unknown };
    if (m.id !== undefined) {
      const p = this.#pending.get(m.id);
      this.#pending.delete(m.id);
      if (m.error !== undefined) p?.reject(new Error(m.error.message));
      else p?.resolve(m.result);
    } else if (m.method !== undefined) this.onEvent(m.method, m.params);
  }

  protected closed(): void {
    for (const p of this.#pending.values()) p.reject(new Error('the target closed the connection'));
    this.#pending.clear();
  }

  /** Evaluate `expression` there, with the inspector's `require`; the value, or the thrown error. */
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.send<Protocol.Runtime.EvaluateResponse>('Runtime.evaluate', {
      expression, includeCommandLineAPI: true, awaitPromise: true, returnByValue: true,
    });
    if (r.exceptionDetails !== undefined) throw new AttachError(r.exceptionDetails.exception?.description?.split('\n')[0] ?? r.exceptionDetails.text);
    return r.result.value as T;
  }
}

/** The target's main thread, over the inspector's WebSocket. */
export class Connection extends Channel {
  readonly #listeners = new Map<string, ((params: unknown) => void)[]>();

  constructor(readonly ws: WebSocket) {
    super();
    ws.on('message', (data) => this.receive(String(data)));
    ws.on('close', () => this.closed());
  }

  protected transmit(message: string): Promise<void> {
    return new Promise((resolve, reject) => this.ws.send(message, (e) => (e ? reject(e) : resolve())));
  }

  protected onEvent(method: string, params: unknown): void {
    for (const l of this.#listeners.get(method) ?? []) l(params);
  }

  on(method: string, listener: (params: unknown) => void): void {
    const list = this.#listeners.get(method) ?? [];
    list.push(listener);
    this.#listeners.set(method, list);
  }
}

/** Open the target's inspector (open.ts checks the target and the port) and connect to it. */
export async function connect(pid: number, quiet = false): Promise<{ conn: Connection; opened: boolean; port: number }> {
  // --- verified open (open.ts): the lock, when jsprobe opened the inspector, goes when it closes.
  const { port, opened, lock } = await openInspector(pid, (line) => void (quiet || process.stderr.write(line)));
  let url: string | null = null;
  let socket: Socket;
  try {
    url = await inspectorUrl(pid, port);
    if (url === null) throw new AttachError(`the inspector of process ${pid} on 127.0.0.1:${port} did not list a target`);
    socket = await connectToTarget(pid, port);
  } catch (e) {
    if (lock !== null) releaseWhenClosed(lock, pid, port);
    throw e;
  }
  const ws = new WebSocket(url, { perMessageDeflate: false, createConnection: () => socket });
  if (lock !== null) ws.once('close', () => releaseWhenClosed(lock, pid, port));
  // ---
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', (e) => reject(new AttachError(`cannot connect to the inspector of process ${pid}: ${e.message}`)));
  });
  const conn = new Connection(ws);
  const targetPid = await conn.evaluate<number>('process.pid');
  if (targetPid !== pid) {
    ws.close();
    throw new AttachError(`the inspector on 127.0.0.1:${port} belongs to process ${targetPid}, not ${pid}`);
  }
  const version = await conn.evaluate<string>('process.version');
  if (Number(/^v(\d+)/.exec(version)?.[1] ?? 0) < 20) throw new AttachError(`process ${pid} runs Node ${version}; jsprobe needs Node 20.6 or later`);
  return { conn, opened, port };
}

export interface AttachRun {
  program: CompiledProgram;
  format: 'text' | 'json' | 'folded';
  unsafe: boolean;
  quiet: boolean;
  /** --max-map-keys: each thread's maps keep to it there. */
  maxMapKeys?: number;
  write(s: string): void;
}

const PING_MS = 1000;
/** Close the target's inspector just after answering (`require` exists only while evaluating). */
const CLOSE_INSPECTOR = "(() => { const i = require('node:inspector'); setTimeout(() => i.close(), 50).unref(); return 0; })()";

/** A worker of the target, reached through the main session's NodeWorker domain. */
class WorkerChannel extends Channel {
  constructor(readonly conn: Connection, readonly sessionId: string, readonly eventSink: (method: string, params: unknown) => void) {
    super();
  }

  protected async transmit(message: string): Promise<void> {
    await this.conn.send('NodeWorker.sendMessageToWorker', { sessionId: this.sessionId, message });
  }

  protected onEvent(method: string, params: unknown): void {
    this.eventSink(method, params);
  }

  /** The worker, or the connection it goes through, is gone: no answer will come. */
  gone(): void {
    this.closed();
  }
}

/**
 * Trace process `pid` (its main thread and its workers, those running now and those started
 * later) until Ctrl-C, exit() in the program, or the target's end. The maps stay in each thread
 * until detach, then come back as data and are merged here. Returns the exit code: 0, or 2 when
 * the program cannot be registered there.
 */
export async function traceAttached(pid: number, run: AttachRun): Promise<number> {
  const { conn, opened, port } = await connect(pid, run.quiet);
  const runtime = `require(${JSON.stringify(RUNTIME_BUNDLE)})`;
  const maps = run.program.maps.map((m) => AggMap.of(m));
  let finished!: (why: string) => void;
  const done = new Promise<string>((resolve) => (finished = resolve));
  // From here on Ctrl-C detaches, also while the probes are being set up: killed there, jsprobe
  // would leave them armed in the target.
  const onSignal = () => finished('signal');
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const onMessage = (m: Message): void => {
    switch (m.t) {
      case 'out': return run.write(m.text);
      case 'err': return void process.stderr.write(m.text);
      case 'maps': return mergeAll(maps, m.maps);
      case 'exit': return finished('exit');
      default:
        // ready, fatal and snapshot parts are answers of evaluate() or stay inside the target.
        return;
    }
  };
  const onEvent = (method: string, params: unknown) => {
    if (method !== 'Runtime.bindingCalled') return;
    const { name, payload } = params as Protocol.Runtime.BindingCalledEvent;
    if (name !== ATTACH_BINDING) return;
    const m = decodeMessage(payload);
    if (m !== null) onMessage(m);
  };
  conn.on('Runtime.bindingCalled', (p) => onEvent('Runtime.bindingCalled', p));
  // Workers: those running now, and any started while attached.
  const workers = new Map<string, WorkerChannel>();
  conn.ws.on('close', () => {
    // A command to a worker waits for an answer that can no longer come: fail it, as the main thread's are.
    for (const ch of workers.values()) ch.gone();
    finished('gone');
  });
  const options = (worker: boolean) => JSON.stringify({
    format: run.format, unsafe: run.unsafe, closeInspector: opened && !worker, worker, maxMapKeys: run.maxMapKeys,
  } satisfies AttachOptions);
  const setUp = async (ch: Channel, worker: boolean) => {
    await ch.send('Runtime.enable');
    await ch.send('Runtime.addBinding', { name: ATTACH_BINDING });
    return ch.evaluate<AttachResult>(`${runtime}.attach(${JSON.stringify(run.program.source)}, ${options(worker)})`);
  };
  const r = await setUp(conn, false);
  if ('error' in r) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.stderr.write(`${r.error}\n`);
    if (opened) await conn.evaluate(CLOSE_INSPECTOR).catch(() => {});
    conn.ws.close();
    return 2;
  }
  const workerSetups: Promise<unknown>[] = [];
  const registered = new Map(run.program.probes.map((c) => [c.probe.text, r.skipped.includes(c.probe.text) ? 0 : 1]));
  conn.on('NodeWorker.receivedMessageFromWorker', (p) => {
    const { sessionId, message } = p as { sessionId: string; message: string };
    workers.get(sessionId)?.receive(message);
  });
  conn.on('NodeWorker.attachedToWorker', (p) => {
    const { sessionId } = p as { sessionId: string };
    const ch = new WorkerChannel(conn, sessionId, onEvent);
    workers.set(sessionId, ch);
    workerSetups.push(setUp(ch, true).then((w) => {
      if ('error' in w) return;
      for (const [text, n] of registered) if (!w.skipped.includes(text)) registered.set(text, n + 1);
    }).catch(() => workers.delete(sessionId)));
  });
  conn.on('NodeWorker.detachedFromWorker', (p) => {
    const { sessionId } = p as { sessionId: string };
    workers.get(sessionId)?.gone();
    workers.delete(sessionId);
  });
  await conn.send('NodeWorker.enable', { waitForDebuggerOnStart: false });
  // The workers that exist now are announced at once; give their set-up a turn to start.
  await new Promise((resolve) => setTimeout(resolve, 50));
  await Promise.all(workerSetups);
  for (const [text, n] of registered) {
    if (n === 0) process.stderr.write(`jsprobe: ${text} matches nothing loaded in process ${pid} or its workers\n`);
  }
  const ping = setInterval(() => {
    for (const ch of [conn, ...workers.values()]) void ch.evaluate(`${runtime}.ping()`).catch(() => {});
  }, PING_MS);
  if (!run.quiet) {
    const inWorkers = workers.size > 0 ? `, and in ${workers.size} worker thread${workers.size === 1 ? '' : 's'}` : '';
    process.stderr.write(`Attached to ${pid}: ${r.probes} probe${r.probes === 1 ? '' : 's'}${inWorkers}. Ctrl-C to detach.\n`);
  }
  const why = await done;
  clearInterval(ping);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (why !== 'gone') {
    // END runs and each thread's maps come back through the binding before detach() answers.
    await Promise.all([...workers.values()].map((ch) => ch.evaluate(`${runtime}.detach()`).catch(() => {})));
    await conn.evaluate(`${runtime}.detach()`).catch(() => {});
    conn.ws.close();
    if (opened) await inspectorClosed(pid, port);
  } else process.stderr.write(`jsprobe: process ${pid} went away\n`);
  const out: Output = { format: run.format, text: run.write, json: (o) => run.write(`${JSON.stringify(o)}\n`) };
  printMaps(out, maps);
  return 0;
}

/** `jsprobe -l PATTERN -p PID`: the probe points as the running process sees them. */
export async function listAttached(pid: number, pattern: string): Promise<string[]> {
  const { conn, opened, port } = await connect(pid);
  try {
    return await conn.evaluate<string[]>(`require(${JSON.stringify(RUNTIME_BUNDLE)}).points(${JSON.stringify(pattern)})`);
  } finally {
    if (opened) await conn.evaluate(CLOSE_INSPECTOR).catch(() => {});
    conn.ws.close();
    if (opened) await inspectorClosed(pid, port);
  }
}
