// The command line of `jsprobe` (docs/cli.md). A usage error says what is wrong and exits 2.

import { closeMatches } from '../core/close-matches.js';
import { PROBE_KINDS } from '../lang/parser.js';
import { parseMetricsAddress, type MetricsAddress } from './prometheus-address.js';

export interface CliOptions {
  program?: string;
  /** Where the program came from: `-e` or a file name. */
  programFrom?: string;
  command?: string;
  /** -p: the processes to attach to, in the order given (one or more, no duplicates). */
  pids?: number[];
  /** What the traced process prints: JSON under `report`. */
  format: 'text' | 'json' | 'folded';
  /** -f html, or -o FILE.html without -f: the trace, as JSON, becomes one HTML page at the end (report.ts). */
  report: boolean;
  outFile?: string;
  dryRun: boolean;
  quiet: boolean;
  unsafe: boolean;
  /** --max-map-keys: keys per map, past which updates of new keys are dropped and counted. */
  maxMapKeys?: number;
  /** --max-strlen: characters a string keeps; longer ones are cut and counted. */
  maxStrlen?: number;
  /** --max-pause: the pause budget of a live patch, ms. */
  maxPauseMs?: number;
  /** --prometheus: serve the maps at /metrics there while the session runs. */
  prometheus?: MetricsAddress;
  /** --otlp: export the calls of fnret probes as OpenTelemetry spans to this OTLP/HTTP URL (cli/otlp.ts). */
  otlp?: string;
  /** --otlp-service: the spans' service.name (the traced command's name otherwise). */
  otlpService?: string;
  /** --otlp-protocol as given; main() replaces it by the protocol chosen (cli/otlp-protocol.ts: the flag, else the environment's). */
  otlpProtocol?: string;
  /** -l: list probe points matching this pattern. */
  list?: string;
  /** -l's pattern was written as a line probe's (`line:src/app.js:*`): `*` lists the lines a line probe can fire at. */
  listLines?: boolean;
  help: boolean;
  /** --version: print the package's version. */
  version: boolean;
}

export class UsageError extends Error {}

/** The options that take a value (the next argument), as parseArgs reads them: a verb's command line is split by it too. */
export const VALUE_OPTIONS: ReadonlySet<string> = new Set([
  '-e', '-c', '-p', '-f', '-o', '-l', '--max-map-keys', '--max-strlen', '--max-pause', '--prometheus', '--otlp', '--otlp-service', '--otlp-protocol',
]);

/**
 * Every option of the command as the help writes it, with the word it stands for: what an unknown
 * long option is matched against (`--cmd` is near -c's command, `--dry` near --dry-run).
 */
export const OPTIONS: readonly (readonly [string, string])[] = [
  ['-e PROGRAM', 'program'], ['-c COMMAND', 'command'], ['-p PID', 'pid'], ['-f FORMAT', 'format'], ['-o FILE', 'output'],
  ['-l PATTERN', 'list'], ['--dry-run', 'dry-run'], ['-q', 'quiet'], ['--unsafe', 'unsafe'], ['--max-map-keys N', 'max-map-keys'],
  ['--max-strlen N', 'max-strlen'], ['--max-pause MS', 'max-pause'], ['--prometheus [HOST:]PORT', 'prometheus'], ['--otlp URL', 'otlp'],
  ['--otlp-service NAME', 'otlp-service'], ['--otlp-protocol P', 'otlp-protocol'], ['-h', 'help'], ['--version', 'version'],
];

/** Whether `a` is one of the command's options. */
export function isOption(a: string): boolean {
  return OPTIONS.some(([shown]) => shown.split(' ')[0] === a) || a === '--help';
}

/**
 * The error for an unknown option; for a long one (`--cmd`), the options near it by their words
 * (`more`: a verb's own): those it abbreviates (its letters in order, from the first), else those
 * near it in spelling.
 */
export function unknownOption(a: string, more: readonly (readonly [string, string])[] = []): UsageError {
  const word = a.replace(/^--/, '').split('=')[0].toLowerCase();
  const all = [...OPTIONS, ...more];
  const abbreviates = (w: string): boolean => {
    let i = 0;
    for (const c of w) if (c === word[i]) i++;
    return w[0] === word[0] && i === word.length;
  };
  const long = a.startsWith('--') && word.length >= 2;
  const short = long ? all.filter(([, w]) => abbreviates(w)).map(([, w]) => w) : [];
  const near = short.length > 0 || !long ? short : closeMatches(word, all.map(([, w]) => w));
  const shown = [...new Set(near.map((w) => all.find(([, x]) => x === w)![0]))];
  return new UsageError(`unknown option '${a}'${shown.length > 0 ? `. Did you mean ${shown.join(', ')}?` : ''}`);
}

