// The command's end of `jsprobe -p`'s private channel: a Unix socket in a directory that only the
// invoking user can open (mode 0700, under $XDG_RUNTIME_DIR or the system's temporary directory).
// The runtime's channel thread in the target connects to it; requests go one JSON line each way,
// with the runtime's messages (output, maps, the end of the target) on the same connection.
// The directory goes when the channel closes, and when this process exits in any way it can see.

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineReader, type ChannelRequest, type Message } from '../program/messages.js';
import { AttachError, ConnectionLost } from './attach-error.js';
import { privateRuntimeDir } from './user-dir.js';

type Request = ChannelRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** A directory of this user's own, where other users cannot reach; else the temporary directory, where the channel's own is made 0700. */
function baseDir(): string {
  return privateRuntimeDir() ?? tmpdir();
}

export class ChannelServer {
  readonly dir: string;
  readonly path: string;
  /** Resolves when the runtime has connected. */
  readonly connected: Promise<void>;
  /** Resolves when the connection has closed (the target ended, or the channel was closed). */
  readonly closed: Promise<void>;
  #server: Server;
  #socket: Socket | null = null;
  #id = 0;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  readonly #removeOnExit = (): void => this.#remove();

  private constructor(readonly onMessage: (m: Message) => void) {
    // mkdtemp makes the directory 0700: only this user (and root) can reach the socket inside.
    this.dir = mkdtempSync(join(baseDir(), 'jsprobe-channel-'));
    this.path = join(this.dir, 'channel');
    process.on('exit', this.#removeOnExit);
    let connected!: () => void;
    let closed!: () => void;
    this.connected = new Promise((resolve) => (connected = resolve));
    this.closed = new Promise((resolve) => (closed = resolve));
    this.#server = createServer((socket) => {
      // One runtime per channel: anything after it (it cannot be another user) is turned away.
      if (this.#socket !== null) return void socket.destroy();
      this.#socket = socket;
      const reader = new LineReader((m) => this.#receive(m));
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => reader.push(chunk));
      socket.on('error', () => {});
      socket.on('close', () => {
        for (const p of this.#pending.values()) p.reject(new ConnectionLost('the target closed the channel'));
        this.#pending.clear();
        closed();
      });
      connected();
    });
  }

  /** A new channel, listening. */
  static async open(onMessage: (m: Message) => void): Promise<ChannelServer> {
    const c = new ChannelServer(onMessage);
    await new Promise<void>((resolve, reject) => {
      c.#server.once('error', (e) => reject(new AttachError(`cannot open jsprobe's channel in ${c.dir}: ${e.message}`)));
      c.#server.listen(c.path, () => resolve());
    });
    return c;
  }

  #receive(m: Message): void {
    if (m.t !== 'reply') return this.onMessage(m);
    const p = this.#pending.get(m.id);
    this.#pending.delete(m.id);
    if (m.error !== undefined) p?.reject(new AttachError(m.error));
    else p?.resolve(m.value);
  }

  /** Ask the runtime; its answer. */
  request<T>(r: Request): Promise<T> {
    const socket = this.#socket;
    if (socket === null || socket.destroyed) return Promise.reject(new ConnectionLost('the channel to the target is closed'));
    const id = ++this.#id;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      socket.write(`${JSON.stringify({ ...r, id })}\n`);
    });
  }

  /** End the connection (the runtime then stops tracing if it has not), stop listening, remove the directory. */
  close(): void {
    this.#socket?.end();
    this.#server.close();
    this.#remove();
    process.off('exit', this.#removeOnExit);
  }

  #remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
