// The program of bench/rope.ts: calls describe() COUNT times (argv[2]), each with a fresh rope of
// SIZE characters (argv[3]; a 50 M-character flat string and one more character, joined by `+`,
// which V8 keeps as a cons string until some read of its characters flattens it), and times each
// call on its own clock. Prints the times (ms) as one JSON line on stderr.
'use strict';

const count = Number(process.argv[2] ?? 7);
const size = Number(process.argv[3] ?? 50e6);
const base = 'a'.repeat(size - 1);

function describe(s) {
  return s.length;
}

const ms = [];
for (let i = 0; i < count; i++) {
  // A new rope each call: one that was flattened stays flat.
  const s = base + (i % 10);
  const t0 = performance.now();
  describe(s);
  ms.push(performance.now() - t0);
}
process.stderr.write(`rope: ${JSON.stringify(ms)}\n`);
