// A traced program that replaces, at its first line, nearly every method, getter and iterator of
// JavaScript's built-ins (test/fixtures/safety/builtins/patch.cjs notes each call whose caller is
// jsprobe's own code) then ends in each of the ways a session ends: it returns, runs past the
// once-a-second backup, calls process.exit(), throws, and has a worker thread or a child process.
// jsprobe's hits, its aggregations, END, the maps' gathering and their printing call none of the
// replaced built-ins, and the program's output and exit are those of a run without jsprobe.
// Node's own objects (process's emitter methods, timers, MessagePort, fs, path) are not JavaScript's
// built-ins, and neither is what Node's code calls when jsprobe calls it: docs/language.md ("Safety")
// says which of them jsprobe still reaches.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsprobe, ROOT } from '../cli/run.js';

const F = 'test/fixtures/safety/builtins/prog.cjs';
const PROGRAM = `
fn:${F}:work { @c[arg1] = count(); @t[arg1, arg0] = sum(arg0); @s = stats(arg0); @l = lhist(arg0, 0, 10, 1); printf("%s %d %s\\n", arg1, arg0, args) }
fnret:${F}:work { @r[retval.name] = count(); printf("ret %s %s\\n", retval, ustack(2)); @last = retval }
fnret:${F}:later { @h = hist(elapsed); @v = max(retval) }
fn:${F}:gen, fnret:${F}:gen { @g[probe] = count() }
interval:ms:300 { print(@c); printf("tick\\n") }
END { print(@t, 3); printf("end\\n") }`;

/** Holders that are Node's, not JavaScript's (see the top of this file). */
// Not Worker: jsprobe reads a worker's threadId by the getter as loaded.
const NODE_HOLDERS = [
  'fs', 'path', 'util', 'process', 'worker_threads', 'EventEmitter', 'MessagePort', 'Timeout', 'Immediate', 'Buffer', 'TextEncoder', 'TextDecoder',
  "stdout's", 'globalThis\\.process',
];
const NODE_OWN = new RegExp(`^(get |set )?(${NODE_HOLDERS.join('|')})\\b`);

interface Reached {
  name: string;
  /** Frames between the built-in and jsprobe's caller: Node's (`node:…`) when Node's code made the call. */
  via: string[];
  frames: string[];
}

interface Run {
  reached: Reached[];
  stdout: string;
  stderr: string;
  code: number | null;
}

/** jsprobe's own call of one of JavaScript's built-ins (not Node's objects, nor Node's code doing it on jsprobe's behalf). */
const jsprobesOwn = (x: Reached): boolean => !NODE_OWN.test(x.name) && !x.via.some((v) => v.includes('(node:'));

function run(how: string, flags: string[] = [], program = PROGRAM, env: Record<string, string> = {}): Run {
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-builtins-'));
  const out = join(dir, 'reached.jsonl');
  try {
    const r = jsprobe([...flags, '-e', program, '-c', `node ${F} ${how}`], 120_000, { ...env, BUILTINS_OUT: out });
    let text = '';
    try {
      text = readFileSync(out, 'utf8');
    } catch {
      // Nothing was reached: the file was never written.
    }
    const reached = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Reached);
    return { reached, stdout: r.stdout, stderr: r.stderr, code: r.code };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What of jsprobe's own calls `r` noted, each with where it came from. */
const ownCalls = (r: Run): string[] => r.reached.filter(jsprobesOwn).map((x) => `${x.name} from ${x.frames.slice(0, 3).join(' < ')}`);

const CASES: [how: string, flags?: string[]][] = [['plain'], ['plain', ['-f', 'json']], ['long'], ['exit'], ['throw'], ['worker'], ['child']];

for (const [how, flags = []] of CASES) {
  test(`a program that replaced the built-ins and ends by '${how}' ${flags.join(' ')}: jsprobe calls none of them`, () => {
    const bare = spawnSync(process.execPath, [F, how], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    const r = run(how, flags);
    const detail = `stderr:\n${r.stderr}`;
    assert.deepEqual(ownCalls(r), [], detail);
    assert.equal(r.code, bare.status, detail);
    // The program's own line (at its exit) is as without jsprobe, and the trace did come out.
    const own = (s: string): string[] => s.split('\n').filter((l) => l.startsWith(`${how} `));
    assert.deepEqual(own(r.stdout), own(bare.stdout), detail);
    assert.match(r.stdout, flags.includes('json') ? /"@c"/ : /^@c\[w0\]: \d+$/m, detail);
    assert.match(r.stdout, flags.includes('json') ? /end\\n/ : /^end$/m, detail);
  });
}

// Modules the program loads after it replaced the built-ins are rewritten then, in its thread
// (the ES module too on Node >= 22.15, whose load hooks run there): parsed afresh on the first run,
// read from the rewrite cache on the second.
const LAZY = 'test/fixtures/safety/builtins/lazy';
const LAZY_PROGRAM = `${PROGRAM}
fn:${LAZY}.cjs:lazyWork { @lazy[probe] = count() } fnret:${LAZY}.mjs:lazyImported { @lazy[probe] = count() }
line:${LAZY}.cjs:5 { @lazy[probe] = count() } fn:${LAZY}.cjs:Derived.* { @d = count() } fn:test/fixtures/safety/*/lazy.mjs:main { @m = count() }`;

/** A module of `bytes` or more, with bigWork: oxc's raw route (Node >= 22) would parse it, but for what the program replaced. */
function bigModule(file: string, bytes: number): void {
  const fns: string[] = ['exports.bigWork = function bigWork(x) { return x * 5; };'];
  for (let i = 0, n = fns[0].length; n < bytes; i++) {
    fns.push(`exports.f${i} = function f${i}(x) { const y = [x, ${i}n, /a${i}/g]; return y.length + ${i}; };`);
    n += fns[i + 1].length + 1;
  }
  writeFileSync(file, `'use strict';\n${fns.join('\n')}\n`);
}

test('modules required and imported after the program replaced the built-ins: jsprobe rewrites them calling none of them', () => {
  const cache = mkdtempSync(join(tmpdir(), 'jsprobe-builtins-cache-'));
  const big = join(cache, 'big.cjs');
  bigModule(big, 1.2 * (1 << 20));
  try {
    for (const pass of ['parsed', 'cached']) {
      const r = run('lazy', [], `${LAZY_PROGRAM}\nfn:${big}:bigWork { @big = count() }`, { JSPROBE_CACHE: cache, LAZY_BIG: big });
      const detail = `${pass}: stderr:\n${r.stderr}`;
      assert.deepEqual(ownCalls(r), [], detail);
      assert.equal(r.code, 0, detail);
      assert.match(r.stdout, /^lazy 0 5$/m, detail);
      for (const probe of [`fn:${LAZY}.cjs:lazyWork`, `fnret:${LAZY}.mjs:lazyImported`, `line:${LAZY}.cjs:5`]) {
        assert.match(r.stdout, new RegExp(`^@lazy\\[${probe.replace(/[.*]/g, '\\$&')}\\]: 3$`, 'm'), detail);
      }
      assert.match(r.stdout, /^@big: 1$/m, detail);
      // The first run left the rewrites of prog.cjs and both small lazy modules in the cache for the second to read (and big.cjs's, by a key of its own).
      assert.equal(readdirSync(cache).filter((f) => f.startsWith('rw-')).length, 3, detail);
      assert.equal(readdirSync(cache).filter((f) => /^[0-9a-f]{64}\.js$/.test(f)).length, 1, detail);
    }
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});
