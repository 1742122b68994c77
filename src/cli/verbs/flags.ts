// Each verb's own flags (each takes a value): index.ts reads a verb's command line by them, and
// early-spawn.ts tells a verb's plain `-c` run by them before anything else of the command loads.

export const VERB_FLAGS: Readonly<Record<string, readonly string[]>> = {
  watch: ['-n', '--where', '-x'],
  monitor: ['-i'],
  stuck: ['--older', '-i'],
  trace: [],
};
