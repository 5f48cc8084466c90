/**
 * Deployments end to end: tsk-server running its controller manager and scheduler, and three
 * hollow nodes in a tsk-agent process. Scale up and down, a rolling update whose bounds are
 * checked on every pod change the watch delivers, and Recreate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Deployment, type Pod, type ReplicaSet } from '@tsk/api';
import { Informer, modify } from '@tsk/client';
import { deployment, eventually, isReady, NS, podsOf, runningPods, startCluster, terminating, type Cluster } from './cluster.js';

let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster();
  await cluster.addAgent('w', 3);
});

afterAll(async () => {
  await cluster?.stop();
});

async function replicaSetsOf(app: string): Promise<ReplicaSet[]> {
  return (await cluster.client.list<ReplicaSet>('ReplicaSet', { namespace: NS, labelSelector: `app=${app}` })).items;
}

async function setImage(name: string, image: string): Promise<void> {
  await modify<Deployment>(cluster.client, 'Deployment', NS, name, (d) => {
    const c = d.spec?.template?.spec?.containers?.[0];
    if (c !== undefined) c.image = image;
  });
}

/** Waits for the Deployment's status to say the rollout of the current generation is done. */
function rolledOut(name: string, replicas: number, timeoutMs = 60_000): Promise<Deployment> {
  return eventually(
    async () => {
      const d = await cluster.client.get<Deployment>('Deployment', NS, name);
      const s = d.status;
      return s?.observedGeneration === d.metadata?.generation && s?.updatedReplicas === replicas && s?.replicas === replicas && s?.availableReplicas === replicas ? d : undefined;
    },
    timeoutMs,
    `deployment ${name} rolled out`,
  );
}