export const USAGE = `usage:
  jsprobe [-e PROGRAM | FILE] (-c 'COMMAND' | -p PID[,PID...]) [-f text|json|folded|html] [-o FILE] [--dry-run] [-q] [--unsafe] [--max-map-keys N]
          [--max-strlen N] [--max-pause MS] [--prometheus [HOST:]PORT]
          [--otlp URL [--otlp-service NAME] [--otlp-protocol http/protobuf|http/json]]
  jsprobe -l PATTERN [-p PID,...]   list probe points that match (in running processes with -p)
  jsprobe watch TARGET [-n N] [--where EXPR] [-x DEPTH]    each call: arguments, return value or error, time
  jsprobe monitor TARGET [-i SECONDS]                      a table every interval: calls, failures, avg, p50, p99, max
  jsprobe stuck TARGET [--older DURATION] [-i SECONDS]     the calls still in flight, oldest first, with their arguments
  jsprobe trace TARGET                                     where each call's time goes, by line of its body
          (each verb with -c 'COMMAND' or -p PID, and the options above; --dry-run shows the program it runs)
  jsprobe --version`;

export const HELP = `jsprobe: dynamic probes for Node.js, bpftrace-style.

${USAGE}

options:
  -e PROGRAM     the program, on the command line (or give a FILE holding it)
  -c COMMAND     start COMMAND (a node program) with the probes in place; its exit code is passed through
  -p PID[,PID...]  attach to running node processes (same user, over loopback); their maps merge; Ctrl-C detaches
  -f FORMAT      text, json (one object a line), folded (stack maps for flamegraph.pl) or html (a report page); see docs/cli.md
  -o FILE        write trace output to FILE (the program's own output stays on the terminal); FILE.html: the report page
  -l PATTERN     list the functions and lines a probe pattern matches
  --dry-run      compile, show what would be attached, and stop
  -q             no progress messages
  --unsafe       let handlers call the traced program's functions and change its objects
  --max-map-keys N  keys per map (default 65536); updates of new keys past it are dropped and counted
  --max-strlen N    characters a string keeps (default 4096); longer ones are cut, ending in '...', and counted;
                    a program's string over 64 × N is not read (its read could stall the program): just '...'
  --max-pause MS  longest stall a live patch may cause (default 100); over it, wrap or breakpoint sites
  --prometheus [HOST:]PORT  serve the maps at http://HOST:PORT/metrics while it runs (host 127.0.0.1 unless given)
  --otlp URL     export each call of the fnret probes as an OpenTelemetry span to URL (OTLP/HTTP, e.g. http://127.0.0.1:4318/v1/traces)
  --otlp-service NAME  the spans' service.name (default: the traced command's name)
  --otlp-protocol P  http/protobuf (default, or OTEL_EXPORTER_OTLP_TRACES_PROTOCOL) or http/json
  -h, --help     this help
  --version      the version of jsprobe

probes:  fn:TARGET  fnret:TARGET  line:FILE:LINE  BEGIN  END  interval:s:N  interval:ms:N  profile:hz:N
targets: src/db.js:Db.query   src/**/*.ts:Db.*   node:fs#readFile   pg#Client.prototype.query
builtins: args arg0… this retval error elapsed(ns) nsecs tid ctx pid func probe ustack ustack(N); locals at line:
functions: count sum avg min max stats hist lhist printf print clear delete exit time str

examples:
  # latency histogram of a request handler, in µs
  jsprobe -e 'fnret:server.js:handle { @us = hist(elapsed / 1000) }' -c 'node server.js'
  # which queries took over 10 ms, and how often
  jsprobe -e 'fnret:src/db.js:Db.query /elapsed > 10e6/ { @slow[arg0] = count() }' -c 'node app.js'
  # files read, as they are read
  jsprobe -e 'fn:node:fs#readFileSync { printf("%s\\n", arg0) }' -c 'node app.js'
  # a local variable at a line, counted by value
  jsprobe -e 'line:src/app.js:42 { @users[user.id] = count() }' -c 'node app.js'
  # where a function is called from: the 4 innermost frames, counted
  jsprobe -e 'fn:src/db.js:Db.query { @[ustack(4)] = count() }' -c 'node app.js'
  # calls per second
  jsprobe -e 'fn:src/db.js:* { @calls[func] = count() } interval:s:1 { print(@calls); clear(@calls) }' -c 'node app.js'
  # where a busy process spends its time: its stacks sampled 99 times a second, as flame graph input
  jsprobe -p 12345 -f folded -e 'profile:hz:99 { @[ustack] = count() }'
  # attach to a process started without jsprobe; Ctrl-C detaches and prints the maps
  jsprobe -p 12345 -e 'fnret:server.js:handle { @us = hist(elapsed / 1000) }'
  # a report page: every map drawn (bars, percentiles, flame graphs, a timeline), one file, nothing loaded from the network
  jsprobe -e 'fnret:server.js:handle { @us = hist(elapsed / 1000); @[ustack] = count() }' -c 'node server.js' -o report.html
  # what a pattern would match
  jsprobe -l 'src/**/*.js:Db.*'

verbs, against the example shop (docs/cli.md, Verbs):
  # the first 5 queries, their arguments and results; then the probe comes off and the shop runs on
  jsprobe watch examples/shop/db.cjs:Db.prototype.query -n 5 -c 'node examples/shop/load.cjs'
  # a table of the queries every second: calls, failures, avg, p50, p99, max (ms)
  jsprobe monitor examples/shop/db.cjs:Db.prototype.query -i 1 -c 'node examples/shop/load.cjs'
  # the queries in flight for 20 ms or more, oldest first: every second, and at Ctrl-C (which detaches)
  jsprobe stuck examples/shop/db.cjs:Db.prototype.query --older 20ms -i 1 -p 12345
  # where a call of userOrders spends its time, line by line
  jsprobe trace examples/shop/server.cjs:userOrders -c 'node examples/shop/load.cjs'`;

