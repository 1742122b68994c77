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
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

/** jsprobe's own call of one of JavaScript's built-ins (not Node's objects, nor Node's code doing it on jsprobe's behalf). */
const jsprobesOwn = (x: Reached): boolean => !NODE_OWN.test(x.name) && !x.via.some((v) => v.includes('(node:'));

function run(how: string, flags: string[] = []): { reached: Reached[]; stdout: string; stderr: string; code: number | null } {
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-builtins-'));
  const out = join(dir, 'reached.jsonl');
  try {
    const r = jsprobe([...flags, '-e', PROGRAM, '-c', `node ${F} ${how}`], 120_000, { BUILTINS_OUT: out });
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

const CASES: [how: string, flags?: string[]][] = [['plain'], ['plain', ['-f', 'json']], ['long'], ['exit'], ['throw'], ['worker'], ['child']];

for (const [how, flags = []] of CASES) {
  test(`a program that replaced the built-ins and ends by '${how}' ${flags.join(' ')}: jsprobe calls none of them`, () => {
    const bare = spawnSync(process.execPath, [F, how], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    const r = run(how, flags);
    const detail = `stderr:\n${r.stderr}`;
    const language = r.reached.filter(jsprobesOwn).map((x) => `${x.name} from ${x.frames.slice(0, 3).join(' < ')}`);
    assert.deepEqual(language, [], detail);
    assert.equal(r.code, bare.status, detail);
    // The program's own line (at its exit) is as without jsprobe, and the trace did come out.
    const own = (s: string): string[] => s.split('\n').filter((l) => l.startsWith(`${how} `));
    assert.deepEqual(own(r.stdout), own(bare.stdout), detail);
    assert.match(r.stdout, flags.includes('json') ? /"@c"/ : /^@c\[w0\]: \d+$/m, detail);
    assert.match(r.stdout, flags.includes('json') ? /end\\n/ : /^end$/m, detail);
  });
}
