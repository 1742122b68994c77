// bench/format — µs per `%s` of an object: jsprobe's formatter (src/agg/safe-format.ts) against
// util.inspect with the options jsprobe used before, on an express-like request, interleaved
// rounds in one process. A quick micro-benchmark, not part of bench:hot (which measures the
// library's sites, not handlers).
//
//   node build/bench/format.js [-- --rounds 7 --calls 20000]

import { inspect } from 'node:util';
import { formatValue } from '../src/agg/safe-format.js';
import { formatPrintf } from '../src/agg/printf.js';
import { fmt, machine, median, option } from './lib/measure.js';

const ROUNDS = Number(option('rounds') ?? 7);
const CALLS = Number(option('calls') ?? 20_000);

/** The shape of an express `req` a handler prints: plain fields, headers, a socket, getters on the prototype. */
function expressLikeRequest(): object {
  class IncomingMessage {
    method = 'GET';
    url = '/api/users/42?expand=true';
    httpVersion = '1.1';
    headers = { host: 'localhost:3000', 'user-agent': 'curl/8.4.0', accept: '*/*', 'x-request-id': 'a1b2c3d4', cookie: 'sid=abcdef0123456789' };
    rawHeaders = ['Host', 'localhost:3000', 'User-Agent', 'curl/8.4.0', 'Accept', '*/*'];
    params = { id: '42' };
    query = { expand: 'true' };
    body = undefined;
    socket = { remoteAddress: '127.0.0.1', remotePort: 51234, bytesRead: 1024, readable: true };
    complete = true;
    get path() { return '/api/users/42'; }
    get hostname() { return 'localhost'; }
  }
  return new IncomingMessage();
}

const req = expressLikeRequest();
const BEFORE = { depth: 2, getters: false, customInspect: false, showProxy: true, breakLength: Infinity, maxArrayLength: 20, maxStringLength: 200 };
const variants: [string, () => string][] = [
  ['util.inspect (before)', () => inspect(req, BEFORE)],
  ['formatValue (jsprobe)', () => formatValue(req)],
  ['printf("%s\\n") (jsprobe)', () => formatPrintf('%s\n', [req])],
];
const samples = variants.map(() => [] as number[]);
let sink = 0;
for (let r = 0; r < ROUNDS; r++) {
  variants.forEach(([, f], i) => {
    const t0 = process.hrtime.bigint();
    for (let n = 0; n < CALLS; n++) sink += f().length;
    samples[i].push(Number(process.hrtime.bigint() - t0) / CALLS / 1000);
  });
}
console.log(machine());
variants.forEach(([name], i) => console.log(`${name.padEnd(28)} ${fmt(median(samples[i]), 2)} µs`));
console.log(`output: ${formatValue(req)}`);
if (sink === 0) console.log('');
