// `--prometheus [HOST:]PORT`: the command serves the maps at /metrics while the session runs
// (docs/cli.md, "Prometheus"). A scrape asks the session for a snapshot of its maps (over the
// agent's pipes under -c, over each target's channel under -p), waits for it within a bound, and
// formats it here, in the command: the traced program only hands its maps over as data, at most
// once per SNAPSHOT_MIN_AGE_MS (less often when they are costly: SNAPSHOT_SPACING), and never
// waits for the scraper.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { exposition, EXPOSITION_CONTENT_TYPE } from '../agg/exposition.js';
import { AggMap, mergeAll, type MapData } from '../agg/maps.js';
import type { MapInfo } from '../lang/compile.js';
import type { MetricsAddress } from './prometheus-address.js';

/**
 * A snapshot younger than this is served again rather than asked for, however often Prometheus
 * scrapes. The traced process spaces them further when they are costly (SNAPSHOT_SPACING).
 */
export const SNAPSHOT_MIN_AGE_MS = 500;
/** How long a scrape waits for the snapshot (a busy main thread under -c answers late); then it gets the last one. */
export const SNAPSHOT_TIMEOUT_MS = 2000;

/**
 * Where a scrape's maps come from: every thread's and process's map data, to be merged; null when
 * the traced process says it is too soon after the last for another (the last is served).
 */
export type SnapshotSource = () => Promise<readonly MapData[] | null>;

/** Listening failed: `exit` is 2 for an address that cannot be (a bad host), 1 for one that is taken or refused. */
export class MetricsListenError extends Error {
  constructor(message: string, readonly exit: 1 | 2) {
    super(message);
  }
}

/**
 * Requests answered by id over a pipe (-c: the control pipe out, the agent's messages back). One
 * is outstanding at most: a newer request replaces one its scrape gave up on. Maps that answer
 * an older request are still the newest there are (a costly snapshot comes late): they answer the
 * one waiting, or, with none waiting, the next request, at once.
 */
export class PipeSnapshots {
  #id = 0;
  #waiting: { id: number; resolve(maps: MapData[] | null): void } | null = null;
  #unclaimed: MapData[] | null = null;

  constructor(private readonly ask: (id: number) => void) {}

  readonly get: SnapshotSource = () => new Promise((resolve) => {
    const unclaimed = this.#unclaimed;
    if (unclaimed !== null) {
      this.#unclaimed = null;
      return resolve(unclaimed);
    }
    const id = ++this.#id;
    this.#waiting = { id, resolve };
    this.ask(id);
  });

  answer(id: number, maps: MapData[] | null): void {
    const waiting = this.#waiting;
    // "Too soon" says nothing to any request but its own.
    if (maps === null ? waiting?.id !== id : waiting === null) {
      if (maps !== null) this.#unclaimed = maps;
      return;
    }
    this.#waiting = null;
    waiting!.resolve(maps);
  }
}

function within<T>(ms: number, p: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/**
 * The latest snapshot of the maps, and when to ask for the next: not while the last is younger
 * than SNAPSHOT_MIN_AGE_MS; scrapes at the same moment share one request; an answer that comes
 * after its scrape gave up is still kept, for the next.
 */
export class SnapshotCache {
  source: SnapshotSource | null = null;
  #last: { at: number; data: readonly MapData[] } | null = null;
  #asking: Promise<void> | null = null;
  /** Requests made, and the newest whose answer was kept: an older answer that comes later is not newer data. */
  #asked = 0;
  #kept = 0;

  constructor(private readonly now: () => number = Date.now, private readonly timeoutMs = SNAPSHOT_TIMEOUT_MS) {}

  /** The data to serve (null: none yet), and a comment for the page when it is not fresh. */
  async get(): Promise<{ data: readonly MapData[] | null; note: string }> {
    const last = this.#last;
    if (this.source === null || (last !== null && this.now() - last.at < SNAPSHOT_MIN_AGE_MS)) return { data: last?.data ?? null, note: '' };
    const asking = (this.#asking ??= this.#ask(this.source));
    const answered = await within(this.timeoutMs, asking.then(() => true));
    const now = this.#last;
    if (answered === true) return { data: now?.data ?? null, note: '' };
    // Given up on: a later scrape asks again (the pipe under -c keeps only the newest request).
    if (this.#asking === asking) this.#asking = null;
    const age = now === null ? '' : `; values as of ${this.now() - now.at} ms ago`;
    return { data: now?.data ?? null, note: `# jsprobe: no snapshot within ${this.timeoutMs} ms${age}\n` };
  }

  #ask(source: SnapshotSource): Promise<void> {
    const seq = ++this.#asked;
    const p: Promise<void> = source().then((data) => {
      if (data === null || seq < this.#kept) return;
      this.#kept = seq;
      this.#last = { at: this.now(), data };
    }, () => {}).finally(() => {
      if (this.#asking === p) this.#asking = null;
    });
    return p;
  }
}

export class MetricsServer {
  readonly #snapshots = new SnapshotCache();
  readonly #server: Server;
  readonly #maps: readonly MapInfo[];
  #page: { data: readonly MapData[] | null; text: string } | null = null;

  private constructor(server: Server, maps: readonly MapInfo[]) {
    this.#server = server;
    this.#maps = maps;
  }

  /** Listen at `addr`, before the session starts, so that a taken port stops the run at once. */
  static async listen(addr: MetricsAddress, maps: readonly MapInfo[]): Promise<MetricsServer> {
    // Imported here: loading node:http loads Node's bundled undici (~60 ms, ~13 MB), which a run without --prometheus never needs.
    const { createServer } = await import('node:http');
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
  /** Set once the session has started; until then a scrape sees no maps. */
  set source(source: SnapshotSource) {
    this.#snapshots.source = source;
  }

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

  /** The page as of the latest snapshot (SnapshotCache says when a new one is asked for). */
  async page(): Promise<string> {
    const { data, note } = await this.#snapshots.get();
    // Scrapes of the same snapshot get the same page: merging and formatting 65,536 keys takes ~1 s on a loaded machine.
    if (this.#page === null || this.#page.data !== data) {
      const maps = this.#maps.map((info) => ({ map: AggMap.of(info), keys: info.keys }));
      if (data !== null) mergeAll(maps.map((m) => m.map), data);
      this.#page = { data, text: exposition(maps) };
    }
    return note + this.#page.text;
  }
}
