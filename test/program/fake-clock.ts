// A clock a test can stop and move: process.hrtime, replaced before jsprobe's core captures it as
// it loads (core/primordials.ts), so a test file imports this before any module of jsprobe's.
// Running, it is the real clock.

const real = process.hrtime;
/** The stopped time in ms on the clock's base, or null while it runs. */
let stoppedAt: number | null = null;

function hrtime(prev?: [number, number]): [number, number] {
  if (stoppedAt === null) return real(prev);
  const ms = stoppedAt - (prev === undefined ? 0 : prev[0] * 1e3 + prev[1] / 1e6);
  const s = Math.floor(ms / 1e3);
  return [s, Math.round((ms - s * 1e3) * 1e6)];
}
hrtime.bigint = real.bigint;
process.hrtime = hrtime as typeof process.hrtime;

/** Stop the clock where it is. */
export function stopClock(): void {
  const [s, ns] = real();
  stoppedAt = s * 1e3 + ns / 1e6;
}

/** Move the stopped clock on by `ms`. */
export function moveClock(ms: number): void {
  if (stoppedAt !== null) stoppedAt += ms;
}

/** Let it run again, from the real time. */
export function runClock(): void {
  stoppedAt = null;
}
