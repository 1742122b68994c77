// -p on targets that loaded before jsprobe came: `line:` probes (a line breakpoint site that reads
// the locals there), a TypeScript service run through tsx (one line of JavaScript that LiveEdit
// cannot patch: its returns pause to give retval; what is not seen is said, never printed wrong),
// and a run where no probe attaches.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSPROBE, ROOT, jsprobe as jsprobeSync } from '../cli/run.js';
import { inspectorClosed, jsprobe, startService, type Service } from './procs.js';
import { spawnTracked } from '../cli/tracked.js';

const LINES = 'test/fixtures/attach/lines.cjs';
const TSX = 'test/fixtures/attach/tsx-app.ts';
/** The same through tsx in a "type": "commonjs" package: it runs as CommonJS. */
const TSX_CJS = 'test/fixtures/attach/tsx-cjs/app.ts';
/** The target waits this long for a ping before detaching by itself: far above a starved client's gaps. */
const PATIENT = 'JSPROBE_CLIENT_TIMEOUT_MS=120000';

function service(args: string): Promise<Service> {
  return startService(`${PATIENT} exec ${JSON.stringify(process.execPath)} ${args}`);
}

interface Run {
  child: ChildProcess;
  out(): string;
  err(): string;
  /** Resolves once `n` lines of stdout match `re`. */
  lines(re: RegExp, n: number): Promise<RegExpExecArray[]>;
  done: Promise<number | null>;
}

function trace(pid: number, program: string): Run {
  const child = spawnTracked(process.execPath, [JSPROBE, '-p', String(pid), '-e', program], { cwd: ROOT });
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const done = new Promise<number | null>((resolve) => child.once('close', resolve));
  const matches = (re: RegExp): RegExpExecArray[] => out.split('\n').flatMap((l) => {
    const m = re.exec(l);
    return m === null ? [] : [m];
  });
  const waiters: (() => void)[] = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const w of waiters.slice()) w();
  });
  const lines = (re: RegExp, n: number) => new Promise<RegExpExecArray[]>((resolve, reject) => {
    const check = (): void => {
      const found = matches(re);
      if (found.length < n) return;
      waiters.splice(waiters.indexOf(check), 1);
      resolve(found);
    };
    waiters.push(check);
    void done.then(() => reject(new Error(`jsprobe ended before ${n} lines matched ${re}:\n${out}\n${err}`)));
    check();
  });
  return { child, out: () => out, err: () => err, lines, done };
}


test('-p: a line: probe on a loaded CommonJS file reads the locals there', async () => {
  const svc = await service(LINES);
  try {
    const cli = trace(svc.pid, `line:${LINES}:9 { printf("%d %s\\n", x, label) }`);
    const seen = await cli.lines(/^(\d+) item(\d+)$/, 5);
    cli.child.kill('SIGINT');
    assert.equal(await cli.done, 0, cli.err());
    assert.match(cli.err(), /Attached to \d+: 1 probe\./);
    // x = n * 3 and label = `item${n}`, read at the line for the same call.
    for (const m of seen) assert.equal(Number(m[1]), Number(m[2]) * 3, m[0]);
    assert.equal(await inspectorClosed(), true);
  } finally {
    svc.child.kill();
  }
});

test('-p: a line: probe on a .ts file run through tsx is found through its source map', async () => {
  const svc = await service(`--import tsx ${TSX}`);
  try {
    const cli = trace(svc.pid, `line:${TSX}:21 { printf("%d %s\\n", n, label) }`);
    const seen = await cli.lines(/^(\d+) (\S+)$/, 3);
    cli.child.kill('SIGINT');
    assert.equal(await cli.done, 0, cli.err());
    for (const m of seen) assert.equal(m[2], `reading-${m[1]}`, m[0]);
  } finally {
    svc.child.kill();
  }
});

