// The part of `jsprobe -p PID` that runs inside the target, bundled into one CommonJS file
// (build/attach-runtime.cjs, see scripts/bundle.mjs) and loaded through the inspector by its
// absolute path, so that it never depends on the target's own module resolution. It compiles the
// program, registers its probes (live sites, since the code is loaded), and streams output back
// through a Runtime binding in batches: a bounded buffer, flushed on a timer and when full, with
// drops counted and reported. Aggregations stay here; only printed maps travel.
//
// Detach (asked by the client, or by itself when the client stops pinging) runs END, prints the
// maps, unregisters every probe (live sites put their scripts back), and closes the inspector if
// jsprobe opened it.

import { unregister, type Probe } from '../index.js';
import type { MapData } from '../agg/maps.js';
import { compile } from '../lang/compile.js';
import { ATTACH_BINDING, BindingSender, type AttachOptions, type AttachResult, type Message } from '../program/messages.js';
import { start } from '../program/session.js';
import { describePoint, listProbePoints } from '../targets/probe-points.js';
import { liveSettled } from '../sites/live.js';

const FLUSH_MS = 100;
/** Characters buffered before a flush is forced; past twice this, output is dropped (and counted). */
const BUFFER_CHARS = 64 * 1024;
/**
 * The client pings every second; after this long without one, clean up alone. Tests that attach
 * on a busy machine set JSPROBE_CLIENT_TIMEOUT_MS in the target: there a starved client can miss 5 s.
 */
const CLIENT_TIMEOUT_MS = Number(process.env.JSPROBE_CLIENT_TIMEOUT_MS ?? 5000);

interface State {
  finish(): void;
  settle(): string[];
  maps(): MapData[];
  probes: Probe[];
  timer: ReturnType<typeof setInterval>;
  buffer: string[];
  size: number;
  dropped: number;
  lastPing: number;
  closeInspector: boolean;
  detached: boolean;
}

let state: State | null = null;

const client = new BindingSender(ATTACH_BINDING);
const emit = (m: Message): void => client.send(m);

function flush(s: State): void {
  if (s.buffer.length > 0) {
    emit({ t: 'out', text: s.buffer.join('') });
    s.buffer = [];
    s.size = 0;
  }
  if (s.dropped > 0) {
    emit({ t: 'err', text: `jsprobe: ${s.dropped} characters of output dropped (the client did not keep up)\n` });
    s.dropped = 0;
  }
}

/**
 * Start tracing in this process. Returns how many probes were registered, or the error. Runs on a
 * task of its own: inside the client's Runtime.evaluate, this thread's own inspector session (live
 * sites) would not be answered at once.
 */
export function attach(source: string, options: AttachOptions): Promise<AttachResult> {
  return new Promise((resolve) => setImmediate(() => {
    try {
      const r = attachNow(source, options);
      // Attached means armed: a live patch that V8 refused for now has landed or fallen back.
      void liveSettled().then(() => resolve(settled(r)));
    } catch (e) {
      resolve({ error: (e as { report?: string }).report ?? String((e as Error).message ?? e) });
    }
  }));
}

/** Once live patches have settled: probes that could never run are taken off and counted as skipped (Session.settle). */
function settled(r: AttachResult): AttachResult {
  if ('error' in r || state === null) return r;
  const refused = state.settle();
  return refused.length === 0 ? r : { probes: r.probes - refused.length, skipped: [...r.skipped, ...refused] };
}

function attachNow(source: string, options: AttachOptions): AttachResult {
  if (state !== null && !state.detached) return { error: 'jsprobe is already attached to this process' };
  const program = compile(source, { unsafe: options.unsafe });
  const s: State = {
    finish: () => {},
    settle: () => [],
    maps: () => [],
    probes: [],
    timer: setInterval(() => {
      if (Date.now() - s.lastPing > CLIENT_TIMEOUT_MS) void detachNow();
      else flush(s);
    }, FLUSH_MS),
    buffer: [],
    size: 0,
    dropped: 0,
    lastPing: Date.now(),
    closeInspector: options.closeInspector,
    detached: false,
  };
  s.timer.unref();
  state = s;
  const session = start(program, {
    format: options.format,
    write: (text) => {
      if (s.size > 2 * BUFFER_CHARS) {
        s.dropped += text.length;
        return;
      }
      s.buffer.push(text);
      s.size += text.length;
      if (s.size > BUFFER_CHARS) flush(s);
    },
    exit: () => queueMicrotask(() => {
      void detachNow().then(() => emit({ t: 'exit' }));
    }),
    warn: (text) => emit({ t: 'err', text }),
    attached: options.worker === true ? 'worker' : 'main',
    maxMapKeys: options.maxMapKeys,
  });
  if ('error' in session) {
    clearInterval(s.timer);
    state = null;
    return { error: session.error };
  }
  s.finish = session.finish;
  s.settle = session.settle;
  s.maps = session.maps;
  s.probes = session.handles;
  return { probes: session.probes, skipped: session.skipped };
}

export function ping(): boolean {
  if (state === null || state.detached) return false;
  state.lastPing = Date.now();
  return true;
}

/** Stop tracing: END, the maps, every probe off, the inspector closed if jsprobe opened it. */
export function detach(): Promise<void> {
  // On a task of its own, for the same reason as attach().
  return new Promise((resolve, reject) => setImmediate(() => void detachNow().then(resolve, reject)));
}

async function detachNow(): Promise<void> {
  const s = state;
  if (s === null || s.detached) return;
  s.detached = true;
  clearInterval(s.timer);
  s.finish();
  flush(s);
  // Maps travel as data, to be merged with the other threads' and printed by the client.
  emit({ t: 'maps', maps: s.maps() });
  await unregister(s.probes);
  if (s.closeInspector) {
    const inspector = await import('node:inspector');
    // After this call returns to the client, so that the answer still reaches it.
    setTimeout(() => inspector.close(), 50).unref();
  }
}

/** Probe points of this process, for `jsprobe -l PATTERN -p PID`. */
export function points(pattern: string): Promise<string[]> {
  return new Promise((resolve) => setImmediate(() => resolve(pointsNow(pattern))));
}

function pointsNow(pattern: string): string[] {
  return listProbePoints(pattern).map(describePoint);
}
