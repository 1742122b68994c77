// The example shop's nightly report, in TypeScript (run through tsx):
//   node --import tsx examples/shop/report.ts

interface Order {
  id: number;
  user: number;
  total: number;
}

interface Summary {
  user: number;
  orders: number;
  total: number;
}

const orders: Order[] = Array.from({ length: 400 }, (_, i) => ({ id: i + 1, user: (i % 50) + 1, total: (i * 37) % 500 }));

export function summarize(user: number): Summary {
  const mine = orders.filter((o) => o.user === user);
  return { user, orders: mine.length, total: mine.reduce((s, o) => s + o.total, 0) };
}

const best = [1, 2, 3, 4, 5].map(summarize).sort((a, b) => b.total - a.total)[0];
console.log(`report: best customer ${best.user} with ${best.total}`);