function value(argv: string[], i: number, flag: string): string {
  const v = argv[i + 1];
  // A negative number is a value, which the option's own check refuses with what it takes.
  if (v === undefined || (v.startsWith('-') && v !== '-' && !/^-[0-9.]/.test(v))) throw new UsageError(`${flag} needs a value`);
  return v;
}

/** `-p 123` or `-p 123,456`: each a process id, each once. */
function pidList(v: string): number[] {
  if (/^[0-9]+$/.test(v)) return [Number(v)];
  if (!/^[0-9]+(,[0-9]+)+$/.test(v)) throw new UsageError(`-p takes a process id or a list of them (PID,PID,...), not '${v}'`);
  const pids = v.split(',').map(Number);
  const twice = pids.find((p, i) => pids.indexOf(p) !== i);
  if (twice !== undefined) throw new UsageError(`-p names process ${twice} twice`);
  return pids;
}

/**
 * `verbs` are the verb names (verbs/index.ts): a first word that is no verb is read as a program
 * file, and when that fails and the word is close to a verb, the error says which verb it meant.
 */
export function parseArgs(argv: string[], readFile: (path: string) => string, verbs: readonly string[] = []): CliOptions {
  const o: CliOptions = { format: 'text', report: false, dryRun: false, quiet: false, unsafe: false, help: false, version: false };
  const positional: string[] = [];
  let formatGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '-e':
        o.program = value(argv, i++, '-e');
        o.programFrom = '-e';
        break;
      case '-c':
        o.command = value(argv, i++, '-c');
        break;
      case '-p': {
        o.pids = pidList(value(argv, i++, '-p'));
        break;
      }
      case '-f': {
        const v = value(argv, i++, '-f');
        if (v !== 'text' && v !== 'json' && v !== 'folded' && v !== 'html') throw new UsageError(`-f is text, json, folded or html, not '${v}'`);
        o.report = v === 'html';
        o.format = v === 'html' ? 'json' : v;
        formatGiven = true;
        break;
      }
      case '-o':
        o.outFile = value(argv, i++, '-o');
        break;
      case '-l':
        o.list = argv[i + 1] !== undefined && !argv[i + 1].startsWith('-') ? argv[++i] : '';
        break;
      case '--dry-run':
        o.dryRun = true;
        break;
      case '-q':
        o.quiet = true;
        break;
      case '--unsafe':
        o.unsafe = true;
        break;
      case '--max-map-keys': {
        const v = value(argv, i++, '--max-map-keys');
        if (!/^[1-9][0-9]*$/.test(v) || !Number.isSafeInteger(Number(v))) throw new UsageError(`--max-map-keys takes a positive whole number, not '${v}'`);
        o.maxMapKeys = Number(v);
        break;
      }
      case '--max-strlen': {
        const v = value(argv, i++, '--max-strlen');
        if (!/^[1-9][0-9]*$/.test(v) || Number(v) > 2 ** 28) throw new UsageError(`--max-strlen takes a whole number from 1 to ${2 ** 28}, not '${v}'`);
        o.maxStrlen = Number(v);
        break;
      }
      case '--max-pause': {
        const v = value(argv, i++, '--max-pause');
        if (!/^[0-9]+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new UsageError(`--max-pause takes a whole number of ms, not '${v}'`);
        o.maxPauseMs = Number(v);
        break;
      }
      case '--prometheus': {
        const addr = parseMetricsAddress(value(argv, i++, '--prometheus'));
        if (typeof addr === 'string') throw new UsageError(addr);
        o.prometheus = addr;
        break;
      }
      case '--otlp': {
        const v = value(argv, i++, '--otlp');
        let url: URL | undefined;
        try {
          url = new URL(v);
        } catch {
          url = undefined;
        }
        if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
          throw new UsageError(`--otlp takes an http(s) URL such as http://127.0.0.1:4318/v1/traces, not '${v}'`);
        }
        o.otlp = url.href;
        break;
      }
      case '--otlp-service':
        o.otlpService = value(argv, i++, '--otlp-service');
        break;
      case '--otlp-protocol':
        o.otlpProtocol = value(argv, i++, '--otlp-protocol');
        break;
      case '-h':
      case '--help':
        o.help = true;
        break;
      case '--version':
        o.version = true;
        break;
      default:
        if (a.startsWith('-') && a !== '-') throw unknownOption(a);
        positional.push(a);
    }
  }
  if (o.help || o.version) return o;
  if (!formatGiven && o.outFile !== undefined && /\.html?$/i.test(o.outFile)) {
    o.report = true;
    o.format = 'json';
  }
  const near = positional.length === 0 ? [] : closeMatches(positional[0], verbs);
  const meant = `. Did you mean ${near.join(', ')}?`;
  if (positional.length > 1) {
    if (near.length > 0) throw new UsageError(`unknown verb '${positional[0]}'${meant}`);
    throw new UsageError(`one program file at most; got ${positional.join(' ')}${programHint(positional[0])}`);
  }
  if (positional.length === 1) {
    if (o.program !== undefined) throw new UsageError('give the program with -e or as a file, not both');
    try {
      o.program = readFile(positional[0]);
    } catch (e) {
      const why = (e as Error).message;
      if (near.length > 0) throw new UsageError(`unknown verb '${positional[0]}', and no program file of that name (${why})${meant}`);
      const missing = (e as NodeJS.ErrnoException).code === 'ENOENT' ? programHint(positional[0]) : '';
      throw new UsageError(`cannot read program file ${positional[0]}: ${why}${missing}`);
    }
    o.programFrom = positional[0];
  }
  if (o.list !== undefined) {
    if (o.program !== undefined) throw new UsageError('-l lists probe points; it takes no program');
    if (o.list === '') throw new UsageError("-l needs a pattern, e.g. -l 'src/**/*.js:*' or -l 'node:fs#read*'");
    o.listLines = /^line:.*:\*$/.test(o.list);
    o.list = listPattern(o.list);
    return o;
  }
  if (o.program === undefined) throw new UsageError('no program: give one with -e PROGRAM or as a file');
  if (o.command !== undefined && o.pids !== undefined) throw new UsageError('-c and -p cannot go together');
  return o;
}

