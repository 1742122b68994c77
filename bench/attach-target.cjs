// The target of bench:attach: grows its heap to argv[2] MB of small objects, serves HTTP, and
// prints its heap size once it is ready. Started without jsprobe. Each request goes through
// `handle` (internal: no property holds it) and an exported class's method, `Router.prototype.route`
// (a property holds it: a wrap site under the pause budget).
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

http.createServer((req, res) => void handle(req, res)).listen(0, '127.0.0.1', function () {
  process.stdout.write(`${JSON.stringify({ heapMb: process.memoryUsage().heapUsed / 2 ** 20, port: this.address().port })}\n`);
});
