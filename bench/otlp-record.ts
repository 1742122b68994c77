// bench:otlp's in-process part: what recording a call for --otlp costs the traced program's
// thread alone (program/spans.ts, and the message encoded as fd-sender encodes it), without the
// pipe, the command or a probe. `--before DIR` times another build's recorder (DIR/build/src/program)
// in the same run, interleaved, for a before/after comparison; its recorder's own signature is used.
//
//   npm run build && node build/bench/otlp-record.js [--rounds 9 --calls 102400] [--before OTHER]

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fmt, machine, median, option } from './lib/measure.js';
import { encodeMessage, type Message } from '../src/program/messages.js';
import { spanRecorder } from '../src/program/spans.js';
import type { Runtime } from '../src/program/runtime.js';

const ROUNDS = Number(option('rounds') ?? 9);
const CALLS = Number(option('calls') ?? 256 * 400);
const BEFORE = option('before');

type Recorder = typeof spanRecorder;
type Encode = (m: Message) => string;

async function load(dir: string): Promise<{ record: Recorder; encode: Encode }> {
  const at = (f: string): string => pathToFileURL(join(dir, 'build/src/program', f)).href;
  const spans = (await import(at('spans.js'))) as { spanRecorder: Recorder };
  const messages = (await import(at('messages.js'))) as { encodeMessage: Encode };
  return { record: spans.spanRecorder, encode: messages.encodeMessage };
}

/** ns per call: CALLS calls of one plain probe, each 1-2 µs long, every batch encoded. */
function once(record: Recorder, encode: Encode): number {
  const rt = { pid: 1, tid: 0, ctx: () => 0 } as unknown as Runtime;
  let bytes = 0;
  const { span, flush } = record(rt, { send: (m) => void (bytes += encode(m).length) }, false);
  // The start a probe's dispatcher would pass: it has read the clock already, so the loop does not.
  const base = performance.now();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) {
    const elapsed = 1000 + (i & 1023);
    span(elapsed, false, undefined, 'work', '', 0, base + i * 0.002);
  }
  flush();
  const ns = Number(process.hrtime.bigint() - t0) / CALLS;
  if (bytes === 0) throw new Error('nothing was sent');
  return ns;
}

async function main(): Promise<void> {
  const variants: [string, Recorder, Encode][] = [['this build', spanRecorder, encodeMessage]];
  if (BEFORE !== undefined) {
    const b = await load(BEFORE);
    variants.push([`--before ${BEFORE}`, b.record, b.encode]);
  }
  const runs = variants.map(() => [] as number[]);
  for (let r = 0; r < ROUNDS; r++) variants.forEach(([, record, encode], v) => runs[v].push(once(record, encode)));
  console.log(`Machine: ${machine()}. Median of ${ROUNDS} interleaved rounds of ${CALLS} calls.\n`);
  console.log('| recorder | ns per call (median) | min |\n|---|---:|---:|');
  variants.forEach(([name], v) => console.log(`| ${name} | ${fmt(median(runs[v]), 0)} | ${fmt(Math.min(...runs[v]), 0)} |`));
}

await main();
