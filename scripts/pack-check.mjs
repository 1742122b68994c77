// The install path, as a new user takes it: `npm pack` (which runs `prepare`, the build), the
// tarball installed into a fresh project (from npm's cache: `--prefer-offline`), then
// `npx jsprobe --version` and a one-liner that traces a program with -c. Part of .ci/run.
//
//   node scripts/pack-check.mjs
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'jsprobe-pack-'));
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
const step = (name, fn) => {
  const t0 = Date.now();
  const out = fn();
  console.log(`pack-check: ${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return out;
};
function expect(what, got, want) {
  if (got !== want) throw new Error(`pack-check: ${what}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
}

try {
  const tarball = step('npm pack (prepare builds)', () => run('npm', ['pack', '--silent', '--pack-destination', dir], ROOT).trim().split('\n').pop());
  const files = run('tar', ['-tzf', join(dir, tarball)], dir).split('\n');
  for (const f of ['package/build/src/cli/main.cjs', 'package/build/src/cli/main.js', 'package/build/src/index.js', 'package/build/attach-runtime.cjs',
    'package/build/src/attach/closer.js', 'package/README.md']) {
    expect(`the tarball holds ${f}`, files.includes(f), true);
  }
  const project = join(dir, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'jsprobe-pack-check', private: true }));
  writeFileSync(join(project, 'app.js'), 'function work(n) { return n * 2; }\nfor (let i = 0; i < 5; i++) work(i);\n');
  step('npm install of the tarball', () => run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--silent', join(dir, tarball)], project));
  expect('npx jsprobe --version', step('npx jsprobe --version', () => run('npx', ['--no-install', 'jsprobe', '--version'], project)), `${version}\n`);
  const oneLiner = ['--no-install', 'jsprobe', '-q', '-e', 'fn:app.js:work { @calls++; @h = hist(arg0) }', '-c', 'node app.js'];
  const trace = step('a one-liner with -c', () => run('npx', oneLiner, project));
  expect('the one-liner\'s @calls', /^@calls: 5$/m.test(trace), true);
  console.log('pack-check: ok');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
