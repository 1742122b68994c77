// Issue 18, round 14's prototype: does a load site's return through a per-probe callable (the frame
// carries it) take away the step from one probe armed to many, where the probes' handlers are
// closures of one literal? A hand-written model of a load site's shapes and of the shared runtime
// (the load runtime's e and r, dispatch's exitReturn, finishBlind and runReturn, reduced to the
// path a counting return probe's hit takes), so that the two shapes differ in one thing only:
//
//   shared: return($jpV=(a + 1),$jpF!==null?$jpR($jpF,$jpV):$jpV)        (today's site)
//   own:    return($jpV=(a + 1),$jpF!==null?$jpF.x($jpF,$jpV):$jpV)      (the frame's own callable)
//
// where `x` is a closure made per probe, holding it (`own`), that calls the shared return with it,
// as a wrap site's wrapper does (docs/hot-path.md, "Many probes of one handler literal"). The call
// of `$jpF.x` is in the probed function's feedback, one per function, so V8 may inline the one
// closure it names, with `own` and so `own.onReturn` constants.
//
//   node bench/site-slot-proto.mjs [--rounds 5] [--calls 2000000] [--armed 1,100,1000] [--shapes shared,own]
//   node bench/site-slot-proto.mjs --child SHAPE N CALLS      (one process: prints ns over bare)

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BLIND = 2;

function runtime() {
  const thread = { busy: false, asked: false };
  let faults = 0;
  class CallRecord {
    constructor(core) {
      this.core = core;
      this.state = 0;
      this.cell = null;
      // The probe's own return (the `own` shape): every record of a probe carries it.
      this.x = core.ret;
    }
  }
  class ProbeCore {
    constructor(onReturn) {
      this.onReturn = onReturn;
      this.hits = 0;
      this.returns = 0;
      this.ret = ownReturn(this);
      this.quiet = new CallRecord(this);
      this.quiet.state = BLIND;
    }
  }
  function runReturn(p, c) {
    const f = p.onReturn;
    const was = thread.busy;
    thread.busy = true;
    try {
      f(c);
    } catch {
      faults++;
    }
    thread.busy = was;
    if (thread.asked) throw new Error('not in this model');
  }
  function finishBlind(c) {
    const p = c.core;
    p.returns++;
    if (c.cell !== null) throw new Error('not in this model');
    runReturn(p, c);
  }
  function exitReturn(f, v) {
    if (f.state === BLIND) {
      finishBlind(f);
      return v;
    }
    throw new Error('not in this model');
  }
  // The load runtime's r: a counting cell's path first, then dispatch.
  function r(f, v) {
    const cell = f.cell;
    if (cell !== null && cell.live === true) {
      f.core.returns++;
      cell.n++;
      return v;
    }
    return exitReturn(f, v);
  }
  // r for a frame whose probe's own callable was called: the handler through `own` where the frame
  // is that probe's blind record.
  function exitOwn(f, v, own) {
    const cell = f.cell;
    if (cell !== null && cell.live === true) {
      f.core.returns++;
      cell.n++;
      return v;
    }
    if (f.state === BLIND && f.core === own) {
      own.returns++;
      runReturn(own, f);
      return v;
    }
    return exitReturn(f, v);
  }
  function ownReturn(own) {
    return (f, v) => exitOwn(f, v, own);
  }
  function e(slots, i) {
    const s = slots[i];
    if (s == null) return null;
    if (!thread.busy) {
      const q = s.quick;
      if (q !== null) {
        q.core.hits++;
        return q;
      }
    }
    throw new Error('not in this model');
  }
  function t(f, x) {
    return x;
  }
  return { e, r, t, ProbeCore, faults: () => faults };
}

/** A module of n one-line functions in the site's shape, as the rewriter writes them (one line each). */
function moduleOf(shape, n, rt, slots) {
  const ret = shape === 'own' ? '$jpF.x($jpF,$jpV)' : '$jpR($jpF,$jpV)';
  let s = 'const $jpE=rt.e,$jpR=rt.r,$jpT=rt.t,$jpS=slots;\n';
  for (let k = 0; k < n; k++) {
    s += `function f${k}(a) {var $jpF=$jpOn?$jpE($jpS,${k},this,1,a):null,$jpV;try{ return ($jpV=(a + 1),$jpF!==null?${ret}:$jpV) }` +
      'catch($jpX){if($jpF)$jpT($jpF,$jpX);throw($jpX)}}\n';
  }
  s += `return [${Array.from({ length: n }, (_, k) => `f${k}`).join(',')}];`;
  return new Function('rt', 'slots', s)(rt, slots);
}

function bareModule(n) {
  let s = '';
  for (let k = 0; k < n; k++) s += `function f${k}(a) { return a + 1 }\n`;
  return new Function(`${s}return [${Array.from({ length: n }, (_, k) => `f${k}`).join(',')}];`)();
}

