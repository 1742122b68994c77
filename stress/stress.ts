// npm run stress -- --seconds N: the kernel's uprobe-stress for jsprobe. Chains of calls (sync,
// async, generators, methods, getters, constructors, thenables; recursion up to depth 100; random
// throws and rejections) run through targets with load sites and wrap sites, while another task
// registers, unregisters, enables and disables probes at random. Checked all along; the first
// violation ends the run with a report and exit 1:
//   - every onReturn pairs with exactly one onEntry of the same probe and call;
//   - no handler runs after its unregister resolved;
//   - hits = returns + skipped + missed + pending + gone, exactly, once unregister resolved;
//   - every call's result equals the unprobed reference;
//   - pending is zero at quiescence;
//   - the heap stays bounded, and so does the set of probes whose leases are watched.
// Load, wrap, live and breakpoint sites. Worker threads start and exit all along, each running the same
// chains and churn with probes of its own for a few seconds, checked the same way, and reporting
// its counts (or its violation) to the main thread when it ends; and now and then the main thread
// registers a `threads: 'all'` probe, which the workers mirror and whose events they relay.

import { createRequire } from 'node:module';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { enable, disable, pending, register, setFaultHandler, unregister, type Call, type Probe, type ProbeSpec } from '../src/index.js';
import { counters, watchedCount } from '../src/core/index.js';

const args = process.argv.slice(2);
const SECONDS = isMainThread ? Number(args[args.indexOf('--seconds') + 1] ?? 20) || 20 : (workerData as { seconds: number }).seconds;
/** Worker threads running at once, besides the main thread. */
const MAX_WORKERS = 2;
const HEAP_BOUND_MB = 512;
const CHAINS = 24;
const MAX_PROBES = 40;

const file = fileURLToPath(new URL('../../stress/targets.cjs', import.meta.url));
const rel = 'stress/targets.cjs';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const t = createRequire(import.meta.url)(file) as any;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const l = createRequire(import.meta.url)(fileURLToPath(new URL('../../stress/live.cjs', import.meta.url))) as any;

type Outcome = { ok: unknown } | { err: string };

interface Target {
  /** A load-site target string, the export to wrap, or a Function to patch in place (live). */
  probe: string | { object: object; key: string };
  run(x: number, depth: number): Outcome | Promise<Outcome>;
  expected(x: number): Outcome;
  /** The site asked for (default 'auto'). */
  site?: 'breakpoint';
}

const fails = (x: number, m: number): Outcome => (x % m === 0 ? { err: t.FAIL } : { ok: t.pure(x) });
const sync = (f: () => unknown): Outcome => {
  try {
    return { ok: f() };
  } catch (e) {
    return { err: (e as Error).message };
  }
};
const later = async (f: () => Promise<unknown>): Promise<Outcome> => {
  try {
    return { ok: await f() };
  } catch (e) {
    return { err: (e as Error).message };
  }
};
function drain(g: Generator<unknown, unknown>): unknown {
  for (;;) {
    const r = g.next();
    if (r.done === true) return r.value;
  }
}
async function drainAsync(g: AsyncGenerator<unknown, unknown>): Promise<unknown> {
  for (;;) {
    const r = await g.next();
    if (r.done === true) return r.value;
  }
}

