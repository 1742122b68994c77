// npm test: run every compiled test file (build/test/**/*.test.js) with node:test. Node 20's
// runner takes no globs and runs every .js file under a directory it is given, fixtures included,
// so the files are listed here.
//
// The files run in lanes side by side: the ones that attach with -p (they share the inspector
// port 9229 and assert that nothing listens on it afterwards) one after another, and all the
// others two at a time beside them. Most tests wait on child processes, so the lanes take far
// less time on a 2-core machine, and two attaches never overlap. Run as root where `unshare -n`
// works (CI), the attaching files take two lanes, each in a network namespace of its own (its own
// loopback, its own port 9229): the one lane of them was most of the suite's time.
// JSPROBE_TEST_LANES=1 runs every file in one lane, as before; JSPROBE_TEST_NETNS=0 keeps the
// attaching files in one lane in this namespace.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return find(p);
    return e.name.endsWith('.test.js') ? [p] : [];
  });
}

// JSPROBE_TEST_ROOT: another tree of compiled tests (test/scripts/run-tests.test.ts runs the runner on its own).
const files = find(process.env.JSPROBE_TEST_ROOT ?? 'build/test').sort();
const only = process.argv.slice(2);
const chosen = only.length === 0 ? files : files.filter((f) => only.some((o) => f.includes(o)));
if (chosen.length === 0) {
  console.error(`no test files match ${only.join(' ')}`);
  process.exit(2);
}

// The suite tests live sites on every Node: on V8 >= 13 jsprobe makes no live edit unless asked
// (src/sites/inspector.ts), which test/sites/live-refused.test.ts checks with this unset.
process.env.JSPROBE_LIVE_EDIT ??= '1';

/** A file that attaches to a process (-p, the inspector port): it must not overlap another one. */
function attaches(file) {
  if (file.includes(`${join('build', 'test', 'attach')}/`)) return true;
  const text = readFileSync(file, 'utf8');
  return /attach\/procs\.js|['"]-p['"]|9229/.test(text);
}

/**
 * Bounds that only stop a hang, far above any time seen on a loaded machine: a test still running
 * after TEST_MS fails (on Node 20 and 22, a file too), and a lane still going after LANE_MS is
 * killed, its processes with it. A failed attach test once left a service up that its file's
 * runner waited on, and CI ran past its 90 minutes, unreported (test/cli/tracked.ts now kills
 * what a file started once its tests are done, or once its process is killed). Not --test-force-exit: a file's process then ends
 * as its last test does, and a failure that comes after (a test that did not wait for its
 * assertion, an error thrown from a timer) was never reported, on every Node from 20 to 26.
 */
const TEST_MS = 10 * 60_000;
const groups = new Set();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    for (const pid of groups) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    // As a shell reports a process the signal ended: 130, 143, 129.
    process.exit(128 + constants.signals[signal]);
  });
}
const LANE_MS = 40 * 60_000;

/**
 * A lane's group dies with this process, however it ends (SIGKILL included, which no handler above
 * sees): a shell with a pipe from here on its stdin kills the group when the pipe closes. Told a
 * line once the lane has ended, it ends without a kill: the group's number may then be another's.
 */
function dieWithThis(pgid) {
  const watcher = spawn('sh', ['-c', 'read -r _ || kill -s KILL -- "-$1"', 'sh', String(pgid)], { stdio: ['pipe', 'ignore', 'ignore'] });
  watcher.unref();
  watcher.stdin.on('error', () => {});
  return () => watcher.stdin.end('done\n');
}

/** Whether a lane can run in a network namespace of its own: root, and `unshare -n` and `ip` work here. */
function privateNetworks() {
  if (process.env.JSPROBE_TEST_NETNS === '0' || process.getuid?.() !== 0) return false;
  return spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore' }).status === 0;
}

/** In a network namespace of its own, with its loopback up: unshare and sh exec in place, so the pid is node's. */
const OWN_NETWORK = ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"'];

function run(list, concurrency, out, ownNetwork = false) {
  return new Promise((resolve) => {
    const io = out === undefined ? 'inherit' : 'pipe';
    const args = ['--test', `--test-concurrency=${concurrency}`, `--test-timeout=${TEST_MS}`, ...list];
    const [command, argv] = ownNetwork ? ['unshare', [...OWN_NETWORK, process.execPath, ...args]] : [process.execPath, args];
    // Its own process group, so that a hung lane goes with everything it started (and a Ctrl-C here, which no longer reaches it, too).
    const child = spawn(command, argv, { stdio: ['ignore', io, io], detached: true });
    groups.add(child.pid);
    const ended = dieWithThis(child.pid);
    child.once('close', () => {
      groups.delete(child.pid);
      ended();
    });
    if (out !== undefined) {
      child.stdout.setEncoding('utf8').on('data', (d) => out.push(d));
      child.stderr.setEncoding('utf8').on('data', (d) => out.push(d));
    }
    const hung = setTimeout(() => {
      const said = `\n# run-tests: a lane still running after ${LANE_MS / 60_000} minutes is killed: ${list.length} files from ${list[0]}\n`;
      if (out === undefined) process.stderr.write(said);
      else out.push(said);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, LANE_MS);
    child.on('close', (code, signal) => {
      clearTimeout(hung);
      resolve(code ?? (signal === null ? 1 : 128));
    });
  });
}

/** Files the other lane runs at once: its files are three times the attaching ones' work. */
const OTHERS = 2;
const attaching = chosen.filter(attaches);
/** Each lane: its files, how many run at once, and whether it has a network of its own. */
let lanes;
if (process.env.JSPROBE_TEST_LANES === '1') lanes = [{ files: chosen, concurrency: 1 }];
else {
  const others = { files: chosen.filter((f) => !attaches(f)), concurrency: OTHERS };
  // Alternate files to each of two private networks: the heavy ones are spread by name well enough.
  const split = attaching.length > 1 && privateNetworks();
  const attachLanes = split
    ? [0, 1].map((k) => ({ files: attaching.filter((_, i) => i % 2 === k), concurrency: 1, ownNetwork: true }))
    : [{ files: attaching, concurrency: 1 }];
  lanes = [...attachLanes, others].filter((l) => l.files.length > 0);
}
// The first lane prints as it runs; the others' output follows when all are done, each whole, so
// that no two interleave line by line.
const outs = lanes.map((_, i) => (i === 0 ? undefined : []));
const codes = await Promise.all(lanes.map((l, i) => run(l.files, l.concurrency, outs[i], l.ownNetwork === true)));
for (let i = 1; i < lanes.length; i++) {
  const what = lanes[i].ownNetwork ? 'attaching, in a network of its own' : 'the others';
  process.stdout.write(`\n# lane ${i + 1} (${what}): ${lanes[i].files.length} files\n`);
  process.stdout.write(outs[i].join(''));
}
process.exit(codes.every((c) => c === 0) ? 0 : 1);
