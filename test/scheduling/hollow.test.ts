/**
 * Hollow nodes and the scheduler end to end: a real tsk-server (scheduler and node lifecycle on)
 * and real tsk-agent --hollow processes. Nodes register and stay Ready on renewed leases, pods
 * are bound and reported Running, an unschedulable pod says why and is placed when a bigger node
 * appears, and killing an agent process takes its nodes down and evicts their pods.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Event, type Lease, type Node, type Pod } from '@tsk/api';
import { connect, type ApiClient } from '@tsk/client';
import { startServer, type ServerProcess } from '../apiserver/harness.js';
import { eventually, startAgent, type AgentProcess } from './agents.js';

let server: ServerProcess;
let client: ApiClient;
const agents: AgentProcess[] = [];

function pod(name: string, cpu = '100m'): Pod {
  return { metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27', resources: { requests: { cpu, memory: '64Mi' } } }] } };
}

function inCidr(ip: string, cidr: string): boolean {
  const prefix = cidr.split('/')[0]!.split('.').slice(0, 3).join('.');
  return ip.startsWith(`${prefix}.`);
}

beforeAll(async () => {
  server = await startServer();
  client = connect(server.grpcAddress);
  agents.push(await startAgent(server.grpcAddress, ['--hollow', '3', '--node-name', 'h']));
});

afterAll(async () => {
  for (const a of agents) await a.kill9();
  client?.close();
  await server?.stop();
});

describe('hollow nodes', () => {
  it('register Ready with capacity, labels, a unique /24 and a renewed lease', async () => {
    const nodes = (await client.list<Node>('Node')).items.filter((n) => n.metadata?.name?.startsWith('h-'));
    expect(nodes.map((n) => n.metadata?.name).sort()).toEqual(['h-0', 'h-1', 'h-2']);
    for (const n of nodes) {
      expect(n.metadata?.labels?.['kubernetes.io/hostname']).toBe(n.metadata?.name);
      expect(n.metadata?.labels?.['kubernetes.io/os']).toBe('linux');
      expect(n.status?.allocatable).toMatchObject({ cpu: '2', memory: '4Gi', pods: '110' });
      const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
      expect(ready?.status).toBe('True');
      expect(ready?.lastHeartbeatTime).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(n.spec?.podCIDR).toMatch(/^10\.244\.\d+\.0\/24$/);
    }
    expect(new Set(nodes.map((n) => n.spec?.podCIDR)).size).toBe(3);

    const lease = await client.get<Lease>('Lease', 'tsk-node-lease', 'h-0');
    expect(lease.spec?.holderIdentity).toBe('h-0');
    expect(lease.spec?.renewTime).toMatch(/\.\d{6}Z$/);
    const renewed = await eventually(async () => {
      const next = await client.get<Lease>('Lease', 'tsk-node-lease', 'h-0');
      return next.spec?.renewTime !== lease.spec?.renewTime ? next : undefined;
    }, 10_000, 'a lease renewal');
    expect(Date.parse(renewed.spec!.renewTime!)).toBeGreaterThan(Date.parse(lease.spec!.renewTime!));
  });

  it('run the pods the scheduler binds to them, and finish their deletion', async () => {
    await Promise.all(['web-0', 'web-1', 'web-2', 'web-3'].map((n) => client.create('Pod', pod(n))));
    const running = await eventually(async () => {
      const pods = (await client.list<Pod>('Pod', { namespace: 'default' })).items.filter((p) => p.metadata?.name?.startsWith('web-'));
      return pods.length === 4 && pods.every((p) => p.status?.phase === 'Running') ? pods : undefined;
    }, 20_000, 'pods Running');
    const nodes = new Map((await client.list<Node>('Node')).items.map((n) => [n.metadata?.name ?? '', n]));
    for (const p of running) {
      const node = nodes.get(p.spec?.nodeName ?? '');
      expect(node).toBeDefined();
      expect(inCidr(p.status?.podIP ?? '', node!.spec!.podCIDR!)).toBe(true);
      expect(p.status?.hostIP).toBe(node!.status?.addresses?.find((a) => a.type === 'InternalIP')?.address);
      const conditions = Object.fromEntries((p.status?.conditions ?? []).map((c) => [c.type, c.status]));
      expect(conditions).toMatchObject({ PodScheduled: 'True', Initialized: 'True', ContainersReady: 'True', Ready: 'True' });
      expect(p.status?.containerStatuses?.[0]).toMatchObject({ name: 'app', ready: true, restartCount: 0, state: { running: {} } });
      expect(p.status?.startTime).toBeTruthy();
    }
    // LeastAllocated spreads 4 pods over 3 empty nodes: 2, 1, 1.
    expect(new Set(running.map((p) => p.spec?.nodeName)).size).toBe(3);
    const events = (await client.list<Event>('Event', { namespace: 'default' })).items;
    expect(events.some((e) => e.reason === 'Scheduled' && e.message === `Successfully assigned default/web-0 to ${running.find((p) => p.metadata?.name === 'web-0')?.spec?.nodeName}`)).toBe(true);

    await client.delete('Pod', 'default', 'web-3');
    await eventually(async () => ((await client.list<Pod>('Pod', { namespace: 'default' })).items.some((p) => p.metadata?.name === 'web-3') ? undefined : true), 10_000, 'web-3 gone');
  });

  it('marks a pod that fits nowhere and places it when a bigger node appears', async () => {
    await client.create('Pod', pod('huge', '6'));
    const condition = await eventually(async () => {
      const p = await client.get<Pod>('Pod', 'default', 'huge');
      return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    }, 10_000, 'PodScheduled=False');
    expect(condition.reason).toBe('Unschedulable');
    expect(condition.message).toBe('0/3 nodes are available: 3 Insufficient cpu.');
    await eventually(async () => ((await client.list<Event>('Event', { namespace: 'default' })).items.some((e) => e.reason === 'FailedScheduling' && e.type === 'Warning') ? true : undefined), 10_000, 'a FailedScheduling event');

    agents.push(await startAgent(server.grpcAddress, ['--hollow', '1', '--node-name', 'big', '--capacity', 'cpu=8,memory=16Gi,pods=110']));
    const placed = await eventually(async () => {
      const p = await client.get<Pod>('Pod', 'default', 'huge');
      return p.status?.phase === 'Running' ? p : undefined;
    }, 10_000, 'huge Running');
    expect(placed.spec?.nodeName).toBe('big-0');
  });

  it('loses the nodes of a killed agent: leases stop, nodes go Unknown and tainted, pods evicted and replaced elsewhere', async () => {
    // A ReplicaSet whose replicas run on the hollow nodes; its controller must replace the ones
    // on the nodes that die.
    await client.create('ReplicaSet', {
      metadata: { name: 'heal', namespace: 'default' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'heal' } },
        template: { metadata: { labels: { app: 'heal' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27', resources: { requests: { cpu: '100m' } } }] } },
      },
    });
    const healPods = async (): Promise<Pod[]> => (await client.list<Pod>('Pod', { namespace: 'default', labelSelector: 'app=heal' })).items;
    await eventually(async () => ((await healPods()).filter((p) => p.status?.phase === 'Running').length === 3 ? true : undefined), 20_000, 'the ReplicaSet Running');
    const victims = (await client.list<Pod>('Pod', { namespace: 'default' })).items.filter((p) => p.spec?.nodeName?.startsWith('h-'));
    expect(victims.length).toBeGreaterThan(0);
    const before = await client.get<Lease>('Lease', 'tsk-node-lease', 'h-1');
    const killedAt = Date.now();
    await agents[0]!.kill9();

    const unknownAt = await eventually(async () => {
      const n = await client.get<Node>('Node', '', 'h-1');
      const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
      const tainted = n.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute');
      return ready?.status === 'Unknown' && tainted === true ? Date.now() : undefined;
    }, 20_000, 'h-1 Ready=Unknown and tainted unreachable');
    const after = await client.get<Lease>('Lease', 'tsk-node-lease', 'h-1');
    expect(Date.parse(after.spec!.renewTime!) - Date.parse(before.spec!.renewTime!)).toBeLessThan(3_000);

    const evictedAt = await eventually(async () => {
      const pods = (await client.list<Pod>('Pod', { namespace: 'default' })).items;
      const left = victims.filter((v) => pods.some((p) => p.metadata?.uid === v.metadata?.uid && (p.metadata?.deletionTimestamp ?? '') === ''));
      return left.length === 0 ? Date.now() : undefined;
    }, 30_000, 'evictions');
    const healedAt = await eventually(async () => {
      const live = (await healPods()).filter((p) => (p.metadata?.deletionTimestamp ?? '') === '' && p.status?.phase === 'Running' && !(p.spec?.nodeName ?? '').startsWith('h-'));
      return live.length === 3 ? Date.now() : undefined;
    }, 40_000, 'three heal replicas Running on a live node');
    // A merely late heartbeat must not do this: the last renewal came at most 2 s before the
    // kill, so the node is called dead no sooner than the 8 s grace minus that (less slack).
    expect(unknownAt - killedAt).toBeGreaterThanOrEqual(5_000);
    process.stdout.write(
      `node loss: Ready=Unknown + unreachable taint ${((unknownAt - killedAt) / 1000).toFixed(1)} s after SIGKILL; ` +
        `${victims.length} pods evicted at ${((evictedAt - killedAt) / 1000).toFixed(1)} s; ` +
        `ReplicaSet back to 3 Running replicas elsewhere at ${((healedAt - killedAt) / 1000).toFixed(1)} s (goal: 30 s)\n`,
    );
    expect(healedAt - killedAt).toBeLessThan(30_000);
    // The surviving node is untouched.
    const big = await client.get<Node>('Node', '', 'big-0');
    expect(big.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });
});
