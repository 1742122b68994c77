// The inspector side of `jsprobe -p PID`: open a running Node process's inspector (SIGUSR1), check
// it over its WebSocket on 127.0.0.1, and load jsprobe's runtime into it with one Runtime.evaluate.
// Everything after that goes over the private channel (channel.ts, client.ts).

import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { Protocol as DevTools } from 'devtools-protocol';
import { AttachError, ConnectionLost } from './attach-error.js';
import { openInspector, releaseWhenClosed } from './open.js';
import { connectToTarget } from './peer.js';
import { step } from './steps.js';
import { waitFor } from './progress.js';

export { AttachError };

/** What the one Runtime.evaluate of `-p` loads (load.ts); the runtime proper is beside it. */
export const RUNTIME_BUNDLE = fileURLToPath(new URL('../../attach-load.cjs', import.meta.url));

/**
 * GET /json/list on `socket` by hand, asking to keep the connection (Node's inspector does), so
 * that the WebSocket can go on the same checked connection: one connection in the port's window,
 * not two. The body, and whether the connection is still usable.
 */
function listOn(socket: Socket): Promise<{ body: string; reusable: boolean }> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const done = (e: Error | null, r?: { body: string; reusable: boolean }): void => {
      socket.off('data', onData).off('error', onError).off('close', onClose);
      clearTimeout(timer);
      if (e !== null) reject(e);
      else resolve(r!);
    };
    const onData = (d: Buffer): void => {
      // An answer is a few hundred bytes; past 64 KiB it is not an inspector's.
      got = Buffer.concat([got, d]);
      if (got.length > 65536) return done(new Error('answer too long'));
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = got.subarray(0, end).toString('latin1');
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      if (length === null) return done(new Error('no content length'));
      const bodyEnd = end + 4 + Number(length[1]);
      if (got.length < bodyEnd) return;
      // Nothing may follow the answer: the next bytes on the connection are the WebSocket's.
      const reusable = got.length === bodyEnd && !/\r\nconnection:\s*close/i.test(head);
      done(null, { body: got.subarray(end + 4, bodyEnd).toString('utf8'), reusable });
    };
    const onError = (e: Error): void => done(e);
    const onClose = (): void => done(new Error('closed'));
    const timer = setTimeout(() => done(new Error('timeout')), 1000);
    socket.on('data', onData).on('error', onError).on('close', onClose);
    socket.write('GET /json/list HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
  });
}

/**
 * The target's WebSocket URL, always on 127.0.0.1:`port` (whatever host the inspector names), and
 * the checked connection to open it on, if the inspector kept the one that asked.
 */
export async function inspectorUrl(pid: number, port: number): Promise<{ url: string; socket: Socket | null } | null> {
  const socket = await connectToTarget(pid, port);
  try {
    const { body, reusable } = await listOn(socket);
    const list = JSON.parse(body) as { webSocketDebuggerUrl?: string; type?: string }[];
    const url = list.find((t) => t.type === 'node' || t.webSocketDebuggerUrl !== undefined)?.webSocketDebuggerUrl;
    if (url === undefined) {
      socket.destroy();
      return null;
    }
    if (!reusable) socket.destroy();
    return { url: `ws://127.0.0.1:${port}${new URL(url).pathname}`, socket: reusable ? socket : null };
  } catch {
    socket.destroy();
    return null;
  }
}

/**
 * The inspector's answer to a command was an error ("Cannot find context with specified id": the
 * target is ending), as opposed to no answer at all (the connection closed).
 */
export class InspectorError extends Error {}

/** One side of a DevTools protocol conversation: numbered commands and their replies, events. */
abstract class Protocol {
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
      if (m.error !== undefined) p?.reject(new InspectorError(m.error.message));
      else p?.resolve(m.result);
    } else if (m.method !== undefined) this.onEvent(m.method, m.params);
  }

  protected closed(): void {
    for (const p of this.#pending.values()) p.reject(new Error('the target closed the connection'));
    this.#pending.clear();
  }

  /** Evaluate `expression` there, with the inspector's `require`; the value, or the thrown error. */
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.send<DevTools.Runtime.EvaluateResponse>('Runtime.evaluate', {
      // No awaitPromise: waiting for even a plain value then takes a promise job, which a busy target never runs.
      expression, includeCommandLineAPI: true, returnByValue: true,
    });
    if (r.exceptionDetails !== undefined) throw new AttachError(r.exceptionDetails.exception?.description?.split('\n')[0] ?? r.exceptionDetails.text);
    return r.result.value as T;
  }
}

/** The target's main thread, over the inspector's WebSocket. */
export class Connection extends Protocol {
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

  /** Ask the target to close its inspector, this connection with it: no answer is waited for. */
  closeInspector(): void {
    void this.send('Runtime.evaluate', { expression: CLOSE_INSPECTOR_NOW, includeCommandLineAPI: true }).catch(() => {});
  }
}

