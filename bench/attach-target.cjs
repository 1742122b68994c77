// The target of bench:attach: grows its heap to argv[2] MB of small objects, serves HTTP, and
// prints its heap size once it is ready. Started without jsprobe. Each request goes through
// `handle` (internal: no property holds it) and an exported class's method, `Router.prototype.route`
// (a property holds it: a wrap site under the pause budget). It also watches its own main thread:
// a 1 ms timer notes every gap over 10 ms between its turns, and GET /gaps?from=T&to=T answers the
// longest one in that window (times in ms since the epoch, performance.timeOrigin + now()), which
// the clients' own scheduling does not blur.
'use strict';
const http = require('node:http');

const mb = Number(process.argv[2] ?? 10);
const ballast = [];
while (process.memoryUsage().heapUsed < mb * 2 ** 20) {
  const chunk = new Array(10000);
  for (let j = 0; j < chunk.length; j++) chunk[j] = { id: j, name: `item${j}`, tags: [j] };
  ballast.push(chunk);
}

class Router {
  route(url) {
    return url.length + ballast.length;
  }
}

module.exports = { Router };
const router = new Router();

async function handle(req, res) {
  await new Promise((resolve) => setImmediate(resolve));
  res.end(String(router.route(req.url)));
}

/** Gaps over 10 ms between the timer's turns: [start, length], ms; the last 10,000. */
const gaps = [];
const now = () => performance.timeOrigin + performance.now();
let last = now();
setInterval(() => {
  const t = now();
  if (t - last > 10) {
    gaps.push([last, t - last]);
    if (gaps.length > 10000) gaps.shift();
  }
  last = t;
}, 1);

/** The longest gap that overlaps [from, to], and how many over 10 ms did. */
function longestGap(url) {
  // By hand: the process's first URL costs ~100 ms of this thread, which would land in the next round.
  const q = (name) => Number(new RegExp(`[?&]${name}=([\\d.]+)`).exec(url)?.[1]);
  const from = q('from');
  const to = q('to');
  let worst = [0, 0];
  let n = 0;
  for (const g of gaps) {
    if (g[0] > to || g[0] + g[1] < from) continue;
    n++;
    if (g[1] > worst[1]) worst = g;
  }
  if (/[?&]all\b/.test(url)) return JSON.stringify(gaps.filter((g) => g[0] <= to && g[0] + g[1] >= from));
  return JSON.stringify({ at: worst[0], ms: worst[1], n });
}

const server = http.createServer((req, res) => {
  if (req.url.startsWith('/gaps')) res.end(longestGap(req.url));
  else void handle(req, res);
});
// Node's timers of a connection (keep-alive 5 s; headers 60 s, checked every 30 s) run late after a
// stall of seconds (a live patch of 1 GB), and then close every keep-alive socket at once, between
// two of a client's requests: its next one fails with ECONNRESET. That failed every live round at
// 1 GB; a client that retried would not see it, and what is measured here is the stall itself.
server.keepAliveTimeout = 0;
server.headersTimeout = 0;
server.requestTimeout = 0;
server.listen(0, '127.0.0.1', function () {
  process.stdout.write(`${JSON.stringify({ heapMb: process.memoryUsage().heapUsed / 2 ** 20, port: this.address().port })}\n`);
});
