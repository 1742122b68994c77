// The report page (`-f html`, or `-o FILE.html`): the trace, asked of the traced process as JSON,
// gathered as it comes (report-data.ts) and written, when tracing ends, as one HTML page with its
// CSS, script and data inline. Nothing in it loads anything: its Content-Security-Policy allows
// only its own script and style (by hash) and no connection, so a key that escaped into markup
// could run nothing.

import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { ReportCollector, type ReportData } from './report-data.js';

export interface ReportMeta {
  program: string;
  command?: string;
  pids?: number[];
  version: string;
}

/** The page's script and style, copied beside this file by the build (scripts/bundle.mjs). */
function asset(name: string): string {
  return readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');
}

function sha256(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('base64');
}

/**
 * Data as the text of a `<script type="application/json">`: the HTML parser ends that element at
 * the first `</script`, and treats `<!--` specially, so no `<` may appear as itself. JSON.parse
 * reads `\u003c` back as `<`; U+2028 and U+2029 are escaped too, as any JSON inlined in a page.
 */
export function inlineJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function reportPage(data: ReportData, meta: ReportMeta, started: Date, ended: Date): string {
  const script = asset('report-page.js');
  const style = asset('report-page.css');
  const csp = `default-src 'none'; script-src 'sha256-${sha256(script)}'; style-src 'sha256-${sha256(style)}'; base-uri 'none'; form-action 'none'`;
  const page = {
    ...data,
    meta: { ...meta, started: started.toISOString(), ended: ended.toISOString(), seconds: (ended.getTime() - started.getTime()) / 1000 },
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>jsprobe report</title>
<style>${style}</style>
</head>
<body>
<header><h1>jsprobe report</h1></header>
<main></main>
<script type="application/json" id="jsprobe-data">${inlineJson(page)}</script>
<script>${script}</script>
</body>
</html>
`;
}

/** Where the trace goes, as sink.ts's sink: here, into the page. */
export interface ReportSink {
  write(s: string): void;
  close(): void;
  backedUp(): boolean;
}

/**
 * Gathers the trace and writes the page on close, to `outFile` (opened now, so that a file that
 * cannot be written is refused before the program starts: `cannotWrite` makes the error) or to
 * stdout. Closing twice writes once.
 */
export function reportSink(outFile: string | undefined, meta: ReportMeta, cannotWrite: (e: NodeJS.ErrnoException) => Error): ReportSink {
  let fd: number | undefined;
  if (outFile !== undefined) {
    try {
      fd = openSync(outFile, 'w');
    } catch (e) {
      throw cannotWrite(e as NodeJS.ErrnoException);
    }
  }
  const started = new Date();
  const collector = new ReportCollector();
  let closed = false;
  return {
    write: (s) => collector.write(s),
    backedUp: () => false,
    close: () => {
      if (closed) return;
      closed = true;
      const page = reportPage(collector.data(), meta, started, new Date());
      if (fd === undefined) {
        process.stdout.write(page);
        return;
      }
      writeSync(fd, page);
      closeSync(fd);
    },
  };
}
