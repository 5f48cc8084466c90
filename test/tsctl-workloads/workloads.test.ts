/**
 * tsctl's workload verbs against a real tsk-server (scheduler and node lifecycle on) and real
 * hollow nodes: cordon keeps the scheduler away, scale/pause/resume/restart/history/undo write
 * what kubectl would, rollout status follows the server's watch, and drain evicts through the
 * API server and the hollow agent in waves within the Deployment's budget.
 *
 * The Deployment and ReplicaSet controllers are not wired into tsk-server yet, so this file plays
 * their part where a verb needs it (writing a Deployment's status, replacing evicted pods).
 */
import { type DaemonSet, type Deployment, type DeploymentStatus, type Node, type OwnerReference, type Pod, type ReplicaSet } from '@tsk/api';
import { connect, type ApiClient } from '@tsk/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from '../apiserver/harness.js';
import { eventually, startAgent, type AgentProcess } from '../scheduling/agents.js';
import { tsctl as runTsctl, type Result } from '../tsctl/harness.js';

let server: ServerProcess;
let client: ApiClient;
let agent: AgentProcess | undefined;

beforeAll(async () => {
  server = await startServer();
  client = connect(server.grpcAddress);
  agent = await startAgent(server.grpcAddress, ['--hollow', '3', '--node-name', 'h']);
  await eventually(async () => ((await client.list<Node>('Node')).items.length === 3 ? true : undefined), 20_000, 'three hollow nodes');
});

afterAll(async () => {
  await agent?.stop();
  client?.close();
  await server?.stop();
});

const tsctl = (...args: string[]): Promise<Result> => runTsctl(['--server', server.grpcAddress, ...args], { timeoutMs: 90_000 });

function pod(name: string, labels: Record<string, string>, opts: { node?: string; owner?: OwnerReference } = {}): Pod {
  return {
    metadata: { name, namespace: 'default', labels, ...(opts.owner !== undefined ? { ownerReferences: [opts.owner] } : {}) },
    spec: { ...(opts.node !== undefined ? { nodeName: opts.node } : {}), containers: [{ name: 'app', image: 'nginx:1.27', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
  };
}

const running = (p: Pod): boolean => p.status?.phase === 'Running' && (p.metadata?.deletionTimestamp ?? '') === '';
const ready = (p: Pod): boolean => running(p) && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const podsWith = async (label: string): Promise<Pod[]> => (await client.list<Pod>('Pod', { namespace: 'default', labelSelector: label })).items;

const deployment = (name: string, replicas: number, image: string): Deployment => ({
  metadata: { name, namespace: 'default' },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: { intVal: 1 }, maxSurge: { intVal: 1 } } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } },
  },
});

/** The ReplicaSet a Deployment controller would have made for revision `rev`. */
async function replicaSet(d: Deployment, rev: number, image: string, cause?: string): Promise<ReplicaSet> {
  const name = d.metadata?.name ?? '';
  const hash = `h${rev}`;
  return client.create<ReplicaSet>('ReplicaSet', {
    metadata: {
      name: `${name}-${hash}`,
      namespace: 'default',
      labels: { app: name, 'pod-template-hash': hash },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: d.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true }],
      annotations: { 'deployment.kubernetes.io/revision': String(rev), ...(cause !== undefined ? { 'kubernetes.io/change-cause': cause } : {}) },
    },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: name, 'pod-template-hash': hash } },
      template: { metadata: { labels: { app: name, 'pod-template-hash': hash } }, spec: { containers: [{ name: 'app', image }] } },
    },
  });
}

