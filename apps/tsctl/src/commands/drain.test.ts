import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kindOf, type Deployment, type Node, type OwnerReference, type Pod, type ReplicaSet } from '@tsk/api';
import { FakeObjectsServer } from '@tsk/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runTsctl, type TsctlResult } from '../testing.js';

let server: FakeObjectsServer;
const home = mkdtempSync(join(tmpdir(), 'tsctl-drain-'));
const POD = kindOf('Pod');

beforeAll(async () => {
  server = await FakeObjectsServer.start();
  for (const name of ['n1', 'n2', 'n3']) server.store.create(kindOf('Node'), { metadata: { name } } as Node);
});

afterAll(async () => {
  await server.stop();
});

function tsctl(...args: string[]): Promise<TsctlResult> {
  return runTsctl(server.address, home, args);
}

const readyStatus = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };

function pod(name: string, node: string, owner?: OwnerReference, ready = true): Pod {
  const p = server.store.create(POD, { metadata: { name, namespace: 'default', labels: { app: name.split('-')[0] ?? '' }, ...(owner !== undefined ? { ownerReferences: [owner] } : {}) }, spec: { nodeName: node, containers: [{ name: 'c', image: 'x' }] } } as Pod);
  if (ready) server.store.update(POD, { ...(p as Pod), status: readyStatus } as Pod, { status: true });
  return p as Pod;
}

/** A Deployment with one ReplicaSet; returns the RS's controller reference for its pods. */
function workload(name: string, replicas: number, maxUnavailable: number): OwnerReference {
  const d = server.store.create(kindOf('Deployment'), {
    metadata: { name, namespace: 'default' },
    spec: { replicas, selector: { matchLabels: { app: name } }, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: { intVal: maxUnavailable }, maxSurge: { intVal: 1 } } }, template: { metadata: { labels: { app: name } } } },
  } as Deployment);
  const rs = server.store.create(kindOf('ReplicaSet'), {
    metadata: { name: `${name}-rs`, namespace: 'default', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: d.metadata?.uid ?? '', controller: true }] },
    spec: { replicas, selector: { matchLabels: { app: name } } },
  } as ReplicaSet);
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${name}-rs`, uid: rs.metadata?.uid ?? '', controller: true };
}

const podsOf = (app: string): Pod[] => server.store.list({ info: POD, namespace: 'default', labelSelector: '', fieldSelector: '' }).items.filter((p) => p.metadata?.labels?.['app'] === app) as Pod[];

const timers: NodeJS.Timeout[] = [];
afterEach(() => {
  for (const t of timers.splice(0)) clearInterval(t);
});

describe('tsctl drain', () => {
  it('evicts in waves that keep replicas - maxUnavailable ready, waiting for replacements', async () => {
    const owner = workload('web', 3, 1);
    pod('web-a', 'n1', owner);
    pod('web-b', 'n1', owner);
    pod('web-c', 'n2', owner);
    // The ReplicaSet controller's part: replace a missing pod on n2, Ready 300 ms later.
    let minReady = 3;
    let n = 0;
    timers.push(
      setInterval(() => {
        const pods = podsOf('web');
        minReady = Math.min(minReady, pods.filter((p) => p.status?.phase === 'Running').length);
        if (pods.length < 3) {
          const p = pod(`web-r${n++}`, 'n2', owner, false);
          setTimeout(() => server.store.update(POD, { ...(server.store.get(POD, 'default', p.metadata?.name ?? '') as Pod), status: readyStatus } as Pod, { status: true }), 300);
        }
      }, 20),
    );
    const r = await tsctl('drain', 'n1', '--timeout', '30s');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual(['node/n1 cordoned', 'evicting pod default/web-a', 'pod/web-a evicted', 'evicting pod default/web-b', 'pod/web-b evicted', 'node/n1 drained', '']);
    expect(r.stderr).toContain('error when evicting pods/"web-b" -n "default" (will retry after 500ms)');
    expect(minReady).toBeGreaterThanOrEqual(2);
    expect(podsOf('web').filter((p) => p.spec?.nodeName === 'n1')).toEqual([]);
    expect((server.store.get(kindOf('Node'), '', 'n1') as Node).spec?.unschedulable).toBe(true);
  });

  it('refuses DaemonSet pods and bare pods with kubectl\'s error, leaving the node cordoned', async () => {
    const ds: OwnerReference = { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'ds-uid', controller: true };
    pod('agent-x', 'n3', ds);
    pod('bare', 'n3');
    expect(await tsctl('drain', 'n3')).toEqual({
      code: 1,
      stdout: 'node/n3 cordoned\n',
      stderr: 'error: [cannot delete Pods that declare no controller (use --force to override): default/bare, cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/agent-x]\n',
    });
    expect((await tsctl('drain', 'n3', '--force')).stderr).toBe('error: cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/agent-x\n');
    const r = await tsctl('drain', 'n3', '--force', '--ignore-daemonsets', '--grace-period', '0');
    expect(r).toEqual({
      code: 0,
      stdout: 'node/n3 already cordoned\nevicting pod default/bare\npod/bare evicted\nnode/n3 drained\n',
      stderr: 'Warning: ignoring DaemonSet-managed Pods: default/agent-x\nWarning: deleting Pods that declare no controller: default/bare\n',
    });
    expect(podsOf('agent')).toHaveLength(1);
  });

  it('gives up at --timeout when the budget never allows an eviction', async () => {
    const owner = workload('solo', 1, 0);
    pod('solo-a', 'n2', owner);
    const r = await tsctl('drain', 'n2', '--timeout=1s');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^node\/n2 cordoned\n(evicting pod default\/web-\S+\n)*/);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe('error: error when evicting pods/"solo-a" -n "default": global timeout reached: 1s');
    expect(podsOf('solo')).toHaveLength(1);
    expect((await tsctl('drain', 'ghost')).stderr).toBe('Error from server (NotFound): nodes "ghost" not found\n');
  });
});
