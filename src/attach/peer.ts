// A connection to the target's inspector that is known to end in the target: after connecting,
// and before a byte is written, the socket that accepted it (its inode in /proc/net/tcp, found by
// the two ports) must be among the target's open files. This closes the window between checking
// the listener and connecting, in which the target's inspector could close and another process
// take the port.

import { connect, type Socket } from 'node:net';
import { AttachError, ConnectionLost } from './attach-error.js';
import { commOf, socketInodes, socketOwner, sockets } from './procfs.js';
import { describeOwner } from './verify.js';

const ACCEPT_MS = 2000;
const POLL_MS = 5;
const LOOPBACK = new Set(['127.0.0.1', '::ffff:127.0.0.1']);

/** The inode of the socket that accepted our connection from `localPort` to `port`: null while not accepted. */
function acceptedBy(port: number, localPort: number): string | null {
  const peer = sockets().find((s) => s.port === port && s.remotePort === localPort && LOOPBACK.has(s.address) && LOOPBACK.has(s.remote));
  return peer === undefined || peer.inode === '0' ? null : peer.inode;
}

/** A connection to 127.0.0.1:`port`, checked to be accepted by process `pid`; nothing has been sent on it. */
export async function connectToTarget(pid: number, port: number): Promise<Socket> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => resolve(s));
    s.once('error', (e) => reject(new ConnectionLost(`cannot connect to the inspector of process ${pid} on 127.0.0.1:${port}: ${e.message}`)));
  });
  const end = Date.now() + ACCEPT_MS;
  for (;;) {
    const inode = acceptedBy(port, socket.localPort ?? 0);
    if (inode !== null && socketInodes(pid).has(inode)) return socket;
    // Accepted, but not yet in any process's files (the accepting process installs the fd just
    // after): look again, until another process is seen holding it.
    const other = inode === null ? null : socketOwner(inode);
    if ((other !== null && other !== pid) || Date.now() > end) {
      // Named before the connection is closed, which ends the other side's socket too.
      const who = other !== null ? `process ${other} (${commOf(other) ?? 'unknown'})` : inode === null ? 'no process' : describeOwner(inode);
      socket.destroy();
      throw new AttachError(`the connection to 127.0.0.1:${port} was accepted by ${who}, not by process ${pid}: jsprobe sent nothing on it`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
