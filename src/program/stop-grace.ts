// A bound of the stop protocol (messages.ts), in a module of its own for the command's front,
// which reads it before the program starts and needs nothing else of messages.ts.

/**
 * `-c`: how long after a stop request the first process's main thread has to begin ending on its
 * own before the agent ends the trace (the program handles the signal itself, and runs on). The
 * command waits twice as long before it reaches a main thread that has done neither through its
 * inspector (cli/busy-stop.ts): a program whose loop is free never needs that.
 */
export const STOP_GRACE_MS = 300;

/**
 * What the agent writes back on the control pipe when the first process's end begins (on its own
 * or for a stop): its main thread runs, however far behind the trace on fd 3 is. The command
 * reaches through the inspector only a main thread that has not said this (cli/relay.ts).
 */
export const ENDING_LINE = '{"ending":true}\n';