const TARGETS: Target[] = [
  { probe: `${rel}:syncLeaf`, run: (x) => sync(() => t.syncLeaf(x)), expected: (x) => fails(x, 13) },
  { probe: `${rel}:syncDeep`, run: (x, d) => sync(() => t.syncDeep(x, d)), expected: (x) => fails(x, 13) },
  { probe: `${rel}:asyncLeaf`, run: (x) => later(() => t.asyncLeaf(x)), expected: (x) => fails(x, 11) },
  { probe: `${rel}:asyncDeep`, run: (x, d) => later(() => t.asyncDeep(x, d % 20)), expected: (x) => fails(x, 11) },
  { probe: `${rel}:gen`, run: (x) => sync(() => drain(t.gen(x))), expected: (x) => fails(x, 17) },
  { probe: `${rel}:agen`, run: (x) => later(() => drainAsync(t.agen(x))), expected: (x) => ({ ok: t.pure(x) }) },
  { probe: `${rel}:Box.prototype.method`, run: (x, d) => sync(() => new t.Box(x).method(d)), expected: (x) => fails(x, 13) },
  { probe: `${rel}:Box.make`, run: (x) => sync(() => t.Box.make(x)), expected: (x) => ({ ok: t.pure(x) }) },
  { probe: `${rel}:Box`, run: (x) => sync(() => new t.Box(x).x), expected: (x) => ({ ok: x }) },
  { probe: `${rel}:arrow`, run: (x) => sync(() => t.arrow(x)), expected: (x) => ({ ok: t.pure(x) }) },
  { probe: `${rel}:thenable`, run: (x) => later(async () => await t.thenable(x)), expected: (x) => fails(x, 7) },
  { probe: `${rel}:pure`, run: (x) => sync(() => t.pure(x)), expected: (x) => ({ ok: t.pure(x) }) },
  { probe: { object: t, key: 'syncLeaf' }, run: (x) => sync(() => t.syncLeaf(x)), expected: (x) => fails(x, 13) },
  { probe: { object: t, key: 'asyncLeaf' }, run: (x) => later(() => t.asyncLeaf(x)), expected: (x) => fails(x, 11) },
  { probe: { object: t, key: 'gen' }, run: (x) => sync(() => drain(t.gen(x))), expected: (x) => fails(x, 17) },
  // Live sites: the Function objects of a module loaded without load sites.
  { probe: l.liveSync as string, run: (x) => sync(() => l.liveSync(x)), expected: (x) => fails(x, 19) },
  { probe: l.liveAsync as string, run: (x) => later(() => l.liveAsync(x)), expected: (x) => ({ ok: t.pure(x) }) },
  // Breakpoint sites on the same functions (what -p gets over its pause budget): liveSync throws,
  // which passes no breakpoint, and each such call must still end; liveAsync gets its entries.
  { probe: l.liveSync as string, site: 'breakpoint', run: (x) => sync(() => l.liveSync(x)), expected: (x) => fails(x, 19) },
  { probe: l.liveAsync as string, site: 'breakpoint', run: (x) => later(() => l.liveAsync(x)), expected: (x) => ({ ok: t.pure(x) }) },
];

function describe(target: Target): string {
  const p = target.probe as unknown;
  if (typeof p === 'string') return p;
  if (typeof p === 'function') return `${target.site ?? 'live'} ${(p as Function).name}`;
  return `{exports}.${(p as { key: string }).key}`;
}

class Violation extends Error {}
function check(cond: boolean, message: () => string): void {
  if (!cond) throw new Violation(message());
}

interface Live {
  probe: Probe;
  target: string;
  dead: boolean;
  open: Set<number>;
  /** A `threads: 'all'` probe: events of workers arrive through their rings, counted here. */
  all?: boolean;
}

const stats = { calls: 0, registrations: 0, unregistrations: 0, toggles: 0, hits: 0, peakHeapMb: 0, allRegistrations: 0, allEvents: 0, allWorkerEvents: 0 };
const bySite = new Map<string, number>();
let violation: Violation | null = null;
let seq = 0;
const rand = (n: number) => Math.floor(Math.random() * n);
const live: Live[] = [];

function fail(e: unknown): void {
  if (violation === null) violation = e instanceof Violation ? e : new Violation(`unexpected: ${(e as Error).stack ?? String(e)}`);
}

setFaultHandler(() => {}); // handlers throw on purpose now and then; faults are counted, not printed

