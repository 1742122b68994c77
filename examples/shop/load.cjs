// Drives the example shop: starts it, sends requests from a few concurrent clients, and exits.
//   node examples/shop/load.cjs [requests=300] [clients=8]

const http = require('node:http');
const { start } = require('./server.cjs');

const total = Number(process.argv[2] ?? 300);
const clients = Number(process.argv[3] ?? 8);

function get(port, path, agent) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    }).on('error', reject);
  });
}

async function main() {
  const server = await start(0);
  const port = server.address().port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  let sent = 0;
  const statuses = {};
  async function client() {
    while (sent < total) {
      const i = sent++;
      // Mostly known users, some unknown ones (404), and two kinds of page.
      const id = i % 9 === 0 ? 1000 + i : 1 + (i % 50);
      const path = i % 3 === 0 ? `/orders?id=${id}` : `/user?id=${id}`;
      const status = await get(port, path, agent);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  }
  await Promise.all(Array.from({ length: clients }, client));
  agent.destroy();
  server.close();
  console.log(`load: ${total} requests, ${Object.entries(statuses).map(([s, n]) => `${n}×${s}`).join(', ')}`);
}

main();
