// npm run stress -- --seconds N: runs build/stress/stress.js with the load hooks and load sites on
// every function of the stress targets, and passes its exit code through.
import { spawnSync } from 'node:child_process';

const r = spawnSync(process.execPath, ['--import', './build/src/register.js', 'build/stress/stress.js', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, JSPROBE_LOAD_SITES: 'stress/targets.cjs' },
});
process.exit(r.status ?? 1);
