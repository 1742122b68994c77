// The steps of an attach, one line each on stderr (`jsprobe: attach step NAME`), when
// JSPROBE_ATTACH_STEPS=1: for a test that kills jsprobe at each of them
// (test/attach/kill-steps.test.ts), and for a user who wants to see where an attach stands.

export type AttachStep = 'sigusr1' | 'listening' | 'checked' | 'loading' | 'connected' | 'closed' | 'attaching';

export function step(name: AttachStep): void {
  if (process.env.JSPROBE_ATTACH_STEPS === '1') process.stderr.write(`jsprobe: attach step ${name}\n`);
}
