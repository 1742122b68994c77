// The example shop: a small HTTP service over the async "database" in db.cjs.
//   node examples/shop/server.cjs [port]     (port 0, the default, picks a free one)

const http = require('node:http');
const { Db } = require('./db.cjs');

const db = new Db('shop');

async function getUser(id) {
  const [user] = await db.query('SELECT * FROM users WHERE id = ?', id);
  if (user === undefined) throw Object.assign(new Error(`no user ${id}`), { status: 404 });
  return user;
}

async function userOrders(id) {
  const user = await getUser(id);
  const orders = await db.query('SELECT * FROM orders WHERE user = ?', id);
  return { user, orders: orders.length, total: orders.reduce((s, o) => s + o.total, 0) };
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://shop');
  const id = Number(url.searchParams.get('id'));
  try {
    let body;
    if (url.pathname === '/user') body = await getUser(id);
    else if (url.pathname === '/orders') body = await userOrders(id);
    else throw Object.assign(new Error('not found'), { status: 404 });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  } catch (e) {
    res.writeHead(e.status ?? 500);
    res.end(String(e.message));
  }
}

function start(port = 0) {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => void handle(req, res));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

if (require.main === module) {
  start(Number(process.argv[2] ?? 0)).then((server) => {
    console.log(`shop listening on http://127.0.0.1:${server.address().port}`);
  });
}

module.exports = { start, db, getUser, userOrders };
