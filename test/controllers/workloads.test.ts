/**
 * Jobs, DaemonSets and garbage collection end to end: tsk-server with its controllers and
 * hollow nodes. Hollow nodes only report pods Running, so the Job test acts as the node and
 * reports its pods Succeeded through the status subresource.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DaemonSet, type Deployment, type Job, type Pod, type ReplicaSet } from '@tsk/api';
import { modify } from '@tsk/client';
import { daemonSet, deployment, eventually, job, NS, podsOf, runningPods, startCluster, terminating, type Cluster } from './cluster.js';

let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster();
  await cluster.addAgent('g', 2);
});

afterAll(async () => {
  await cluster?.stop();
});

async function exists(kind: string, name: string): Promise<boolean> {
  try {
    await cluster.client.get(kind, NS, name);
    return true;
  } catch {
    return false;
  }
}

async function replicaSetsOf(app: string): Promise<ReplicaSet[]> {
  return (await cluster.client.list<ReplicaSet>('ReplicaSet', { namespace: NS, labelSelector: `app=${app}` })).items;
}

describe('Job', () => {
  it('completions 3, parallelism 2: at most 2 at once, Complete after 3 succeed', async () => {
    const { client } = cluster;
    await client.create('Job', job('calc', 3, 2));
    const succeeded = new Set<string>();
    let maxActive = 0;
    const done = await eventually(
      async () => {
        const j = await client.get<Job>('Job', NS, 'calc');
        if ((j.status?.conditions ?? []).some((c) => c.type === 'Complete' && c.status === 'True')) return j;
        const pods = (await client.list<Pod>('Pod', { namespace: NS, labelSelector: 'job-name=calc' })).items;
        const active = pods.filter((p) => !terminating(p) && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
        maxActive = Math.max(maxActive, active.length);
        // Act as the node: a Running pod finishes its work.
        for (const p of active.filter((x) => x.status?.phase === 'Running')) {
          await client.updateStatus<Pod>('Pod', { ...p, status: { ...p.status, phase: 'Succeeded', conditions: (p.status?.conditions ?? []).map((c) => (c.type === 'Ready' ? { ...c, status: 'False' } : c)) } });
          succeeded.add(p.metadata?.name ?? '');
        }
        return undefined;
      },
      60_000,
      'job calc Complete',
    );
    expect(done.status?.succeeded).toBe(3);
    expect(succeeded.size).toBe(3);
    expect(maxActive).toBeLessThanOrEqual(2);
    expect(done.status?.completionTime).toBeTruthy();
  });
});

describe('DaemonSet', () => {
  it('runs one pod per node, on a node added later, and rolls out a new template', async () => {
    const { client } = cluster;
    await client.create('DaemonSet', daemonSet('agent'));
    const pods = await runningPods(client, 'agent', 2);
    expect(pods.map((p) => p.spec?.nodeName).sort()).toEqual(['g-0', 'g-1']);
    await cluster.addAgent('late', 1);
    const after = await runningPods(client, 'agent', 3);
    expect(after.map((p) => p.spec?.nodeName).sort()).toEqual(['g-0', 'g-1', 'late-0']);
    // A new template rolls out node by node (maxUnavailable 1 by default).
    await modify<DaemonSet>(client, 'DaemonSet', NS, 'agent', (d) => {
      const c = d.spec?.template?.spec?.containers?.[0];
      if (c !== undefined) c.image = 'nginx:1.28';
    });
    const updated = await runningPods(client, 'agent', 3, 30_000, (ps) => ps.every((p) => p.spec?.containers?.[0]?.image === 'nginx:1.28'));
    expect(updated.map((p) => p.spec?.nodeName).sort()).toEqual(['g-0', 'g-1', 'late-0']);
    await client.delete('DaemonSet', NS, 'agent');
    await eventually(async () => ((await podsOf(client, 'agent')).length === 0 ? true : undefined), 20_000, 'daemon pods collected');
  });
});

describe('garbage collection of a Deployment', () => {
  it('background: the Deployment goes at once, then its ReplicaSets and pods', async () => {
    const { client } = cluster;
    await client.create('Deployment', deployment('bg', 2));
    await runningPods(client, 'bg', 2);
    await client.delete('Deployment', NS, 'bg', { propagationPolicy: 'Background' });
    expect(await exists('Deployment', 'bg')).toBe(false);
    await eventually(async () => ((await replicaSetsOf('bg')).length === 0 && (await podsOf(client, 'bg')).length === 0 ? true : undefined), 20_000, 'bg dependents gone');
  });

  it('foreground: the Deployment stays (deleting) until its dependents are gone', async () => {
    const { client } = cluster;
    await client.create('Deployment', deployment('fg', 2));
    await runningPods(client, 'fg', 2);
    const deleting = await client.delete<Deployment>('Deployment', NS, 'fg', { propagationPolicy: 'Foreground' });
    expect(deleting.metadata?.deletionTimestamp).toBeTruthy();
    expect(deleting.metadata?.finalizers).toContain('foregroundDeletion');
    await eventually(async () => (!(await exists('Deployment', 'fg')) ? true : undefined), 30_000, 'fg Deployment gone');
    expect(await replicaSetsOf('fg')).toEqual([]);
    const left = (await client.list<Pod>('Pod', { namespace: NS, labelSelector: 'app=fg' })).items;
    expect(left).toEqual([]);
  });

  it('orphan: the Deployment goes, its ReplicaSet and pods stay without the owner', async () => {
    const { client } = cluster;
    await client.create('Deployment', deployment('or', 2));
    await runningPods(client, 'or', 2);
    await client.delete('Deployment', NS, 'or', { propagationPolicy: 'Orphan' });
    await eventually(async () => (!(await exists('Deployment', 'or')) ? true : undefined), 20_000, 'or Deployment gone');
    const rss = await replicaSetsOf('or');
    expect(rss).toHaveLength(1);
    expect(rss[0]?.metadata?.ownerReferences ?? []).toEqual([]);
    // The orphaned ReplicaSet still owns and keeps its pods.
    const pods = await runningPods(client, 'or', 2);
    expect(pods.every((p) => p.metadata?.ownerReferences?.[0]?.uid === rss[0]?.metadata?.uid)).toBe(true);
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await podsOf(client, 'or')).length).toBe(2);
  });
});

describe('controller logs', () => {
  it('hold no warning or error from the controllers (conflicts are expected and logged at debug)', () => {
    const bad = cluster.server
      .logs()
      .split('\n')
      .filter((l) => /"component":"[a-z]+-controller"|"component":"events"/.test(l) && /"level":(40|50|60)/.test(l));
    expect(bad).toEqual([]);
  });
});
