// The one line jsprobe writes on a traced program's stderr: why this process runs untraced. Its own
// file, so that the agent's small first part (agent.ts) says it as the runtime (child-agent.ts) does.

/** Why this process runs untraced, in one line on stderr: the only one jsprobe writes there. */
export function untraced(why: string): void {
  process.stderr.write(`jsprobe: process ${process.pid} runs untraced: ${why}\n`);
}