/**
 * An inspector that closed under the connection before it answered its first command. One found
 * open (not opened by this jsprobe): another jsprobe's, whose attach closed it as this one
 * connected (the lock guards only an inspector jsprobe opens). One a killed jsprobe left open
 * (marker.ts): its runtime, loaded just before the kill, closes it by itself a moment later. The
 * port is then closed: connect() goes again, the way of a closed inspector.
 */
class ClosedUnder extends ConnectionLost {}

/** Open the target's inspector (open.ts checks the target and the port) and connect to it. */
export async function connect(pid: number, quiet = false): Promise<{ conn: Connection; opened: boolean; port: number }> {
  try {
    return await connectOnce(pid, quiet);
  } catch (e) {
    if (!(e instanceof ClosedUnder)) throw e;
    return connectOnce(pid, quiet);
  }
}

async function connectOnce(pid: number, quiet: boolean): Promise<{ conn: Connection; opened: boolean; port: number }> {
  // --- verified open (open.ts): the lock, when jsprobe opened the inspector, goes when it closes.
  const { port, opened, lock, startTime, signalled } = await openInspector(pid, (line) => void (quiet || process.stderr.write(line)));
  // One found open may close at any step here (ClosedUnder); one this jsprobe opened, only as the target ends.
  const Lost = signalled ? ConnectionLost : ClosedUnder;
  let url: string;
  let socket: Socket;
  try {
    const listed = await inspectorUrl(pid, port);
    if (listed === null) throw new Lost(`the inspector of process ${pid} on 127.0.0.1:${port} did not list a target`);
    url = listed.url;
    socket = listed.socket ?? await connectToTarget(pid, port);
  } catch (e) {
    if (lock !== null) releaseWhenClosed(lock, pid, port, startTime);
    throw !signalled && e instanceof ConnectionLost ? new ClosedUnder(e.message) : e;
  }
  const ws = new WebSocket(url, { perMessageDeflate: false, createConnection: () => socket });
  if (lock !== null) ws.once('close', () => releaseWhenClosed(lock, pid, port, startTime));
  // ---
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', (e) => {
      const message = `cannot connect to the inspector of process ${pid}: ${e.message}`;
      reject(new Lost(message));
    });
  });
  const conn = new Connection(ws);
  // One round trip for both: the port is open meanwhile. An error (the process ending: "Cannot
  // find context") leaves no client connected, as Node, ending, waits for its client to go.
  let answer: unknown;
  try {
    answer = await waitFor(conn.evaluate<unknown>('[process.pid, process.version]'), `process ${pid} to answer on its inspector`, quiet);
  } catch (e) {
    ws.terminate();
    if (e instanceof AttachError || e instanceof InspectorError) throw e;
    throw new Lost(`the inspector of process ${pid} on 127.0.0.1:${port} closed the connection before it answered`);
  }
  const [targetPid, version] = Array.isArray(answer) ? answer as [unknown, unknown] : [undefined, undefined];
  // A refusal: an inspector this jsprobe opened (or took over) closes again, as nothing of
  // jsprobe's is in the target to close it and the command ends here. Sent before the close, on
  // the same connection. (A process in a PID namespace, a container's, knows itself by another pid.)
  const refuse = (why: string): AttachError => {
    if (opened) conn.closeInspector();
    ws.close();
    return new AttachError(why);
  };
  if (targetPid !== pid) throw refuse(`the inspector on 127.0.0.1:${port} belongs to process ${targetPid}, not ${pid}`);
  if (Number(/^v(\d+)/.exec(String(version))?.[1] ?? 0) < 20) throw refuse(`process ${pid} runs Node ${String(version)}; jsprobe needs Node 20.6 or later`);
  step('checked');
  return { conn, opened, port };
}

/**
 * Close the target's inspector from inside the evaluate that asks it to: no timer, which a busy
 * thread never runs (closer.ts, cli/busy-stop.ts). Through process.getBuiltinModule, as below.
 */
export const CLOSE_INSPECTOR_NOW = "void (process.getBuiltinModule ?? require)('node:inspector').close()";

/**
 * Close the target's inspector just after answering. For an idle target only: the timer never fires
 * in a busy one. The timer goes in from a promise job, not from the evaluate, which may run as an
 * interrupt inside Node's own timer code (docs/attach.md, "What runs as an interrupt"). The module
 * comes from process.getBuiltinModule, not the inspector's `require`, which goes through
 * Module._load and so through whatever hooks the program (an APM agent) put there (that `require`
 * only where Node has no getBuiltinModule, before 20.16).
 */
export const CLOSE_INSPECTOR = '(() => { const i = (process.getBuiltinModule ?? require)(\'node:inspector\'); '
  + 'Promise.resolve().then(() => setTimeout(() => i.close(), 50).unref()); return 0; })()';
