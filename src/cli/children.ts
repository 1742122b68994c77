// The command's side of tracing a `-c` program's child processes: a Unix socket in a directory
// only this user can open (its path in JSPROBE_SOCKET), where the agent of every node process
// started under the command but the first (cli/child-agent.ts) connects and sends its output and
// maps. The one print at the end, of the maps of every process merged, is print-end.ts.

import { mkdtempSync, rmdirSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { MapData } from '../agg/maps.js';
import { LineReader } from '../program/message-reader.js';
import type { Message } from '../program/messages.js';


/**
 * os.tmpdir() as Node has it on POSIX, here so that the command need not load node:os (~2 M
 * instructions on Node 24) before it spawns the program.
 */
export function tmpdir(): string {
  const env = process.env;
  const dir = env.TMPDIR || env.TMP || env.TEMP || '/tmp';
  return dir.length > 1 && dir.endsWith('/') ? dir.slice(0, -1) : dir;
}

interface Child {
  socket: Socket;
  pid: number | undefined;
  /** Its latest maps (with its worker threads' and its records). */
  maps: MapData[];
  closed: boolean;
  /** Its maps are a first process's backup (it has not sent its own yet). */
  backup: boolean;
}

export class ChildServer {
  readonly path: string;
  readonly #dir: string;
  readonly #server: Server;
  readonly #children = new Set<Child>();
  #closedOne = (): void => {};

  private constructor(dir: string, server: Server) {
    this.#dir = dir;
    this.path = join(dir, 'children.sock');
    this.#server = server;
  }

  /** Listening, before the program starts. */
  /** `onMessage`: every message of a child but its hello and its maps, which are kept here. */
  static open(onMessage: (m: Message) => void): Promise<ChildServer> {
    // mkdtemp makes the directory 0700: nobody else can connect to the socket in it.
    const dir = mkdtempSync(join(tmpdir(), 'jsprobe-'));
    const server = createServer();
    const self = new ChildServer(dir, server);
    server.on('connection', (socket) => self.#accept(socket, onMessage));
    return new Promise((resolve, reject) => {
      server.once('error', (e) => {
        rmSync(dir, { recursive: true, force: true });
        reject(e);
      });
      server.listen(self.path, () => resolve(self));
    });
  }

  /** How many child processes have connected. */
  get connected(): number {
    return this.#children.size;
  }

  #accept(socket: Socket, onMessage: (m: Message) => void): void {
    const child: Child = { socket, pid: undefined, maps: [], closed: false, backup: false };
    this.#children.add(child);
    socket.setEncoding('utf8');
    const reader = new LineReader((m: Message) => {
      switch (m.t) {
        case 'hello': return void (child.pid = m.pid);
        case 'maps':
          child.backup = false;
          return void (child.maps = m.maps);
        // A first process that a shell started reports here: its backups are a child's maps of the moment.
        case 'backup':
          child.backup = true;
          return void (child.maps = m.maps.flat());
        default: return onMessage(m);
      }
    });
    socket.on('data', (chunk: string) => reader.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      child.closed = true;
      this.#closedOne();
    });
  }

  /**
   * Wait, up to `timeoutMs`, for every child to end: one that has ended has sent its last maps
   * already, and they are read here. One still running keeps what it last sent (at most a
   * second old). Resolves with the pids of those.
   */
  settle(timeoutMs: number): Promise<number[]> {
    const running = (): number[] => [...this.#children].filter((c) => !c.closed).map((c) => c.pid ?? 0);
    if (running().length === 0) return Promise.resolve([]);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#closedOne = () => {};
        resolve(running());
      };
      const timer = setTimeout(done, timeoutMs);
      this.#closedOne = () => void (running().length === 0 && done());
    });
  }

  /** The children that ended without sending any maps (killed before their first report), by pid. */
  unreported(): number[] {
    return this.#ended((c) => c.maps.length === 0);
  }

  /** The first processes reporting here (started by a shell) that ended with a backup for their maps, by pid. */
  backedUp(): number[] {
    return this.#ended((c) => c.backup);
  }

  /** The pids of the children that have ended and `is` holds for. */
  #ended(is: (c: Child) => boolean): number[] {
    return [...this.#children].filter((c) => c.closed && c.pid !== undefined && is(c)).map((c) => c.pid!);
  }

  /** Every child's latest maps. */
  maps(): MapData[] {
    return [...this.#children].flatMap((c) => c.maps);
  }

  /** No more children: those still connected find the command gone at their next message, and run on untraced. */
  close(): void {
    // Closing the server removes its socket file at once (libuv unlinks it in the close), so the
    // directory is empty: rmdir is one system call, where rmSync's recursive removal cost 0.5-1 ms
    // more of the command's CPU at its end (on Node 20 it is JavaScript, loaded at its first call).
    this.#server.close();
    for (const c of this.#children) c.socket.destroy();
    try {
      rmdirSync(this.#dir);
    } catch {
      rmSync(this.#dir, { recursive: true, force: true });
    }
  }
}