test('-p on tsx code: fnret gets the right retval (a number, an object) and elapsed; an async return it would never see is said', async () => {
  const svc = await service(`--import tsx ${TSX}`);
  try {
    const cli = trace(svc.pid, `fnret:${TSX}:spin { printf("spin %d %d\\n", retval, elapsed / 1000000) } ` +
      `fnret:${TSX}:describe { printf("describe %d %s\\n", retval.n, retval.label) } fnret:${TSX}:nap { @naps = count() }`);
    const seen = await cli.lines(/^spin (\S+) (\d+)$/, 3);
    const described = await cli.lines(/^describe (\d+) (\S+)$/, 3);
    cli.child.kill('SIGINT');
    assert.equal(await cli.done, 0, cli.err());
    // spin(20) busy-waits 20 ms and returns 40; the upper bound only catches an elapsed that is not the call's.
    for (const m of seen) {
      assert.equal(m[1], '40', m[0]);
      assert.ok(Number(m[2]) >= 10 && Number(m[2]) < 5000, m[0]);
    }
    // The very object describe() returned: its fields, read by the handler.
    for (const m of described) assert.equal(m[2], `reading-${m[1]}`, m[0]);
    const err = cli.err();
    assert.doesNotMatch(err, /retval reads as undefined/);
    assert.match(err, new RegExp(`fnret:${TSX}:spin: .*a return whose retval a handler reads pauses the thread`));
    assert.match(err, new RegExp(`fnret:${TSX}:nap: not attached, as it would never run: .*only onEntry runs`));
    // It matched: no line says otherwise.
    assert.doesNotMatch(err, new RegExp(`fnret:${TSX}:nap matches nothing`));
    assert.match(err, /Attached to \d+: 2 probes\b/);
    assert.doesNotMatch(cli.out(), /@naps/);
  } finally {
    svc.child.kill();
  }
});

test('-p on tsx code: two probes of one function share one paragraph of why (naming tsx), each other line short', async () => {
  const svc = await service(`--import tsx ${TSX}`);
  try {
    const cli = trace(svc.pid, `fnret:${TSX}:nap { @a = count() } fnret:${TSX}:nap { @b = count() } ` +
      `fn:${TSX}:spin { @c = count() } fnret:${TSX}:spin { @d = count() }`);
    await cli.lines(/^@c: \d+$/, 0);
    const attached = () => /Attached to \d+/.test(cli.err());
    while (!attached()) await new Promise((resolve) => cli.child.stderr!.once('data', resolve));
    cli.child.kill('SIGINT');
    assert.equal(await cli.done, 0, cli.err());
    const lines = cli.err().split('\n');
    const of = (probe: string) => lines.filter((l) => l.startsWith(`jsprobe: ${probe}: `));
    // The reason, said once for each function, names tsx as what wrote the code LiveEdit cannot patch.
    const why = /cannot be patched in place: it runs as tsx \(or another TypeScript loader\) compiled it: /;
    for (const probe of [`fnret:${TSX}:nap`, `fn:${TSX}:spin`, `fnret:${TSX}:spin`]) assert.ok(of(probe).length >= 1, cli.err());
    const [naps, spins] = [of(`fnret:${TSX}:nap`), [...of(`fn:${TSX}:spin`), ...of(`fnret:${TSX}:spin`)]];
    assert.equal(naps.length, 2, cli.err());
    assert.equal(spins.length, 2, cli.err());
    for (const pair of [naps, spins]) {
      assert.equal(pair.filter((l) => why.test(l)).length, 1, cli.err());
      assert.equal(pair.filter((l) => l.includes('a hit costs tens of µs')).length, 1, cli.err());
      // The other line points at the first, in a few words and what is its own.
      const other = pair.find((l) => !why.test(l))!;
      assert.match(other, / as said (for \S+ )?above/);
      assert.ok(other.length < 300, other);
    }
    assert.match(naps[1], new RegExp(`^jsprobe: fnret:${TSX}:nap: not attached, as it would never run: as said above$`));
    assert.match(spins[1], /as said for fn:\S+:spin above; a return whose retval a handler reads pauses the thread/);
  } finally {
    svc.child.kill();
  }
});