function spec(target: Target, rec: Live): ProbeSpec {
  return {
    target: target.probe,
    maxActive: 64,
    ...(target.site === undefined ? {} : { site: target.site }),
    onEntry(c: Call) {
      check(!rec.dead, () => `onEntry of ${rec.target} ran after its unregister resolved`);
      if (Math.random() < 0.05) return false; // untracked: no onReturn may come
      const tok = ++seq;
      c.data = tok;
      rec.open.add(tok);
      if (Math.random() < 0.02) throw new Error('handler fault (on purpose)');
      return undefined;
    },
    onReturn(c: Call) {
      check(!rec.dead, () => `onReturn of ${rec.target} ran after its unregister resolved`);
      const tok = c.data as number;
      check(rec.open.has(tok), () => `onReturn of ${rec.target} without its onEntry (token ${String(tok)})`);
      rec.open.delete(tok);
      if (Math.random() < 0.02) throw new Error('handler fault (on purpose)');
    },
  };
}

/**
 * A `threads: 'all'` probe (main thread only): its workers' calls reach these handlers on this
 * thread. Checked: no handler after its unregister resolved. Not checked for workers' calls: the
 * pairing of entries and returns, as a full ring may drop either (and counts it).
 */
function allSpec(target: string, rec: Live): ProbeSpec {
  const seen = (c: Call): void => {
    check(!rec.dead, () => `a threads: 'all' handler of ${rec.target} ran after its unregister resolved (thread ${c.threadId})`);
    stats.allEvents++;
    if (c.threadId !== 0) stats.allWorkerEvents++;
  };
  return { target, threads: 'all', maxActive: 64, onEntry: seen, onReturn: seen };
}

async function retire(rec: Live): Promise<void> {
  live.splice(live.indexOf(rec), 1);
  await unregister(rec.probe);
  rec.dead = true;
  stats.unregistrations++;
  const c = counters(rec.probe);
  stats.hits += c.hits;
  check(c.hits === c.returns + c.skipped + c.missed + c.pending + c.gone,
    () => `${rec.target}: hits ${c.hits} != returns ${c.returns} + skipped ${c.skipped} + missed ${c.missed} + pending ${c.pending} + gone ${c.gone}`);
}

async function churn(until: number): Promise<void> {
  while (Date.now() < until && violation === null) {
    const r = Math.random();
    if ((r < 0.45 && live.length < MAX_PROBES) || live.length === 0) {
      const target = TARGETS[rand(TARGETS.length)];
      const rec: Live = { probe: null as unknown as Probe, target: describe(target), dead: false, open: new Set() };
      // Now and then, from the main thread, a probe on every thread.
      rec.all = isMainThread && typeof target.probe === 'string' && Math.random() < 0.1;
      rec.probe = register(rec.all ? allSpec(target.probe as string, rec) : spec(target, rec));
      if (rec.all) stats.allRegistrations++;
      live.push(rec);
      stats.registrations++;
      bySite.set(rec.probe.site, (bySite.get(rec.probe.site) ?? 0) + 1);
    } else if (r < 0.85) {
      await retire(live[rand(live.length)]);
    } else {
      const rec = live[rand(live.length)];
      if (Math.random() < 0.5) disable(rec.probe);
      else enable(rec.probe);
      stats.toggles++;
    }
    await new Promise((resolve) => setTimeout(resolve, rand(3)));
  }
}

