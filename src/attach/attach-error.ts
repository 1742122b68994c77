// The failure to attach to a process: one line, exit 1.

/** A failure to attach, with its one-line explanation (exit 1). */
export class AttachError extends Error {}