test('-p on tsx code: ustack names the .ts file\'s own lines through its inline source map, and no frame of jsprobe\'s', async () => {
  const svc = await service(`--import tsx ${TSX}`);
  try {
    // spin() (lines 11-17) and describe() (19-22) are called from the setInterval callback at lines 48-52.
    const cli = trace(svc.pid, `fnret:${TSX}:spin { printf("S%sE\\n", ustack(2)) } fn:${TSX}:describe { printf("S%sE\\n", ustack(2)) }`);
    const stacks = (await cli.lines(/^S$/, 4)).length;
    cli.child.kill('SIGINT');
    assert.equal(await cli.done, 0, cli.err());
    assert.ok(stacks >= 4);
    const frames = [...cli.out().matchAll(/^ +(\S+) \((.*):(\d+):(\d+)\)$/gm)].map((m) => ({ name: m[1], file: m[2], line: Number(m[3]) }));
    const named = (name: string) => frames.filter((f) => f.name === name);
    assert.ok(named('spin').length > 0 && named('describe').length > 0, cli.out());
    for (const f of [...named('spin'), ...named('describe')]) {
      assert.ok(f.file.endsWith(TSX), `${f.name} is named in ${f.file}`);
      const [from, to] = f.name === 'spin' ? [11, 17] : [19, 22];
      assert.ok(f.line >= from && f.line <= to, `${f.name} at line ${f.line} of the .ts file, not the compiled one's line 1`);
    }
    for (const f of frames.filter((x) => x.name !== 'spin' && x.name !== 'describe')) {
      if (f.file.endsWith(TSX)) assert.ok(f.line >= 47 && f.line <= 52, `the caller at line ${f.line}`);
    }
    assert.doesNotMatch(cli.out(), /^ +eval\b/m, 'the breakpoint condition\'s own frames are left out');
  } finally {
    svc.child.kill();
  }
});

test('-p on tsx code that runs as CommonJS: ustack goes through its inline source map, though its frames name a path, not the inspector\'s URL', async () => {
  const svc = await service(`--import tsx ${TSX_CJS}`);
  try {
    assert.equal(svc.first.cjs, true, 'the fixture runs as CommonJS');
    // describe() (lines 12-15) is called from the setInterval callback at lines 27-29.
    const cli = trace(svc.pid, `fn:${TSX_CJS}:describe { printf("S%sE\\n", ustack(2)) }`);
    await cli.lines(/^E$/, 3);
    cli.child.kill('SIGINT');
    assert.equal(await cli.done, 0, cli.err());
    const frames = [...cli.out().matchAll(/^ +(\S+) \((.*):(\d+):(\d+)\)$/gm)].map((m) => ({ name: m[1], file: m[2], line: Number(m[3]) }));
    const file = join(ROOT, TSX_CJS);
    const inner = frames.filter((f) => f.name === 'describe');
    const callers = frames.filter((f) => f.name !== 'describe');
    assert.ok(inner.length >= 3 && callers.length >= 3, cli.out());
    // Unmapped, both are on tsx's line 2 of the compiled code.
    for (const f of inner) assert.deepEqual([f.file, f.line >= 12 && f.line <= 15], [file, true], `describe at ${f.file}:${f.line}`);
    for (const f of callers) assert.deepEqual([f.file, f.line >= 27 && f.line <= 29], [file, true], `its caller at ${f.file}:${f.line}`);
  } finally {
    svc.child.kill();
  }
});

test('-p: when no probe attaches anywhere, jsprobe says so and exits 1 instead of waiting', async () => {
  const svc = await service(`--import tsx ${TSX}`);
  try {
    // A file that exists but is not loaded there, and an async function's return it cannot see.
    const cli = trace(svc.pid, `fn:${LINES}:work { @n = count() } fnret:${TSX}:nap { @naps = count() }`);
    assert.equal(await cli.done, 1, cli.err());
    const err = cli.err();
    assert.match(err, new RegExp(`fn:${LINES}:work matches nothing loaded`));
    assert.match(err, /no probe attached in process \d+ or its workers: nothing to trace\n/);
    assert.doesNotMatch(err, /Attached to/);
    assert.equal(await inspectorClosed(), true);
  } finally {
    svc.child.kill();
  }
});

