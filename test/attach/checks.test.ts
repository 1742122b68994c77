// The checks attach makes before it trusts a process or a port, on their own: /proc/net/tcp
// parsing, the Node binary test by content, signal masks, the inspector port a process was
// started with.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inMask, parseListeners, statusField } from '../../src/attach/procfs.js';
import { configuredPort, splitNodeOptions } from '../../src/attach/port.js';
import { isNodeBinary } from '../../src/attach/verify.js';

// As the kernel prints them on a little-endian host.
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:2405 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1597 1 0000000000000000 100 0 0 10 0
   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 2001 1 0000000000000000 100 0 0 10 0
   2: 0100007F:2405 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 3003 1 0000000000000000 20 4 30 10 -1
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:2405 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4004 1 0
   1: 00000000000000000000000001000000:2406 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5005 1 0
   2: 0000000000000000FFFF00000100007F:2407 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 6006 1 0
`;

test('listening sockets from /proc/net/tcp and tcp6: address, port, inode; connected ones left out', () => {
  assert.deepEqual(parseListeners(TCP), [
    { address: '127.0.0.1', port: 9221, inode: '1597' },
    { address: '0.0.0.0', port: 8080, inode: '2001' },
  ]);
  assert.deepEqual(parseListeners(TCP6), [
    { address: '::', port: 9221, inode: '4004' },
    { address: '::1', port: 9222, inode: '5005' },
    { address: '::ffff:127.0.0.1', port: 9223, inode: '6006' },
  ]);
});

test('a Node binary is told by its content, whatever its name', () => {
  assert.equal(isNodeBinary(process.execPath), true);
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-exe-'));
  try {
    // Another program under Node's name, a script, nothing at all: not Node.
    copyFileSync('/bin/sleep', join(dir, 'node'));
    assert.equal(isNodeBinary(join(dir, 'node')), false);
    writeFileSync(join(dir, 'script'), '#!/usr/bin/node\n_ZN4node\n');
    assert.equal(isNodeBinary(join(dir, 'script')), false);
    assert.equal(isNodeBinary(join(dir, 'missing')), false);
    // Node under another name is still Node.
    copyFileSync(process.execPath, join(dir, 'myapp'));
    assert.equal(isNodeBinary(join(dir, 'myapp')), true);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('signal masks and status fields', () => {
  assert.equal(inMask('0000000100004602', 10), true); // Node's: SIGUSR1 caught
  assert.equal(inMask('0000000000004002', 10), false);
  assert.equal(inMask('0000000000000001', 1), true);
  assert.equal(statusField('Name:\tnode\nUid:\t1000\t1000\t1000\t1000\n', 'Uid'), '1000\t1000\t1000\t1000');
  assert.equal(statusField('Name:\tnode\n', 'SigCgt'), null);
});

test('the inspector port a process was started with: argv over NODE_OPTIONS, last one wins, 9229 by default', () => {
  const node = '/usr/bin/node';
  assert.equal(configuredPort([node, 'app.js'], null), 9229);
  assert.equal(configuredPort([node, '--inspect=127.0.0.1:9333', 'app.js'], null), 9333);
  assert.equal(configuredPort([node, '--inspect=:0', 'app.js'], null), 0);
  assert.equal(configuredPort([node, '--inspect-brk=[::1]:9444', 'app.js'], null), 9444);
  assert.equal(configuredPort([node, '--inspect=localhost', 'app.js'], null), 9229, 'a host alone keeps the port');
  assert.equal(configuredPort([node, '--inspect-port', '9555', 'app.js'], null), 9555);
  assert.equal(configuredPort([node, '-r', './x.js', '--inspect-port=9556', 'app.js'], null), 9556);
  assert.equal(configuredPort([node, 'app.js', '--inspect=9999'], null), 9229, "the program's own arguments are not Node's");
  assert.equal(configuredPort([node, '-e', 'x', '--inspect-port=9557'], null), 9557);
  assert.equal(configuredPort([node, 'app.js'], '--max-old-space-size=100 --inspect-port=9558'), 9558);
  assert.equal(configuredPort([node, '--inspect-port=9559', 'app.js'], '--inspect-port=9558'), 9559);
  assert.deepEqual(splitNodeOptions('--require "./a b.js"  --inspect=:0'), ['--require', './a b.js', '--inspect=:0']);
});
