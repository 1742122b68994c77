// `--prometheus [HOST:]PORT`: the command serves the maps at /metrics while the session runs
// (docs/cli.md, "Prometheus"). A scrape asks the session for a snapshot of its maps (over the
// agent's pipes under -c, over each target's channel under -p), waits for it within a bound, and
// formats it here, in the command: the traced program only hands its maps over as data, at most
// once per SNAPSHOT_MIN_AGE_MS whatever the scrape rate, and never waits for the scraper.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { exposition, EXPOSITION_CONTENT_TYPE } from '../agg/exposition.js';
import { AggMap, mergeAll, type MapData } from '../agg/maps.js';
import type { MapInfo } from '../lang/compile.js';
import type { MetricsAddress } from './prometheus-address.js';

/** A snapshot younger than this is served again rather than asked for: scrapes cost the program at most one snapshot in this time. */
export const SNAPSHOT_MIN_AGE_MS = 500;
/** How long a scrape waits for the snapshot (a busy main thread under -c answers late); then it gets the last one. */
export const SNAPSHOT_TIMEOUT_MS = 2000;

/** Where a scrape's maps come from: every thread's and process's map data, to be merged. */
export type SnapshotSource = () => Promise<readonly MapData[]>;

/** Listening failed: `exit` is 2 for an address that cannot be (a bad host), 1 for one that is taken or refused. */
export class MetricsListenError extends Error {
  constructor(message: string, readonly exit: 1 | 2) {
    super(message);
  }
}

/**
 * Requests answered by id over a pipe (-c: the control pipe out, the agent's messages back). One
 * is outstanding at most: a newer request replaces an unanswered one, which its scrape gave up on.
 */
export class PipeSnapshots {
  #id = 0;
  #waiting: { id: number; resolve(maps: MapData[]): void } | null = null;

  constructor(private readonly ask: (id: number) => void) {}

  readonly get: SnapshotSource = () => new Promise((resolve) => {
    const id = ++this.#id;
    this.#waiting = { id, resolve };
    this.ask(id);
  });

  answer(id: number, maps: MapData[]): void {
    if (this.#waiting?.id !== id) return;
    this.#waiting.resolve(maps);
    this.#waiting = null;
  }
}

function within<T>(ms: number, p: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

export class MetricsServer {
  /** Set once the session has started; until then a scrape sees no maps. */
  source: SnapshotSource | null = null;
  readonly #server: Server;
  readonly #maps: readonly MapInfo[];
  #last: { at: number; data: readonly MapData[] } | null = null;
  #asking: Promise<readonly MapData[] | undefined> | null = null;

  private constructor(server: Server, maps: readonly MapInfo[]) {
    this.#server = server;
    this.#maps = maps;
  }

  /** Listen at `addr`, before the session starts, so that a taken port stops the run at once. */
  static async listen(addr: MetricsAddress, maps: readonly MapInfo[]): Promise<MetricsServer> {
    let self: MetricsServer | null = null;
    const server = createServer((req, res) => void self?.serve(req, res).catch(() => res.destroy()));
    self = new MetricsServer(server, maps);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => {
        const where = `--prometheus ${addr.host.includes(':') ? `[${addr.host}]` : addr.host}:${addr.port}`;
        if (e.code === 'EADDRINUSE') reject(new MetricsListenError(`${where}: the port is in use`, 1));
        else if (e.code === 'EACCES') reject(new MetricsListenError(`${where}: not allowed to listen there (${e.code})`, 1));
        else reject(new MetricsListenError(`${where}: cannot listen there (${e.code ?? e.message})`, 2));
      });
      server.listen(addr.port, addr.host, () => resolve());
    });
    // The session's end, not the server, decides when jsprobe ends.
    server.unref();
    return self;
  }

  /** The page's address, with the port the system picked for port 0. */
  get url(): string {
    const a = this.#server.address();
    if (a === null || typeof a === 'string') return '';
    return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/metrics`;
  }

  close(): void {
    this.#server.close();
    this.#server.closeAllConnections();
  }

  async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('jsprobe serves its maps at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET, HEAD' }).end('GET /metrics\n');
      return;
    }
    const body = await this.page();
    res.writeHead(200, { 'content-type': EXPOSITION_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  /** The page as of the latest snapshot: a fresh one when the last is older than SNAPSHOT_MIN_AGE_MS and the session answers in time. */
  async page(): Promise<string> {
    let note = '';
    const last = this.#last;
    if (this.source !== null && (last === null || Date.now() - last.at >= SNAPSHOT_MIN_AGE_MS)) {
      // Scrapes at the same moment share one request.
      const source = this.source;
      this.#asking ??= within(SNAPSHOT_TIMEOUT_MS, source().catch(() => undefined)).finally(() => (this.#asking = null));
      const data = await this.#asking;
      if (data !== undefined) this.#last = { at: Date.now(), data };
      else if (last !== null) note = `# jsprobe: no snapshot within ${SNAPSHOT_TIMEOUT_MS} ms; values as of ${Date.now() - last.at} ms ago\n`;
      else note = `# jsprobe: no snapshot within ${SNAPSHOT_TIMEOUT_MS} ms\n`;
    }
    const maps = this.#maps.map((info) => ({ map: AggMap.of(info), keys: info.keys }));
    if (this.#last !== null) mergeAll(maps.map((m) => m.map), this.#last.data);
    return note + exposition(maps);
  }
}