test('-p: a misspelt export of a module the target has loaded gets the names near it there, as -c and -l -p give them', async () => {
  const svc = await service(LINES);
  try {
    const cli = trace(svc.pid, `fn:./${LINES}#wrok { @n = count() }`);
    assert.equal(await cli.done, 1, cli.err());
    const said = `fn:./${LINES}#wrok matches nothing loaded in process ${svc.pid} or its workers. Did you mean fn:./${LINES}#work?\n`;
    assert.ok(cli.err().includes(said), cli.err());
    assert.equal(await inspectorClosed(), true);
  } finally {
    svc.child.kill();
  }
});

test('-p: a relative path is from the target\'s working directory; matching nothing, jsprobe names it and the path likely meant', async () => {
  const away = realpathSync(tmpdir());
  const file = JSON.stringify(join(ROOT, LINES));
  const elsewhere = await startService(`cd ${JSON.stringify(away)} && ${PATIENT} exec ${JSON.stringify(process.execPath)} ${file}`);
  try {
    const cli = trace(elsewhere.pid, `fn:${LINES}:work { @n = count() }`);
    assert.equal(await cli.done, 1, cli.err());
    assert.ok(cli.err().includes(`fn:${LINES}:work matches nothing loaded in process ${elsewhere.pid} or its workers `
      + `(a relative path is from the process's working directory, ${away}); did you mean fn:${join(ROOT, LINES)}:work?\n`), cli.err());
    assert.equal(await inspectorClosed(), true);
  } finally {
    elsewhere.child.kill();
  }
});

test('-p: a relative path the target resolves from its own working directory is checked there too, not only from jsprobe\'s', async () => {
  // The target runs in the fixture's directory; jsprobe, in the project's, names the file as the
  // target sees it. The check before the attach took it from jsprobe's directory and refused it.
  const dir = join(ROOT, 'test/fixtures/attach');
  const svc = await startService(`cd ${JSON.stringify(dir)} && ${PATIENT} exec ${JSON.stringify(process.execPath)} lines.cjs`);
  try {
    const cli = trace(svc.pid, 'fn:lines.cjs:work { printf("hit %d\\n", arg0) }');
    await cli.lines(/^hit \d+$/, 3);
    cli.child.kill('SIGINT');
    assert.equal(await cli.done, 0, cli.err());
    assert.match(cli.err(), /Attached to \d+: 1 probe\./);
    assert.equal(await inspectorClosed(), true);
  } finally {
    svc.child.kill();
  }
});

test('-p: a verb one of whose probes does not attach prints no answer made of the others (trace: a row of NaN), says which, and exits 1', async () => {
  // Live edits off: an async function's return is then seen by no site, on every Node.
  const server = JSON.stringify(join(ROOT, 'test/fixtures/attach/server.cjs'));
  const svc = await startService(`JSPROBE_LIVE_EDIT=0 ${PATIENT} exec ${JSON.stringify(process.execPath)} ${server}`);
  try {
    // It stayed attached with the entry alone, waiting for Ctrl-C (a failure bound ends it: procs.ts).
    const { code, out, err } = await jsprobe(['trace', 'test/fixtures/attach/server.cjs:handle', '-p', String(svc.pid)]).done;
    assert.equal(code, 1, err);
    assert.match(err, /jsprobe trace: fnret:test\/fixtures\/attach\/server\.cjs:handle did not attach in process \d+ \(above\), and the answer needs/);
    assert.doesNotMatch(err, /Attached to/);
    assert.equal(out, '', 'no answer printed');
    assert.equal(await inspectorClosed(), true);
  } finally {
    svc.child.kill();
  }
});

