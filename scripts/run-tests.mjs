// npm test: run every compiled test file (build/test/**/*.test.js) with node:test. Node 20's
// runner takes no globs and runs every .js file under a directory it is given, fixtures included,
// so the files are listed here.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return find(p);
    return e.name.endsWith('.test.js') ? [p] : [];
  });
}

const files = find('build/test').sort();
const only = process.argv.slice(2);
const chosen = only.length === 0 ? files : files.filter((f) => only.some((o) => f.includes(o)));
if (chosen.length === 0) {
  console.error(`no test files match ${only.join(' ')}`);
  process.exit(2);
}
const r = spawnSync(process.execPath, ['--test', ...chosen], { stdio: 'inherit' });
process.exit(r.status ?? 1);
