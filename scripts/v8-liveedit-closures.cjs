// V8's LiveEdit crash that keeps jsprobe's live edits off by default on V8 >= 13 (Node 24, 26):
// `node scripts/v8-liveedit-closures.cjs` exits 0 where V8 is fine (Node 20, 22) and dies by
// SIGSEGV (status 139 from a shell) where it is not. Run it on a new Node before turning live
// edits back on by default (src/sites/inspector.ts, V8_LIVE_EDIT_CRASHES; docs/live-sites.md).
//
// Three closures of one function literal are made and none has run; then any edit of their
// script (here: another function's body); then they run. LiveEdit gives each closure that has
// not been compiled V8's read-only "many closures" feedback cell and leaves their shared dispatch
// entry alone. The first call compiles and points that shared entry at the interpreter; the
// second skips the lazy compile that would have given it a cell of its own, and the interpreter
// writes its interrupt budget into the read-only cell.
'use strict';
const { Session } = require('node:inspector');
const { writeFileSync, mkdtempSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');

if (Number(process.versions.v8.split('.')[0]) >= 14) require('node:v8').setFlagsFromString('--inspector-live-edit');
const dir = mkdtempSync(join(tmpdir(), 'jsprobe-v8-'));
const file = join(dir, 'target.js');
writeFileSync(file, `
exports.make = function make() { const out = []; for (let i = 0; i < 3; i++) out.push(() => i * 2); return out; };
exports.other = function other() { return 1; };
`);
const target = require(file);
rmSync(dir, { recursive: true });
const closures = target.make();

const session = new Session();
session.connect();
let scriptId;
session.on('Debugger.scriptParsed', (m) => {
  if (m.params.url.endsWith('/target.js')) scriptId = m.params.scriptId;
});
session.post('Debugger.enable');
let source;
session.post('Debugger.getScriptSource', { scriptId }, (e, r) => {
  if (e) throw e;
  source = r.scriptSource;
});
session.post('Debugger.setScriptSource', { scriptId, scriptSource: source.replace('return 1;', 'return 2;') }, (e, r) => {
  if (e) throw e;
  if (r.status !== undefined && r.status !== 'Ok') throw new Error(`edit refused: ${r.status}`);
});
session.post('Debugger.disable');
const got = [target.other(), ...closures.map((f) => f())];
console.log(`Node ${process.versions.node} (V8 ${process.versions.v8}): no crash, ${JSON.stringify(got)}`);
