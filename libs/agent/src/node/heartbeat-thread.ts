/**
 * The heartbeat thread: renews every node's lease and rewrites its status on its own event loop
 * and its own connection. A hollow agent's main thread can fall seconds behind while it takes in
 * a burst of 10,000 pods; the heartbeats must not fall behind with it, or the node lifecycle
 * controller calls healthy nodes dead (measured: 13 s between renewals under a 10,000-pod
 * burst with one thread, for a 2 s period). Started by HeartbeatWorker; logs go back to it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type Lease, type Node } from '@tsk/api';
import { connect, Limiter } from '@tsk/client';
import { NodeLease } from './lease.js';
import { Pacer } from './pacer.js';
import { nodeStatus, type NodeSpecInput } from './registration.js';
import { type HeartbeatMessage, type HeartbeatSettings, type HeartbeatStats } from './heartbeat-worker.js';

const settings = workerData as HeartbeatSettings;
const client = connect(settings.server);
const writes = new Limiter(16);
const nodes = new Map<string, { input: NodeSpecInput; node: Node; lease: NodeLease }>();
const stats: HeartbeatStats = { leaseRenewals: 0, leaseFailures: 0, slowestRenewalMs: 0, statusUpdates: 0, statusFailures: 0 };
let lastError = '';

const leases = new Pacer<string>({ periodMs: settings.leaseRenewMs }, async (name) => {
  const n = nodes.get(name);
  if (n === undefined) return;
  const started = Date.now();
  try {
    await writes.run(() => n.lease.renew());
    stats.leaseRenewals++;
    stats.slowestRenewalMs = Math.max(stats.slowestRenewalMs, Date.now() - started);
  } catch (err) {
    stats.leaseFailures++;
    lastError = `lease ${name}: ${(err as Error).message}`;
  }
});

const statuses = new Pacer<string>({ periodMs: settings.statusUpdateMs }, async (name) => {
  const n = nodes.get(name);
  if (n === undefined) return;
  try {
    // Unconditional (no resourceVersion): the agent owns its node's status, and reporting
    // Ready=True over a controller's Ready=Unknown is exactly what a live agent must do.
    const { resourceVersion: _rv, ...meta } = n.node.metadata ?? {};
    const next = { ...n.node, metadata: meta, status: nodeStatus(n.input, new Date(), n.node) };
    n.node = await writes.run(() => client.updateStatus<Node>('Node', next));
    stats.statusUpdates++;
  } catch (err) {
    stats.statusFailures++;
    lastError = `status ${name}: ${(err as Error).message}`;
  }
});

leases.start();
statuses.start();
const report = setInterval(() => {
  parentPort?.postMessage({ type: 'stats', stats: { ...stats }, lastError });
  stats.slowestRenewalMs = 0;
  lastError = '';
}, settings.reportMs);

parentPort?.on('message', (m: HeartbeatMessage) => {
  if (m.type === 'add') {
    nodes.set(m.input.name, { input: m.input, node: m.node, lease: new NodeLease(client, m.node, settings.leaseDurationSeconds, m.lease as Lease | undefined) });
    leases.add(m.input.name);
    statuses.add(m.input.name);
  } else if (m.type === 'stop') {
    leases.stop();
    statuses.stop();
    clearInterval(report);
    client.close();
    parentPort?.close();
  }
});
