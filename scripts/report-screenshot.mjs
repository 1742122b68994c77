// docs/report.png: the report page of the example shop under load, as headless Chromium draws it
// (Debian's `chromium`, or JSPROBE_CHROMIUM; driven with puppeteer-core, as the browser test is).
//   npm run build && node scripts/report-screenshot.mjs [out.png]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';

const out = process.argv[2] ?? 'docs/report.png';
const dir = mkdtempSync(join(tmpdir(), 'jsprobe-shot-'));
const page = join(dir, 'report.html');
const program = `fnret:examples/shop/server.cjs:handle { @handle_us = hist(elapsed / 1000) }
fnret:examples/shop/db.cjs:Db.prototype.query { @query_ms[arg0] = stats(elapsed / 1e6) }
fn:examples/shop/db.cjs:Db.prototype.query { @[ustack(6)] = count() }
fn:node:http#ServerResponse.prototype.writeHead { @status[arg0] = count() }
interval:ms:100 { print(@status) }`;
const args = ['build/src/cli/main.js', '-q', '-e', program, '-c', 'node examples/shop/load.cjs 600 4', '-o', page];
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);

const chromium = process.env.JSPROBE_CHROMIUM || execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
const browser = await puppeteer.launch({ executablePath: chromium, headless: true, pipe: true, userDataDir: join(dir, 'profile'), args: ['--no-sandbox'] });
try {
  const tab = await browser.newPage();
  await tab.setViewport({ width: 1040, height: 900 });
  await tab.goto(pathToFileURL(page).href, { waitUntil: 'load' });
  await tab.screenshot({ path: out, fullPage: true });
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
console.log(`wrote ${out}`);
