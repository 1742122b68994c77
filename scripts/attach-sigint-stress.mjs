// A reproducer, not a test: `jsprobe -p` on a service that requests hammer, with a handler that
// faults at every hit, and Ctrl-C (SIGINT) at a random moment from the command's start. Each run
// must end (within 30 s) and, when a hit was reported before the Ctrl-C, print its map. Prints
// one line a run and the whole output of any run that hangs or loses its map. A hit first reported
// only after the Ctrl-C (a handler that ran once the detach had begun) is counted apart: its count
// may have come after the maps were read.
//
//   unshare -n sh -c 'ip link set lo up && node scripts/attach-sigint-stress.mjs RUNS FROM_MS SPAN_MS'
//
// (after npm run build; the Ctrl-C comes FROM_MS + random(SPAN_MS) after the command starts;
// 800 and 900 put most of them inside the attach on this 2-core machine). docs/attach.md,
// "Ctrl-C during the attach", says what it found.
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const [runs, from, span] = [Number(process.argv[2] ?? 100), Number(process.argv[3] ?? 800), Number(process.argv[4] ?? 900)];
const PROGRAM = 'fn:test/fixtures/attach/server.cjs:handle { @n = count(); printf("%x\\n", 1/0) }';

function request(port) {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path: '/x' }, (res) => res.resume().on('end', () => resolve(true)));
    req.on('error', () => resolve(false));
    req.setTimeout(20_000, () => {
      req.destroy();
      resolve('timeout');
    });
  });
}

let bad = 0;
let late = 0;
for (let i = 0; i < runs; i++) {
  const svc = spawn(process.execPath, [join(ROOT, 'test/fixtures/attach/server.cjs')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const { port, pid } = await new Promise((resolve) => {
    let text = '';
    svc.stdout.on('data', (d) => {
      text += d;
      if (text.includes('\n')) resolve(JSON.parse(text));
    });
  });
  let stop = false;
  let unanswered = 0;
  const hammer = (async () => {
    while (!stop) if ((await request(port)) === 'timeout') unanswered++;
  })();
  const cli = spawn(process.execPath, [join(ROOT, 'build/src/cli/main.cjs'), '-e', PROGRAM, '-p', String(pid)], { cwd: ROOT });
  let err = '';
  let out = '';
  cli.stderr.on('data', (d) => (err += d));
  cli.stdout.on('data', (d) => (out += d));
  const delay = from + Math.random() * span;
  await new Promise((resolve) => setTimeout(resolve, delay));
  // What had been reported when the Ctrl-C went: a hit before it must be in the map.
  const hitBefore = err.includes('handler threw');
  cli.kill('SIGINT');
  const t0 = Date.now();
  const end = await Promise.race([
    new Promise((resolve) => cli.once('close', (code, signal) => resolve(code ?? signal))),
    new Promise((resolve) => setTimeout(() => resolve('HUNG'), 30_000)),
  ]);
  stop = true;
  const mapped = /@n: \d+/.test(out);
  const lost = hitBefore && !mapped;
  if (!hitBefore && !mapped && err.includes('handler threw')) late++;
  const hit = hitBefore ? 'before' : err.includes('handler threw') ? 'after' : 'none';
  const seen = `attached=${err.includes('Attached')} hit=${hit} map=${mapped} unanswered=${unanswered}`;
  console.log(`run ${i}: Ctrl-C at ${delay.toFixed(0)} ms -> ${end} in ${Date.now() - t0} ms; ${seen}`);
  if (end === 'HUNG' || lost) {
    bad++;
    console.log(`  ${end === 'HUNG' ? 'HUNG' : 'MAP LOST'}; jsprobe pid ${cli.pid}, service pid ${pid}`);
    console.log(`  stderr: ${JSON.stringify(err)}\n  stdout: ${JSON.stringify(out)}`);
    if (end === 'HUNG') process.exit(1);
  }
  await hammer;
  svc.kill();
}
console.log(`${bad} of ${runs} runs lost their map; in ${late} a hit first reported after the Ctrl-C had no map`);
process.exit(bad === 0 ? 0 : 1);
