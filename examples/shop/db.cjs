// The example shop's "database": an in-memory store behind an async query API whose latency
// depends on the query, with a few slow paths (a missing index, a lock wait now and then).

const TABLES = {
  users: Array.from({ length: 50 }, (_, i) => ({ id: i + 1, name: `user${i + 1}` })),
  orders: Array.from({ length: 400 }, (_, i) => ({ id: i + 1, user: (i % 50) + 1, total: (i * 37) % 500 })),
};

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

class Db {
  constructor(name) {
    this.name = name;
    this.queries = 0;
  }

  async query(sql, ...params) {
    this.queries++;
    // A lock wait now and then, and a table scan on orders by user (no index).
    if (this.queries % 37 === 0) await sleep(25);
    if (sql.includes('FROM orders WHERE user')) await sleep(4);
    else await sleep(1);
    return runQuery(sql, params);
  }
}

function runQuery(sql, params) {
  if (sql.startsWith('SELECT * FROM users WHERE id')) return TABLES.users.filter((u) => u.id === params[0]);
  if (sql.startsWith('SELECT * FROM orders WHERE user')) return TABLES.orders.filter((o) => o.user === params[0]);
  if (sql.startsWith('SELECT * FROM orders WHERE id')) return TABLES.orders.filter((o) => o.id === params[0]);
  throw new Error(`unknown query: ${sql}`);
}

module.exports = { Db };