const WEB_MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  strategy: {rollingUpdate: {maxUnavailable: 1, maxSurge: 1}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: "nginx:2"}]
`;

async function writeStatus(name: string, status: DeploymentStatus): Promise<void> {
  const d = await client.get<Deployment>('Deployment', 'default', name);
  await client.updateStatus('Deployment', { ...d, status: { observedGeneration: d.metadata?.generation ?? 1, ...status } });
}

describe('tsctl workload verbs against tsk-server', () => {
  it('cordon keeps new pods off the node until uncordon', async () => {
    expect(await tsctl('cordon', 'h-0')).toEqual({ code: 0, stdout: 'node/h-0 cordoned\n', stderr: '' });
    expect((await tsctl('cordon', 'h-0')).stdout).toBe('node/h-0 already cordoned\n');
    for (let i = 0; i < 6; i++) await client.create('Pod', pod(`spread-${i}`, { app: 'spread' }));
    const placed = await eventually(async () => {
      const pods = await podsWith('app=spread');
      return pods.every(running) ? pods : undefined;
    }, 30_000, 'six pods Running');
    expect(placed.map((p) => p.spec?.nodeName).filter((n) => n === 'h-0')).toEqual([]);
    // The hollow agent's heartbeats must not undo the cordon.
    expect((await client.get<Node>('Node', '', 'h-0')).spec?.unschedulable).toBe(true);
    expect(await tsctl('uncordon', 'h-0')).toEqual({ code: 0, stdout: 'node/h-0 uncordoned\n', stderr: '' });
    expect((await client.get<Node>('Node', '', 'h-0')).spec?.unschedulable).toBeFalsy();
    await tsctl('delete', 'pods', '-l', 'app=spread', '--now');
  });

  it('scale, pause, resume, restart, history and undo write what kubectl would', async () => {
    const applied = await runTsctl(['--server', server.grpcAddress, 'apply', '-f', '-'], { stdin: WEB_MANIFEST });
    expect(applied).toEqual({ code: 0, stdout: 'deployment.apps/web created\n', stderr: '' });
    expect(await tsctl('scale', 'deployment/web', '--replicas', '5')).toEqual({ code: 0, stdout: 'deployment.apps/web scaled\n', stderr: '' });
    expect((await tsctl('scale', 'deploy', 'web', '--current-replicas=4', '--replicas=1')).stderr).toBe('error: Expected replicas to be 4, was 5\n');
    expect((await client.get<Deployment>('Deployment', 'default', 'web')).spec?.replicas).toBe(5);

    expect((await tsctl('rollout', 'pause', 'deployment/web')).stdout).toBe('deployment.apps/web paused\n');
    expect((await tsctl('rollout', 'pause', 'deployment/web')).stderr).toBe('error: deployments.apps "web" is already paused\n');
    expect((await tsctl('rollout', 'resume', 'deployment/web')).stdout).toBe('deployment.apps/web resumed\n');
    expect((await tsctl('rollout', 'restart', 'deployment/web')).stdout).toBe('deployment.apps/web restarted\n');
    const restarted = await client.get<Deployment>('Deployment', 'default', 'web');
    expect(restarted.spec?.template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    await replicaSet(restarted, 1, 'nginx:1', 'tsctl apply (first)');
    await replicaSet(restarted, 2, 'nginx:2');
    expect(await tsctl('rollout', 'history', 'deployment/web')).toEqual({
      code: 0,
      stdout: 'deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         tsctl apply (first)\n2         <none>\n\n',
      stderr: '',
    });
    expect(await tsctl('rollout', 'undo', 'deployment/web', '--to-revision', '1')).toEqual({ code: 0, stdout: 'deployment.apps/web rolled back\n', stderr: '' });
    const back = await client.get<Deployment>('Deployment', 'default', 'web');
    expect(back.spec?.template?.spec?.containers?.[0]?.image).toBe('nginx:1');
    expect(back.metadata?.annotations?.['kubernetes.io/change-cause']).toBe('tsctl apply (first)');
    expect((await tsctl('rollout', 'undo', 'deployment/web', '--to-revision=1')).stdout).toBe('deployment.apps/web skipped rollback (current template already matches revision 1)\n');
    expect((await tsctl('rollout', 'undo', 'deployment/web', '--to-revision=3')).stderr).toBe('error: unable to find specified revision 3 in history\n');
  });

  it('rollout status follows the Deployment through the server\'s watch', async () => {
    await client.create('Deployment', deployment('st', 3, 'nginx:1'));
    expect((await tsctl('rollout', 'status', 'deployment/st', '-w=false')).stdout).toBe('Waiting for deployment spec update to be observed...\n');
    await writeStatus('st', { replicas: 3, updatedReplicas: 3, availableReplicas: 1 });
    // The rollout finishes once tsctl has printed its first line (and so is watching).
    let finished: Promise<void> | undefined;
    const watching = runTsctl(['--server', server.grpcAddress, 'rollout', 'status', 'deployment/st', '--timeout', '60s'], {
      until: (out) => {
        if (out.includes('1 of 3') && finished === undefined) finished = writeStatus('st', { replicas: 3, updatedReplicas: 3, availableReplicas: 3 });
        return false;
      },
    });
    const result = await watching;
    await finished;
    expect(result).toEqual({
      code: 0,
      stdout: 'Waiting for deployment "st" rollout to finish: 1 of 3 updated replicas are available...\ndeployment "st" successfully rolled out\n',
      stderr: '',
    });
    await writeStatus('st', { replicas: 3, updatedReplicas: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] });
    expect(await tsctl('rollout', 'status', 'deploy/st')).toEqual({ code: 1, stdout: '', stderr: 'error: deployment "st" exceeded its progress deadline\n' });
  });

  it('drain refuses, then evicts through the hollow agent in waves within the budget', async () => {
    const ds = await client.create<DaemonSet>('DaemonSet', {
      metadata: { name: 'agent', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'agent:1' }] } } },
    });
    const d = await client.create('Deployment', deployment('drained', 3, 'nginx:1'));
    const rs = await replicaSet(d, 1, 'nginx:1');
    const owner: OwnerReference = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata?.name ?? '', uid: rs.metadata?.uid ?? '', controller: true };
    const labels = { app: 'drained', 'pod-template-hash': 'h1' };
    await client.create('Pod', pod('agent-h1', { app: 'agent' }, { node: 'h-1', owner: { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: ds.metadata?.uid ?? '', controller: true } }));
    await client.create('Pod', pod('bare', { app: 'bare' }, { node: 'h-1' }));
    await client.create('Pod', pod('drained-a', labels, { node: 'h-1', owner }));
    await client.create('Pod', pod('drained-b', labels, { node: 'h-1', owner }));
    await client.create('Pod', pod('drained-c', labels, { node: 'h-2', owner }));
    await eventually(async () => ((await podsWith('app in (drained,agent,bare)')).filter(ready).length === 5 ? true : undefined), 30_000, 'five pods Ready');

    const refused = await tsctl('drain', 'h-1');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('node/h-1 cordoned\n');
    expect(refused.stderr).toBe(
      'error: [cannot delete Pods that declare no controller (use --force to override): default/bare, cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/agent-h1]\n',
    );

    // The ReplicaSet controller's part: keep three pods, the scheduler places them off the cordoned node.
    let minReady = 3;
    let n = 0;
    let stop = false;
    const controller = (async () => {
      while (!stop) {
        const pods = await podsWith('app=drained');
        minReady = Math.min(minReady, pods.filter(ready).length);
        if (pods.filter((p) => (p.metadata?.deletionTimestamp ?? '') === '').length < 3) await client.create('Pod', pod(`drained-r${n++}`, labels, { owner }));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const r = await tsctl('drain', 'h-1', '--ignore-daemonsets', '--force', '--timeout', '60s');
    stop = true;
    await controller;
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('node/h-1 already cordoned');
    expect(lines.at(-1)).toBe('node/h-1 drained');
    for (const name of ['bare', 'drained-a', 'drained-b']) {
      expect(lines).toContain(`evicting pod default/${name}`);
      expect(lines.indexOf(`pod/${name} evicted`)).toBeGreaterThan(lines.indexOf(`evicting pod default/${name}`));
    }
    // One Deployment pod at a time: b is evicted only after a's replacement is Ready.
    expect(lines.indexOf('evicting pod default/drained-b')).toBeGreaterThan(lines.indexOf('pod/drained-a evicted'));
    expect(r.stderr).toContain('Warning: ignoring DaemonSet-managed Pods: default/agent-h1\n');
    expect(minReady).toBeGreaterThanOrEqual(2);
    const left = (await client.list<Pod>('Pod', { namespace: 'default', fieldSelector: 'spec.nodeName=h-1' })).items.map((p) => p.metadata?.name);
    expect(left).toEqual(['agent-h1']);
  });
});