describe('Deployment', () => {
  it('scales up to 1,500 by creating exactly 1,500 pods (none made and deleted again while the cache lags)', async () => {
    const { client } = cluster;
    const big = await cluster.addAgent('big', 2, ['--capacity', 'cpu=64,memory=256Gi,pods=1000']);
    const names = new Set<string>();
    const watcher = new Informer<Pod>(client, 'Pod', { namespace: NS, labelSelector: 'app=many' });
    watcher.onAdd((p) => void names.add(p.metadata?.name ?? '')).start();
    await watcher.waitForSync();
    try {
      await client.create('Deployment', deployment('many', 1500));
      await runningPods(client, 'many', 1500, 60_000);
      // Give an over-eager ReplicaSet time to show extras before counting.
      await new Promise((r) => setTimeout(r, 1000));
      expect(names.size).toBe(1500);
    } finally {
      // The other tests expect the three small nodes only.
      await watcher.stop();
      await client.delete('Deployment', NS, 'many');
      await eventually(async () => ((await podsOf(client, 'many')).length === 0 ? true : undefined), 30_000, 'the pods of many gone');
      await big.kill9();
      await client.delete('Node', '', 'big-0');
      await client.delete('Node', '', 'big-1');
    }
  });

  it('gets 3 Running pods, then 5, then 1', async () => {
    const { client } = cluster;
    await client.create('Deployment', deployment('web', 3));
    const pods = await runningPods(client, 'web', 3);
    expect(new Set(pods.map((p) => p.spec?.nodeName)).size).toBe(3);
    // Created by the controllers with the default not-ready/unreachable tolerations.
    expect(pods[0]?.spec?.tolerations?.map((t) => t.key)).toEqual(expect.arrayContaining(['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']));
    await rolledOut('web', 3);

    await modify<Deployment>(client, 'Deployment', NS, 'web', (d) => ({ ...d, spec: { ...d.spec, replicas: 5 } }));
    await runningPods(client, 'web', 5);
    await rolledOut('web', 5);

    await modify<Deployment>(client, 'Deployment', NS, 'web', (d) => ({ ...d, spec: { ...d.spec, replicas: 1 } }));
    await runningPods(client, 'web', 1);
    const d = await rolledOut('web', 1);
    expect(d.status?.readyReplicas).toBe(1);
    const rss = await replicaSetsOf('web');
    expect(rss).toHaveLength(1);
    expect(rss[0]?.spec?.replicas).toBe(1);
  });

  it('rolls out a new image within maxSurge and maxUnavailable on every observed step', async () => {
    const { client } = cluster;
    const replicas = 4;
    const maxSurge = 1;
    const maxUnavailable = 1;
    await client.create('Deployment', deployment('roll', replicas, { image: 'nginx:1.27', strategy: { maxSurge, maxUnavailable } }));
    await runningPods(client, 'roll', replicas, 30_000, (pods) => pods.every(isReady));
    await rolledOut('roll', replicas);

    // Watch every pod change from now on and check the bounds after each one.
    const abort = new AbortController();
    const pods = new Map<string, Pod>();
    const list = await client.list<Pod>('Pod', { namespace: NS, labelSelector: 'app=roll' });
    for (const p of list.items) pods.set(p.metadata?.name ?? '', p);
    const violations: string[] = [];
    let steps = 0;
    let minReady = Infinity;
    let maxTotal = 0;
    const watching = (async () => {
      for await (const ev of client.watch<Pod>('Pod', { namespace: NS, labelSelector: 'app=roll', resourceVersion: list.resourceVersion, signal: abort.signal })) {
        if (ev.type === 'BOOKMARK') continue;
        const name = ev.object.metadata?.name ?? '';
        if (ev.type === 'DELETED') pods.delete(name);
        else pods.set(name, ev.object);
        const live = [...pods.values()].filter((p) => !terminating(p));
        const ready = live.filter(isReady).length;
        steps++;
        minReady = Math.min(minReady, ready);
        maxTotal = Math.max(maxTotal, live.length);
        if (ready < replicas - maxUnavailable) violations.push(`step ${steps}: ${ready} ready < ${replicas - maxUnavailable}`);
        if (live.length > replicas + maxSurge) violations.push(`step ${steps}: ${live.length} pods > ${replicas + maxSurge}`);
      }
    })().catch((err: unknown) => {
      if (!abort.signal.aborted) violations.push(`watch failed: ${String(err)}`);
    });

    await setImage('roll', 'nginx:1.28');
    await rolledOut('roll', replicas);
    const final = await runningPods(client, 'roll', replicas, 30_000, (ps) => ps.every((p) => p.spec?.containers?.[0]?.image === 'nginx:1.28'));
    abort.abort();
    await watching;
    console.log(`rolling update: ${steps} pod changes observed, min ready ${minReady}, max pods ${maxTotal}`);
    expect(violations).toEqual([]);
    expect(steps).toBeGreaterThan(replicas * 2);
    expect(final.every(isReady)).toBe(true);

    const rss = await replicaSetsOf('roll');
    expect(rss).toHaveLength(2);
    const byImage = new Map(rss.map((r) => [r.spec?.template?.spec?.containers?.[0]?.image, r]));
    expect(byImage.get('nginx:1.28')?.spec?.replicas).toBe(replicas);
    expect(byImage.get('nginx:1.27')?.spec?.replicas).toBe(0);
    expect(byImage.get('nginx:1.28')?.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
  });

  it('Recreate stops every old pod before the first new one exists', async () => {
    const { client } = cluster;
    await client.create('Deployment', deployment('re', 3, { image: 'redis:7.2', strategy: 'Recreate' }));
    await runningPods(client, 're', 3);
    await rolledOut('re', 3);
    const abort = new AbortController();
    const list = await client.list<Pod>('Pod', { namespace: NS, labelSelector: 'app=re' });
    const pods = new Map(list.items.map((p) => [p.metadata?.name ?? '', p]));
    let overlap = false;
    const watching = (async () => {
      for await (const ev of client.watch<Pod>('Pod', { namespace: NS, labelSelector: 'app=re', resourceVersion: list.resourceVersion, signal: abort.signal })) {
        if (ev.type === 'BOOKMARK') continue;
        if (ev.type === 'DELETED') pods.delete(ev.object.metadata?.name ?? '');
        else pods.set(ev.object.metadata?.name ?? '', ev.object);
        const images = new Set([...pods.values()].map((p) => p.spec?.containers?.[0]?.image));
        if (images.size > 1) overlap = true;
      }
    })().catch(() => undefined);
    await setImage('re', 'redis:7.4');
    await rolledOut('re', 3);
    await runningPods(client, 're', 3, 30_000, (ps) => ps.every((p) => p.spec?.containers?.[0]?.image === 'redis:7.4'));
    abort.abort();
    await watching;
    expect(overlap).toBe(false);
    expect((await podsOf(client, 're')).length).toBe(3);
  });

  it('a server restart in the middle of a scale-up neither loses nor duplicates pods', async () => {
    const { client } = cluster;
    await client.create('Deployment', deployment('again', 2));
    await runningPods(client, 'again', 2);
    await modify<Deployment>(client, 'Deployment', NS, 'again', (d) => ({ ...d, spec: { ...d.spec, replicas: 12 } }));
    await cluster.server.restart();
    await runningPods(client, 'again', 12, 45_000);
    await rolledOut('again', 12);
    await new Promise((r) => setTimeout(r, 1_000));
    const all = (await client.list<Pod>('Pod', { namespace: NS, labelSelector: 'app=again' })).items;
    expect(all).toHaveLength(12);
    expect(await replicaSetsOf('again')).toHaveLength(1);
  });
});
