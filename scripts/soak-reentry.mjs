// soak:reentry: attach `jsprobe -p` to a target and detach it, again and again, with probes that
// print, count into maps, sample stacks (profile) and run intervals, so that the command's
// requests, which run in the target as interrupts (docs/attach.md, "What runs as an interrupt"),
// land anywhere in jsprobe's own code there too: inside a probe's printf into the ring, a map
// update, a profile slice. Checks, round after round, that the target lives on, that jsprobe says
// no error, and that the command's output is whole: every line one the program prints, whole,
// and the maps at the end.
//
//   npm run build && node scripts/soak-reentry.mjs [--node 20,22,24,26] [--rounds 20] [--target busy,idle]
//       [--spinners 3]
//
// Run it in a private network namespace, as the tests are (other jsprobe runs use port 9229):
//   unshare -n sh -c 'ip link set lo up && node scripts/soak-reentry.mjs'
// `busy` never returns to its event loop (every request lands as an interrupt in its loop or in
// jsprobe's code), `idle` calls a function every 20 ms. One target per Node version and kind,
// attached --rounds times, each attach held 0-500 ms past the probe's first hit. --spinners N runs N `for(;;){}` processes
// beside it all (the load), 3 by default.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { binDir } from './node-versions.mjs';
import { attachRun, ROOT, option } from './soak-common.mjs';

const majors = option('node', '20,22,24,26').split(',').map(Number);
const rounds = Number(option('rounds', '20'));
const kinds = option('target', 'busy,idle').split(',');
const spinners = Number(option('spinners', '3'));

const COMMON = 'profile:hz:997 { @samples = count(); printf("sample\\n") } interval:ms:10 { @ticks = count(); printf("tick\\n") }';
const TARGETS = {
  busy: {
    file: 'test/fixtures/attach/busy.cjs',
    program: (f) => `fnret:${f('busy-hit.cjs')}:hit /retval % 20000 == 0/ { @n = count(); @by[retval % 3] = count(); printf("hit %d\\n", retval) } ${COMMON}`,
  },
  idle: {
    file: 'test/fixtures/attach/ticker.cjs',
    program: (f) => `fn:${f('ticker.cjs')}:tick { @n = count(); @by[pid % 3] = count(); printf("hit %d\\n", pid) } ${COMMON}`,
  },
};
/** What Node itself says on the target's stderr about its inspector. */
const NODE_SAYS = new RegExp('^(Debugger listening on ws:|For help, see: https://nodejs.org|Debugger attached\\.|Debugger ending on ws:|' +
  'Waiting for the debugger to disconnect)');
/** What jsprobe says on stderr that is not an error: the attach, its progress (a loaded machine is slow), drops. */
const QUIET = /^(Attached to \d+|Lost \d+ events|jsprobe: waiting for .* so far\)$)/;
/** Every line the command may print on stdout: the probes' printfs, then the maps. */
const LINE = /^(hit \d+|sample|tick|@(n|samples|ticks): \d+|@by\[\d+\]: \d+|@by:|)$/;

function nodeOf(major) {
  if (major === Number(process.versions.node.split('.')[0])) return process.execPath;
  const node = join(binDir(major), 'node');
  if (!existsSync(node)) throw new Error(`no Node ${major}: node scripts/node-versions.mjs install ${major}`);
  return node;
}

async function startTarget(node, kind) {
  const child = spawn(node, [join(ROOT, TARGETS[kind].file)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const target = { child, stderr: '', exit: null };
  child.stderr.setEncoding('utf8').on('data', (d) => (target.stderr += d));
  target.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve((target.exit = { code, signal }))));
  await new Promise((resolve, reject) => {
    child.stdout.once('data', resolve);
    target.exited.then((e) => reject(new Error(`the target ended before it was ready: ${JSON.stringify(e)} ${target.stderr}`)));
  });
  child.stdout.resume();
  return target;
}

/** One attach and detach: 'ok', or how it went wrong. */
async function round(node, kind, target) {
  const program = TARGETS[kind].program((f) => join(ROOT, 'test/fixtures/attach', f));
  // Held from the first hit, so that every round has one, for 0-500 ms more.
  const { code, out, err } = await attachRun(node, ['-p', String(target.child.pid), '-e', program], /^hit /m,
    (cli) => setTimeout(() => cli.kill('SIGINT'), Math.random() * 500));
  const wrong = [];
  if (code !== 0) wrong.push(`jsprobe: code ${code}`);
  const said = err.split('\n').filter((l) => l !== '' && !QUIET.test(l));
  if (said.length > 0) wrong.push(`stderr: ${JSON.stringify(said.slice(0, 3))}`);
  const lines = out.split('\n');
  const bad = lines.filter((l) => !LINE.test(l));
  if (bad.length > 0) wrong.push(`${bad.length} lines not whole: ${JSON.stringify(bad.slice(0, 3))}`);
  if (!/^@n: [1-9]/m.test(out)) wrong.push('no @n in the maps');
  // (Not @ticks: a busy target never returns to its loop, and on a loaded machine an idle one may
  // not have run its first interval's timer within a short round either.)
  // A death that comes a little after the detach is this round's.
  await new Promise((r) => setTimeout(r, 100));
  if (target.exit !== null) wrong.push(`target died: ${JSON.stringify(target.exit)}; stderr: ${JSON.stringify(target.stderr.slice(-400))}`);
  // Node's own lines about the inspector aside, the target says nothing.
  const own = target.stderr.split('\n').filter((l) => l !== '' && !NODE_SAYS.test(l));
  if (own.length > 0) wrong.push(`target stderr: ${JSON.stringify(own.slice(0, 3))}`);
  return wrong.length === 0 ? 'ok' : wrong.join('; ');
}

const load = Array.from({ length: spinners }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
const summary = [];
try {
  for (const major of majors) {
    const node = nodeOf(major);
    for (const kind of kinds) {
      let bad = 0;
      let done = 0;
      const started = Date.now();
      let target = await startTarget(node, kind);
      for (let i = 1; i <= rounds; i++) {
        const v = await round(node, kind, target);
        done++;
        if (v !== 'ok') {
          bad++;
          process.stdout.write(`node ${major} ${kind} round ${i}: ${v}\n`);
          // A target that died cannot be attached again: a new one for the rounds left.
          if (target.exit !== null) target = await startTarget(node, kind);
        }
        target.stderr = '';
      }
      target.child.kill('SIGTERM');
      await target.exited;
      const line = `node ${major} ${kind}: ${bad} of ${done} rounds went wrong (${((Date.now() - started) / 1000).toFixed(0)} s)`;
      summary.push(line);
      process.stdout.write(`${line}\n`);
    }
  }
} finally {
  for (const s of load) s.kill('SIGKILL');
}
process.stdout.write(`\n${spinners} spinners beside it\n${summary.join('\n')}\n`);
