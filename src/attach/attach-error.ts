// The failure to attach to a process: one line, exit 1.

/** A failure to attach, with its one-line explanation (exit 1). */
export class AttachError extends Error {}

/**
 * A connection to the target (its inspector, jsprobe's channel) that failed or closed under the
 * attach: a target that is ending does this, so the attach looks a moment later whether it has.
 */
export class ConnectionLost extends AttachError {}

/** The target ended while jsprobe was attaching to it. */
export function exitedDuringAttach(pid: number): AttachError {
  return new AttachError(`process ${pid} exited during the attach`);
}
