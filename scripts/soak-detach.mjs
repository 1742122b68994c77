// soak:detach: attach `jsprobe -p` to a target, let a probe fire, detach with SIGINT, and check that the
// target lives on and ends only when told to, round after round, on each Node version (the target
// runs under that version; jsprobe under this node). A target that dies after a detach (SIGABRT was
// seen on Node 26) is counted with its exit status and what it printed on stderr.
//
//   npm run build && node scripts/soak-detach.mjs [--node 20,22,24,26] [--rounds 100]
//       [--target server,big-heap] [--mb 50] [--workers 0] [--max-pause MS] [--cli-node target|this] [--keep-cores DIR]
//
// Run it in a private network namespace, as the tests are (other jsprobe runs use port 9229):
//   unshare -n sh -c 'ip link set lo up && node scripts/soak-detach.mjs'
// Each round has a target of its own: `server` is the attach tests' HTTP service, kept busy by
// requests from this script; `big-heap` is a ~--mb MB heap whose own 5 ms timer calls the probed
// method. Without --max-pause, jsprobe's default budget: the server's small heap gets a breakpoint
// or live site, and the big heap, over the budget, a wrap site.
// --keep-cores DIR runs targets with core dumps on, and moves a dead target's core there.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { join } from 'node:path';
import { binDir } from './node-versions.mjs';
import { attachRun, ROOT, option } from './soak-common.mjs';

const majors = option('node', '20,22,24,26').split(',').map(Number);
const rounds = Number(option('rounds', '100'));
const kinds = option('target', 'server,big-heap').split(',');
const mb = Number(option('mb', '50'));
const cores = option('keep-cores', undefined);
/** Worker threads the server runs (each gets the runtime too). */
const workers = option('workers', '0');
/** --max-pause for jsprobe, if given: 0 allows no heap walk (wrap sites only); a budget, live patches on a small heap. */
const maxPause = option('max-pause', undefined);
/** Which node runs jsprobe itself: 'target' (the target's version, as a CI run under that version does) or 'this'. */
const cliNode = option('cli-node', 'target');

const TARGETS = {
  server: {
    file: 'test/fixtures/attach/server.cjs', args: [workers], fn: 'handle',
  },
  'big-heap': {
    // Store.get, which a property holds: a wrap site over the pause budget. Its internal `work`
    // has no other site than a breakpoint, and enabling the Debugger walks the heap too.
    file: 'test/fixtures/attach/big-heap.cjs', args: [String(mb)], fn: 'Store.get',
  },
};

function nodeOf(major) {
  if (major === Number(process.versions.node.split('.')[0])) return process.execPath;
  const node = join(binDir(major), 'node');
  if (!existsSync(node)) throw new Error(`no Node ${major}: node scripts/node-versions.mjs install ${major}`);
  return node;
}

/** Lines from a stream, one callback each. */
function lines(stream, each) {
  let buf = '';
  stream.setEncoding('utf8').on('data', (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      each(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
}

function threads(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).length;
  } catch {
    return -1;
  }
}

const until = async (what, ms, ok) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** Start the target; resolves once it said its pid. */
async function startTarget(node, kind, cwd) {
  const t = TARGETS[kind];
  const child = spawn(node, [join(ROOT, t.file), ...t.args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const target = { child, stderr: '', first: null, exit: null };
  child.stderr.setEncoding('utf8').on('data', (d) => (target.stderr += d));
  target.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve((target.exit = { code, signal }))));
  await new Promise((resolve, reject) => {
    lines(child.stdout, (l) => {
      if (target.first === null) resolve((target.first = JSON.parse(l)));
    });
    target.exited.then((e) => reject(new Error(`the target ended before it was ready: ${JSON.stringify(e)} ${target.stderr}`)));
  });
  return target;
}

/** Keep an HTTP service busy until stop() (two requests in flight, one connection each). */
function load(port) {
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  let on = true;
  const one = () => {
    if (!on) return;
    get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      res.resume();
      res.on('end', one);
    }).on('error', () => setTimeout(one, 10));
  };
  one();
  one();
  return () => {
    on = false;
    agent.destroy();
  };
}

function request(port) {
  return new Promise((resolve) => {
    get({ host: '127.0.0.1', port, path: '/x' }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => resolve(body));
    }).on('error', (e) => resolve(e.message));
  });
}

/** One round: 'ok', or how it went wrong. */
async function round(node, kind) {
  const target = await startTarget(node, kind, cores ?? ROOT);
  const pid = target.child.pid;
  const stopLoad = kind === 'server' ? load(target.first.port) : () => {};
  const before = threads(pid);
  const program = `fn:${join(ROOT, TARGETS[kind].file)}:${TARGETS[kind].fn} { @n = count(); printf("hit\\n") }`;
  const budget = maxPause === undefined ? [] : ['--max-pause', maxPause];
  // Detach from an idle service, as the attach tests do, and ask it right after.
  const { code, out, err, hit } = await attachRun(cliNode === 'this' ? process.execPath : node, ['-p', String(pid), ...budget, '-e', program], /hit\n/,
    (cli) => {
      stopLoad();
      cli.kill('SIGINT');
    });
  let verdict = 'ok';
  if (!hit || code !== 0 || !/@n: [1-9]/.test(out)) verdict = `jsprobe: code ${code}, hit ${hit}: ${err.trim().split('\n').slice(-2).join(' | ')}`;
  if (kind === 'server') {
    for (let i = 0; i < 3 && target.exit === null; i++) {
      if ((await request(target.first.port)) !== 'ok') verdict = 'the service did not answer after the detach';
    }
  }
  // The channel thread ends after the detach: wait for the target to be back to its threads of before (or to die).
  try {
    await until('the channel thread to end', 5000, () => target.exit !== null || threads(pid) <= before);
  } catch {
    verdict = `the target has ${threads(pid)} threads 5 s after the detach, ${before} before the attach`;
  }
  // A round that ends early would hide an abort that comes a little later: give it a moment more.
  await new Promise((r) => setTimeout(r, 200));
  const diedEarly = target.exit !== null;
  if (!diedEarly) target.child.kill('SIGTERM');
  const exit = await target.exited;
  if (diedEarly || exit.signal !== 'SIGTERM') {
    verdict = `target died: ${exit.signal ?? `code ${exit.code}`}; stderr: ${JSON.stringify(target.stderr.slice(-400))}`;
    if (cores !== undefined) {
      for (const f of [`core.${pid}`, 'core']) {
        if (existsSync(join(cores, f))) renameSync(join(cores, f), join(cores, `core.${kind}.${pid}`));
      }
    }
  }
  return verdict;
}

if (cores !== undefined) mkdirSync(cores, { recursive: true });
const summary = [];
for (const major of majors) {
  const node = nodeOf(major);
  for (const kind of kinds) {
    let bad = 0;
    const started = Date.now();
    for (let i = 1; i <= rounds; i++) {
      const v = await round(node, kind);
      if (v !== 'ok') {
        bad++;
        process.stdout.write(`node ${major} ${kind} round ${i}: ${v}\n`);
      }
      if (i % 10 === 0) process.stdout.write(`node ${major} ${kind}: ${i} rounds, ${bad} wrong\n`);
    }
    const secs = ((Date.now() - started) / 1000).toFixed(0);
    const line = `node ${major} (${node === process.execPath ? process.version : `v${major}`}) ${kind}: ${bad} of ${rounds} rounds went wrong (${secs} s)`;
    summary.push(line);
    process.stdout.write(`${line}\n`);
  }
}
process.stdout.write(`\n${summary.join('\n')}\n`);