test('-p: stuck -i whose probe does not attach prints no interval\'s answer around the refusal', async () => {
  // Live edits off: an async function's return is then seen by no site, on every Node. Its
  // interval runs in the target from the attach on, every millisecond, until the detach.
  const server = JSON.stringify(join(ROOT, 'test/fixtures/attach/server.cjs'));
  const svc = await startService(`JSPROBE_LIVE_EDIT=0 ${PATIENT} exec ${JSON.stringify(process.execPath)} ${server}`);
  try {
    const { code, out, err } = await jsprobe(['stuck', 'test/fixtures/attach/server.cjs:handle', '--older', '0', '-i', '0.001', '-p', String(svc.pid)]).done;
    assert.equal(code, 1, err);
    assert.match(err, /no probe attached in process \d+ or its workers: nothing to trace/);
    assert.equal(out, '', 'no answer printed');
  } finally {
    svc.child.kill();
  }
});

test('-p: "Attached to PID: N probes" counts a pattern\'s matches, as -c\'s "Attaching N probes" and -l do', async () => {
  const listed = jsprobeSync(['-l', `${LINES}:*`]);
  const n = listed.stdout.trim().split('\n').length;
  assert.ok(n >= 2, listed.stdout);
  const svc = await service(LINES);
  try {
    const cli = trace(svc.pid, `fn:${LINES}:* { @[func] = count() } interval:ms:100 { exit() }`);
    assert.equal(await cli.done, 0, cli.err());
    assert.match(cli.err(), new RegExp(`Attached to ${svc.pid}: ${n} probes\\.`));
  } finally {
    svc.child.kill();
  }
});

test('-l \'line:FILE:*\' -p lists the lines a line probe can fire at, as it does without -p, not the functions', async () => {
  const here = jsprobeSync(['-l', `line:${LINES}:*`]);
  assert.equal(here.code, 0, here.stderr);
  assert.match(here.stdout, /^line:\S+:9 .*locals: x, label, n$/m);
  const svc = await service(LINES);
  try {
    const there = await jsprobe(['-l', `line:${LINES}:*`, '-p', String(svc.pid)]).done;
    assert.equal(there.code, 0, there.err);
    assert.equal(there.out, here.stdout);
  } finally {
    svc.child.kill();
  }
});

