/**
 * The heartbeat thread: renews every node's lease and rewrites its status on its own event loop
 * and its own connection. A hollow agent's main thread can fall seconds behind while it takes in
 * a burst of 10,000 pods; the heartbeats must not fall behind with it, or the node lifecycle
 * controller calls healthy nodes dead (measured: 13 s between renewals under a 10,000-pod
 * burst with one thread, for a 2 s period). Started by HeartbeatWorker; logs go back to it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type Lease } from '@tsk/api';
import { connect } from '@tsk/client';
import { Heartbeats } from './heartbeats.js';
import { type HeartbeatMessage, type HeartbeatSettings } from './heartbeat-worker.js';

const settings = workerData as HeartbeatSettings;
const client = connect(settings.server);
const heartbeats = new Heartbeats(client, settings);
heartbeats.start();

const report = setInterval(() => {
  parentPort?.postMessage({ type: 'stats', ...heartbeats.report() });
}, settings.reportMs);

parentPort?.on('message', (m: HeartbeatMessage) => {
  if (m.type === 'add') {
    heartbeats.add(m.input, m.node, m.lease as Lease | undefined);
  } else if (m.type === 'stop') {
    heartbeats.stop();
    clearInterval(report);
    client.close();
    parentPort?.close();
  }
});