async function chain(until: number): Promise<void> {
  while (Date.now() < until && violation === null) {
    const target = TARGETS[rand(TARGETS.length)];
    const x = 1 + rand(1000);
    const got = await target.run(x, rand(101));
    const want = target.expected(x);
    check(JSON.stringify(got) === JSON.stringify(want), () => `${describe(target)}(${x}) gave ${JSON.stringify(got)}, unprobed gives ${JSON.stringify(want)}`);
    stats.calls++;
    if (stats.calls % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}

const threads = { started: 0, ended: 0 };

/** Worker threads, started at random moments until `until`, each running this file for a few seconds. */
async function spawner(until: number): Promise<void> {
  const running = new Set<Promise<void>>();
  while (Date.now() < until - 1000 && violation === null) {
    if (running.size < MAX_WORKERS) {
      const seconds = Math.min(0.5 + Math.random() * 2.5, (until - Date.now()) / 1000);
      const w = new Worker(new URL(import.meta.url), { workerData: { seconds } });
      threads.started++;
      const done = new Promise<void>((resolve) => {
        w.once('message', (m: { stats: typeof stats; sites: [string, number][]; violation: string | null }) => {
          for (const k of ['calls', 'registrations', 'unregistrations', 'toggles', 'hits'] as const) stats[k] += m.stats[k];
          workerPeakMb = Math.max(workerPeakMb, m.stats.peakHeapMb);
          for (const [site, n] of m.sites) bySite.set(site, (bySite.get(site) ?? 0) + n);
          if (m.violation !== null) fail(new Violation(`in worker thread ${w.threadId}: ${m.violation}`));
        });
        w.once('error', (e) => fail(new Violation(`worker thread ${w.threadId} failed: ${e.stack ?? String(e)}`)));
        w.once('exit', () => {
          threads.ended++;
          resolve();
        });
      });
      running.add(done);
      void done.then(() => running.delete(done));
    }
    await new Promise((resolve) => setTimeout(resolve, rand(500)));
  }
  await Promise.all(running);
}
let workerPeakMb = 0;

async function main(): Promise<void> {
  const until = Date.now() + SECONDS * 1000;
  const heap = setInterval(() => {
    const mb = process.memoryUsage().heapUsed / 2 ** 20;
    stats.peakHeapMb = Math.max(stats.peakHeapMb, mb);
    if (mb > HEAP_BOUND_MB) fail(new Violation(`heap ${mb.toFixed(0)} MB > ${HEAP_BOUND_MB} MB`));
    // Retired probes leave the lease watch at the next sweep (at most a second): if the watch
    // keeps growing, something holds probes that are gone (this caught a sweep postponed forever).
    const w = watchedCount();
    if (w > 4 * MAX_PROBES) fail(new Violation(`${w} probes in the lease watch with at most ${MAX_PROBES} registered: retired probes are kept`));
  }, 250);
  const progress = isMainThread
    ? setInterval(() => process.stderr.write(
      `  ${stats.calls} calls, ${stats.registrations} registrations, ${live.length} probes live, ${threads.started} worker threads started\n`), 5000)
    : undefined;
  const tasks = [churn(until).catch(fail), ...Array.from({ length: CHAINS }, () => chain(until).catch(fail))];
  if (isMainThread) tasks.push(spawner(until).catch(fail));
  await Promise.all(tasks);
  clearInterval(progress);
  // Quiescence: nothing in flight, so nothing pending; then everything off.
  if (violation === null) {
    try {
      for (const rec of live) check(pending(rec.probe).length === 0, () => `${rec.target}: ${pending(rec.probe).length} calls pending at quiescence`);
      while (live.length > 0) await retire(live[0]);
    } catch (e) {
      fail(e);
    }
  }
  clearInterval(heap);
  if (!isMainThread) {
    parentPort!.postMessage({ stats, sites: [...bySite], violation: violation === null ? null : (violation as Violation).message });
    return;
  }
  const summary = `stress: ${SECONDS} s, ${stats.calls} calls, ${stats.hits} probe hits, ${stats.registrations} registrations, ` +
    `${stats.unregistrations} unregistrations, ${stats.toggles} enable/disable, ` +
    `${threads.started} worker threads started and ${threads.ended} ended, ` +
    `${stats.allRegistrations} threads: 'all' probes (${stats.allEvents} events, ${stats.allWorkerEvents} from workers), ` +
    `peak heap ${stats.peakHeapMb.toFixed(0)} MB (main), ${workerPeakMb.toFixed(0)} MB (a worker); ` +
    `registrations by site: ${[...bySite].map(([k, n]) => `${k} ${n}`).join(', ')}`;
  if (violation !== null) {
    process.stderr.write(`${summary}\nVIOLATION: ${(violation as Violation).message}\n`);
    process.exitCode = 1;
  } else process.stdout.write(`${summary}; no violations\n`);
}

await main();