let loops = 0;
function loopOver(fn) {
  return new Function('t', `return function loop(n) { let sink = 0; for (let i = 0; i < n; i++) sink += t.fn(i); return sink; } // ${++loops}`)({ fn });
}

function ns(loop, n) {
  const t0 = process.hrtime.bigint();
  loop(n);
  return Number(process.hrtime.bigint() - t0) / n;
}

function child(shape, n, calls) {
  globalThis.$jpOn = true;
  const rt = runtime();
  const slots = new Array(n).fill(null);
  const fns = moduleOf(shape, n, rt, slots);
  const bare = bareModule(n);
  const counts = new Float64Array(Math.max(n, 16));
  for (let k = 0; k < n; k++) {
    const p = new rt.ProbeCore(((kk) => () => { counts[kk]++; })(k));
    slots[k] = { quick: p.quiet, probes: [p] };
  }
  for (let k = 0; k < n; k++) fns[k](k);
  if (process.env.PROTO_CG) {
    // Under callgrind (instructions): warm, then one loop between two cpuUsage() calls.
    const loop = loopOver(process.env.PROTO_CG === 'bare' ? bare[0] : fns[0]);
    for (let r = 0; r < 4; r++) loop(calls);
    process.cpuUsage();
    loop(calls);
    process.cpuUsage();
    return { shape, n };
  }
  const one = loopOver(fns[0]);
  const oneBare = loopOver(bare[0]);
  ns(one, calls);
  ns(oneBare, calls);
  const a = [];
  const b = [];
  for (let r = 0; r < 7; r++) {
    a.push(ns(one, calls));
    b.push(ns(oneBare, calls));
  }
  const status = typeof globalThis.getStatus === 'function' ? globalThis.getStatus(one) : undefined;
  return { shape, n, one: median(a), bare: median(b), returns: counts.reduce((x, y) => x + y, 0), faults: rt.faults(), status };
}

function median(xs) {
  const s = [...xs].sort((x, y) => x - y);
  return s[s.length >> 1];
}

function opt(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : process.argv[i + 1];
}

const ci = process.argv.indexOf('--child');
if (process.argv.includes('--instructions')) {
  // Instructions a hit over bare, under callgrind (bench/callgrind-loop.mjs), one process each.
  const { loopInstructions } = await import('./callgrind-loop.mjs');
  const calls = Number(opt('calls', '300000'));
  const armed = opt('armed', '1,100,1000').split(',').map(Number);
  const shapes = opt('shapes', 'shared,own').split(',');
  const self = fileURLToPath(import.meta.url);
  const run = (shape, n, mode) => {
    process.env.PROTO_CG = mode;
    const script = `process.argv.push('--child', ${JSON.stringify(shape)}, '${n}', '${calls}'); import(${JSON.stringify(self)})`;
    return loopInstructions(process.execPath, [], script, calls);
  };
  console.log(`Node ${process.version}, instructions a hit over bare (${calls} calls, callgrind)`);
  for (const n of armed) {
    const row = shapes.map((shape) => (run(shape, n, 'site') - run(shape, n, 'bare')).toFixed(1));
    console.log(`| ${n} | ${row.join(' | ')} |`);
  }
  process.exit(0);
}
if (ci >= 0) {
  const [shape, n, calls] = process.argv.slice(ci + 1, ci + 4);
  process.stdout.write(`${JSON.stringify(child(shape, Number(n), Number(calls)))}\n`);
} else {
  const rounds = Number(opt('rounds', '5'));
  const calls = opt('calls', '2000000');
  const armed = opt('armed', '1,100,1000').split(',').map(Number);
  const shapes = opt('shapes', 'shared,own').split(',');
  const self = fileURLToPath(import.meta.url);
  const res = new Map();
  for (let r = 0; r < rounds; r++) {
    for (const n of armed) {
      for (const shape of shapes) {
        const c = spawnSync(process.execPath, [self, '--child', shape, String(n), calls], { encoding: 'utf8' });
        if (c.status !== 0) throw new Error(c.stderr);
        const x = JSON.parse(c.stdout.trim().split('\n').at(-1));
        const key = `${shape}:${n}`;
        if (!res.has(key)) res.set(key, []);
        res.get(key).push(x.one - x.bare);
      }
    }
  }
  console.log(`Node ${process.version}, ${rounds} rounds, ${calls} calls; ns over bare of a hit on one site (median of rounds), × 1 probe's`);
  console.log(`| probes armed | ${shapes.map((s) => `${s} | × 1`).join(' | ')} |`);
  for (const n of armed) {
    const cells = shapes.map((s) => {
      const m = median(res.get(`${s}:${n}`));
      const m1 = median(res.get(`${s}:${armed[0]}`));
      return `${m.toFixed(2)} | ${(m / m1).toFixed(2)}`;
    });
    console.log(`| ${n} | ${cells.join(' | ')} |`);
  }
}
