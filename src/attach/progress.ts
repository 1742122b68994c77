// Waiting on a target that may answer late (its main thread busy, its machine loaded): never in
// silence. After a second, and every 5 s after that, one line says what jsprobe waits for.

import { AttachError } from './attach-error.js';

/**
 * Wait for `p`; after a second, and every 5 s after that, say what jsprobe waits for (a busy
 * target answers late, and silence looks like a hang). `ms`: give up with this error after that long.
 */
export async function waitFor<T>(p: Promise<T>, what: string, quiet: boolean, ms?: number, error?: string): Promise<T> {
  const start = Date.now();
  let timer: ReturnType<typeof setTimeout>;
  const tell = (): void => {
    if (!quiet) process.stderr.write(`jsprobe: waiting for ${what} (${Math.round((Date.now() - start) / 1000)} s so far)\n`);
    timer = setTimeout(tell, 5000);
  };
  timer = setTimeout(tell, 1000);
  const fail = (reject: (e: Error) => void) => setTimeout(() => reject(new AttachError(error ?? `${what}: no answer`)), ms).unref();
  const bounds = ms === undefined ? [] : [new Promise<never>((_, reject) => fail(reject))];
  try {
    return await Promise.race([p, ...bounds]);
  } finally {
    clearTimeout(timer!);
  }
}
