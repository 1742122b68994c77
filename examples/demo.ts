// npm run demo: trace the example shop while real HTTP requests hit it, and print what the probes
// saw: a latency histogram of every database query, the slowest query with its SQL, and responses
// by status code. Uses the library API with wrap sites (properties that hold functions); the shop's
// internal functions need load or live sites, which come next.

import { createRequire } from 'node:module';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Server } from 'node:http';
import { list, register, unregister } from '../src/index.js';
import { formatHist, Log2Hist } from '../src/agg/hist.js';

const shopDir = fileURLToPath(new URL('../../examples/shop/', import.meta.url));
const mod = (file: string): string => `./${relative(process.cwd(), shopDir + file)}`;
const REQUESTS = Number(process.env.DEMO_REQUESTS ?? 300);

const latencyUs = new Log2Hist();
let slowest = { us: 0, sql: '' };
const statuses = new Map<number, number>();

const probes = [
  // Every Db.query: its latency (ns → µs) into a histogram, and the slowest SQL.
  register({
    target: `${mod('db.cjs')}#Db.prototype.query`,
    onReturn(call) {
      const us = call.elapsed / 1000;
      latencyUs.add(us);
      if (us > slowest.us) slowest = { us, sql: String(call.args[0]) };
    },
  }),
  // Node's own http: every response's status code, from ServerResponse.prototype.writeHead.
  register({
    target: 'node:http#ServerResponse.prototype.writeHead',
    onEntry(call) {
      const status = Number(call.args[0]);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    },
  }),
];

const require = createRequire(import.meta.url);
const shop = require(`${shopDir}server.cjs`) as { start(port?: number): Promise<Server> };
const server = await shop.start(0);
const { port } = server.address() as { port: number };
process.stderr.write(`demo: shop on 127.0.0.1:${port}, sending ${REQUESTS} requests…\n`);

let ok = 0;
for (let i = 0; i < REQUESTS; i += 10) {
  const batch = Array.from({ length: 10 }, (_, j) => {
    const n = i + j;
    const path = n % 3 === 0 ? `/orders?id=${(n % 50) + 1}` : `/user?id=${(n % 60) + 1}`;
    return fetch(`http://127.0.0.1:${port}${path}`).then((r) => { if (r.status < 500) ok++; return r.text(); });
  });
  await Promise.all(batch);
}
server.close();

console.log(`Traced ${REQUESTS} HTTP requests to the example shop (${ok} answered).\n`);
console.log('@query_latency_us:');
for (const row of formatHist(latencyUs)) console.log(row);
console.log(`\n@slowest_query: ${slowest.us.toFixed(0)} us  ${slowest.sql}`);
console.log('');
for (const [status, n] of [...statuses].sort((a, b) => b[1] - a[1])) console.log(`@responses[${status}]: ${n}`);
console.log('\nProbes:');
for (const p of list()) console.log(`  ${p.name.padEnd(52)} ${p.site}  hits=${p.hits} missed=${p.missed} faults=${p.faults}`);
await unregister(probes);
