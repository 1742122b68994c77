// npm run demo: the example shop under load, traced by the jsprobe command with a one-liner: a
// latency histogram of the request handler (a function the shop never exports), the slow
// database queries with their SQL, failed user lookups, and responses by status code. The shop
// is started by `jsprobe -c`, with the probes in place before its code loads.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const JSPROBE = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const REQUESTS = Number(process.env.DEMO_REQUESTS ?? 300);

const program = `
fnret:examples/shop/server.cjs:handle { @handle_latency_us = hist(elapsed / 1000) }
fnret:examples/shop/db.cjs:Db.prototype.query /elapsed > 20e6/ { @slow_queries_over_20ms[arg0] = count() }
fnret:examples/shop/server.cjs:getUser /threw/ { @lookup_failures = count() }
fn:node:http#ServerResponse.prototype.writeHead { @responses[arg0] = count() }
`.trim();
const command = `node examples/shop/load.cjs ${REQUESTS}`;

process.stdout.write(`$ jsprobe -e '${program.replaceAll('\n', '\n    ')}' \\\n    -c '${command}'\n\n`);
const r = spawnSync(process.execPath, [JSPROBE, '-e', program, '-c', command], { cwd: ROOT, stdio: 'inherit' });
process.exitCode = r.status ?? 1;
