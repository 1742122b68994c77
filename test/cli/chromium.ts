// A page in a real headless Chromium (Debian's `chromium`, or JSPROBE_CHROMIUM), driven with
// puppeteer-core over a pipe (no port, no browser download), with what it logged and requested.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export function chromiumPath(): string {
  if (process.env.JSPROBE_CHROMIUM) return process.env.JSPROBE_CHROMIUM;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim().split('\n')[0];
  } catch {
    throw new Error('no chromium: install it (apt-get install -y chromium, as .ci/run does) or set JSPROBE_CHROMIUM to a Chromium binary');
  }
}

export interface Opened {
  page: Page;
  /** Console messages of type error or warning, and uncaught exceptions. */
  problems: string[];
  /** Every URL the page requested, the page itself included. */
  requests: string[];
  close(): Promise<void>;
}

export async function openPage(file: string, width = 1100): Promise<Opened> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'jsprobe-chromium-'));
  let browser: Browser | undefined;
  try {
    browser = await puppeteer.launch({
      executablePath: chromiumPath(),
      headless: true,
      pipe: true,
      userDataDir,
      // Root in a container has no sandbox to give; the page is our own file.
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--no-default-browser-check'],
    });
    const page = await browser.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warn') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${(e as Error).message}`));
    page.on('requestfailed', (r) => problems.push(`requestfailed: ${r.url()}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.setViewport({ width, height: 900 });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const b = browser;
    return {
      page, problems, requests,
      close: async () => {
        await b.close();
        rmSync(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await browser?.close();
    rmSync(userDataDir, { recursive: true, force: true });
    throw e;
  }
}