/**
 * For a program file that is not there, when the word looks like a program's text (a block, or a
 * probe first: `fn:server.js:getUser { … }` given without -e): how to give one as text.
 */
function programHint(word: string): string {
  return word.includes('{') || PROBE_START.test(word) ? " (to give the program as text, use -e '…')" : '';
}

/** A probe's start, its kind first: `fn:`, `interval:`…, or `BEGIN`/`END` as a word. */
const PROBE_START = new RegExp(
  `^(${PROBE_KINDS.filter((k) => k !== k.toUpperCase()).join('|')}):|^(${PROBE_KINDS.filter((k) => k === k.toUpperCase()).join('|')})\\b`,
);

/**
 * -l's pattern, which may be written as a probe writes its target, kind first, as -l prints what it
 * finds (`fn:src/db.js:query`, `fnret:…`, `line:src/db.js:12`): the kind goes. Only where a target
 * follows it (a `:` or `#` after the kind), so that a file named `fn` still lists as `fn:*`.
 */
function listPattern(pattern: string): string {
  const kind = /^(fn|fnret|line|profile|interval|BEGIN|END)(?::|$)/.exec(pattern)?.[1];
  if (kind === undefined) return pattern;
  const rest = pattern.slice(kind.length + 1);
  if (kind === 'fn' || kind === 'fnret' || kind === 'line') return /[:#]/.test(rest) ? rest : pattern;
  // BEGIN, END, interval:s:1, profile:hz:99; a file named `profile` still lists as `profile:*`.
  if (rest === '' || /^(hz|s|ms|us)(:|$)/.test(rest)) {
    throw new UsageError(`-l lists the functions and lines a pattern matches; ${kind} probes have none`);
  }
  return pattern;
}

/** A command string as a shell would split it (quotes and backslashes; no expansion). */
export function splitCommand(cmd: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: string | null = null;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i];
    if (quote !== null) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < cmd.length) cur += cmd[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      has = true;
    } else if (c === '\\' && i + 1 < cmd.length) {
      cur += cmd[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur !== '') out.push(cur);
      cur = '';
      has = false;
    } else cur += c;
  }
  if (quote !== null) throw new UsageError(`unbalanced ${quote} in -c '${cmd}'`);
  if (has || cur !== '') out.push(cur);
  if (out.length === 0) throw new UsageError('-c needs a command');
  return out;
}