test('-l \'module#*\' -p runs none of the target\'s code: a loaded module\'s getters are not read, one not loaded is read from its text', async () => {
  // Before, the listing read every export (running a getter) and required a module not loaded yet (running it in the target).
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'jsprobe-plist-')));
  const marker = (name: string): string => `require('node:fs').writeFileSync(${JSON.stringify(join(dir, `${name}.ran`))}, 'x');`;
  const getter = `Object.defineProperty(exports, 'trap', { enumerable: true, get() { ${marker('getter')} return work; } });`;
  writeFileSync(join(dir, 'lib.cjs'), `function work() {}\n${getter}\nexports.work = work;\n`);
  writeFileSync(join(dir, 'later.cjs'), `${marker('later')}\nexports.handle = function () {};\n`);
  writeFileSync(join(dir, 'svc.cjs'), "require('./lib.cjs');\nconsole.log(JSON.stringify({ port: 0, pid: process.pid }));\nsetInterval(() => {}, 1000);\n");
  const svc = await startService(`cd ${JSON.stringify(dir)} && ${PATIENT} exec ${JSON.stringify(process.execPath)} svc.cjs`);
  try {
    const loaded = await jsprobe(['-l', `${join(dir, 'lib.cjs')}#*`, '-p', String(svc.pid)]).done;
    assert.equal(loaded.code, 0, loaded.err);
    assert.equal(loaded.out, `fn:${join(dir, 'lib.cjs')}#work\n`);
    const later = await jsprobe(['-l', `${join(dir, 'later.cjs')}#*`, '-p', String(svc.pid)]).done;
    assert.equal(later.code, 0, later.err);
    assert.equal(later.out, `fn:${join(dir, 'later.cjs')}#handle  ${join(dir, 'later.cjs')}:2\n`);
    assert.equal(existsSync(join(dir, 'getter.ran')), false, 'the getter ran');
    assert.equal(existsSync(join(dir, 'later.ran')), false, 'later.cjs ran');
  } finally {
    svc.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

const VM_CONTEXT = 'test/fixtures/attach/vm-context.cjs';

// Until 2026-12 a function in a node:vm context of its own (jest's modules) got a breakpoint or
// live site whose code could not reach jsprobe there: it was attached, and counted nothing, silently.
test('-p: a function that runs only in a node:vm context of its own is refused, and said so, not attached to count nothing', async () => {
  const svc = await service(VM_CONTEXT);
  try {
    // By its name, and by a glob that the wrapper's function matches too (which was attached, and counted nothing).
    for (const name of ['add', '*']) {
      const cli = trace(svc.pid, `fn:test/fixtures/cli/vm-runner/math.cjs:${name} { @n = count() }`);
      assert.equal(await cli.done, 1, cli.err());
      assert.match(cli.err(), /vm-runner\/math\.cjs runs in a node:vm context of its own \(as jest runs the modules a test loads\)[^\n]*: not probed\n/);
      assert.doesNotMatch(cli.err(), /matches nothing loaded|Attached to/);
    }
    // A glob over files in both contexts, whose only function of the name is in the vm one: that is
    // said, not "matches nothing loaded"; and said once for fn and fnret of one target.
    const glob = 'test/fixtures/**/*.cjs:add';
    const cli = trace(svc.pid, `fn:${glob} { @n = count() } fnret:${glob} { @m = count() }`);
    assert.equal(await cli.done, 1, cli.err());
    const said = cli.err().match(/math\.cjs and 1 more script\(s\) each runs in a node:vm context of its own[^\n]*: not probed\n/g) ?? [];
    assert.equal(said.length, 1, cli.err());
    assert.doesNotMatch(cli.err(), /matches nothing loaded|Attached to/);
    assert.equal(await inspectorClosed(), true);
  } finally {
    svc.child.kill();
  }
});

test('-p: of a file run both in a vm context of its own and in the main one, the main one\'s calls are counted and the other is named', async () => {
  const svc = await service(VM_CONTEXT);
  try {
    const cli = trace(svc.pid, 'fn:test/fixtures/attach/vm-both.cjs:twice { printf("twice %d\\n", arg0) }');
    const seen = await cli.lines(/^twice (\d+)$/, 3);
    cli.child.kill('SIGINT');
    assert.equal(await cli.done, 0, cli.err());
    // Only the main context's copy, which the service calls with 2, is seen.
    for (const m of seen) assert.equal(m[1], '2', cli.out());
    assert.match(cli.err(), /vm-both\.cjs left out: it runs in a node:vm context of its own/);
    assert.equal(await inspectorClosed(), true);
  } finally {
    svc.child.kill();
  }
});

// Until 2026-12 a worker's refusal was followed by "matches nothing loaded in process N or its
// workers", as the main thread has no such file: the worker's word is now the one said.
test('-p: a function that runs only in a vm context of a worker thread is refused by the worker, and not said to match nothing', async () => {
  const svc = await service('test/fixtures/attach/vm-worker.cjs');
  try {
    const cli = trace(svc.pid, 'fn:test/fixtures/cli/vm-runner/math.cjs:add { @n = count() }');
    assert.equal(await cli.done, 1, cli.err());
    assert.match(cli.err(), /vm-runner\/math\.cjs runs in a node:vm context of its own[^\n]*: not probed\n/);
    assert.doesNotMatch(cli.err(), /matches nothing loaded|Attached to/);
    assert.match(cli.err(), /no probe attached in process \d+ or its workers: nothing to trace/);
    assert.equal(await inspectorClosed(), true);
  } finally {
    svc.child.kill();
  }
});
