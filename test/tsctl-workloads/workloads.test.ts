/**
 * tsctl's workload verbs against a real tsk-server (scheduler and node lifecycle on) and real
 * hollow nodes: cordon keeps the scheduler away, scale/pause/resume/restart write what kubectl
 * would, rollout status follows real rollouts (and undo rolls one back), and drain evicts through
 * the API server and the hollow agent in waves within the Deployment's budget while the
 * controllers replace pods.
 * tsk-server runs its controller manager (Deployment, ReplicaSet, DaemonSet, GC), so every
 * rollout here is a real one.
 */
import { type DaemonSet, type Deployment, type Node, type OwnerReference, type Pod } from '@tsk/api';
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

  it('scale, pause, resume and restart write what kubectl would', async () => {
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

  });

  it('rollout status exits 1 when a rollout exceeds its progress deadline', async () => {
    // Pods that no node can take: the rollout makes no progress for progressDeadlineSeconds.
    const d = deployment('stuck', 2, 'nginx:1');
    d.spec = { ...d.spec, progressDeadlineSeconds: 2, template: { ...d.spec?.template, spec: { ...d.spec?.template?.spec, nodeSelector: { pool: 'none' } } } };
    await client.create('Deployment', d);
    const r = await tsctl('rollout', 'status', 'deployment/stuck', '--timeout', '60s');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Waiting for deployment "stuck" rollout to finish: 0 of 2 updated replicas are available\.\.\.\n$/);
    expect(r.stderr).toBe('error: deployment "stuck" exceeded its progress deadline\n');
    expect(await tsctl('rollout', 'status', 'deployment/stuck', '--timeout', '1s', '-w=false')).toMatchObject({ code: 1, stderr: 'error: deployment "stuck" exceeded its progress deadline\n' });
    await client.delete('Deployment', 'default', 'stuck');
  });

  it('rollout status waits for a real rollout; history lists it and undo rolls it back', async () => {
    const manifest = (image: string): string => WEB_MANIFEST.replace('name: web', 'name: real').replaceAll('app: web', 'app: real').replace('replicas: 2', 'replicas: 3\n  minReadySeconds: 2').replace('"nginx:2"', `"${image}"`);
    const apply = (image: string): Promise<Result> => runTsctl(['--server', server.grpcAddress, 'apply', '-f', '-'], { stdin: manifest(image) });
    const status = (): Promise<Result> => tsctl('rollout', 'status', 'deployment/real', '--timeout', '60s');
    const images = async (): Promise<string[]> => (await podsWith('app=real')).filter((p) => (p.metadata?.deletionTimestamp ?? '') === '').map((p) => p.spec?.containers?.[0]?.image ?? '');

    expect((await apply('nginx:1')).stdout).toBe('deployment.apps/real created\n');
    const first = await status();
    expect(first.code).toBe(0);
    expect(first.stdout.trimEnd().split('\n').at(-1)).toBe('deployment "real" successfully rolled out');
    expect(await images()).toEqual(['nginx:1', 'nginx:1', 'nginx:1']);

    expect((await apply('nginx:2')).stdout).toBe('deployment.apps/real configured\n');
    const second = await status();
    expect(second).toMatchObject({ code: 0, stderr: '' });
    const lines = second.stdout.trimEnd().split('\n');
    // minReadySeconds 2 makes each step of the rolling update last two seconds: tsctl waited through them.
    expect(lines.filter((l) => l.startsWith('Waiting for deployment "real" rollout to finish')).length, second.stdout).toBeGreaterThan(0);
    expect(lines.at(-1)).toBe('deployment "real" successfully rolled out');
    expect((await images()).sort()).toEqual(['nginx:2', 'nginx:2', 'nginx:2']);
    expect((await tsctl('rollout', 'history', 'deployment/real')).stdout).toBe('deployment.apps/real \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n');

    expect(await tsctl('rollout', 'undo', 'deployment/real')).toEqual({ code: 0, stdout: 'deployment.apps/real rolled back\n', stderr: '' });
    const third = await status();
    expect(third.code).toBe(0);
    expect(third.stdout.trimEnd().split('\n').at(-1)).toBe('deployment "real" successfully rolled out');
    expect((await images()).sort()).toEqual(['nginx:1', 'nginx:1', 'nginx:1']);
    // The rollback is a rollout to revision 1's template, which becomes revision 3 (as Kubernetes).
    expect((await tsctl('rollout', 'history', 'deployment/real')).stdout).toBe('deployment.apps/real \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n');
    expect((await tsctl('rollout', 'undo', 'deployment/real', '--to-revision=3')).stdout).toBe('deployment.apps/real skipped rollback (current template already matches revision 3)\n');
  });

  it('drain refuses, then evicts in waves within the budget while the controllers replace pods', async () => {
    // The Deployment's pods go to h-1 and h-2; h-0 is open again for the replacements.
    await tsctl('cordon', 'h-0');
    await client.create<DaemonSet>('DaemonSet', {
      metadata: { name: 'agent', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'agent:1' }] } } },
    });
    await client.create('Deployment', deployment('drained', 3, 'nginx:1'));
    expect((await tsctl('rollout', 'status', 'deployment/drained', '--timeout', '60s')).code).toBe(0);
    const placed = (await podsWith('app=drained')).filter(ready);
    const count = (node: string): number => placed.filter((p) => p.spec?.nodeName === node).length;
    const target = count('h-1') >= count('h-2') ? 'h-1' : 'h-2';
    const victims = placed.filter((p) => p.spec?.nodeName === target).map((p) => p.metadata?.name ?? '').sort();
    expect(victims.length).toBeGreaterThanOrEqual(2);
    await tsctl('uncordon', 'h-0');
    await client.create('Pod', pod('bare', { app: 'bare' }, { node: target }));
    const daemon = await eventually(async () => {
      const pods = [...(await podsWith('app=agent')), ...(await podsWith('app=bare'))].filter((p) => ready(p) && p.spec?.nodeName === target);
      return pods.length === 2 ? pods.find((p) => p.metadata?.labels?.['app'] === 'agent')?.metadata?.name : undefined;
    }, 30_000, 'the DaemonSet pod and the bare pod Ready on the node');

    const refused = await tsctl('drain', target);
    expect(refused).toEqual({
      code: 1,
      stdout: `node/${target} cordoned\n`,
      stderr: `error: [cannot delete Pods that declare no controller (use --force to override): default/bare, cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/${daemon}]\n`,
    });

    let minReady = 3;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        minReady = Math.min(minReady, (await podsWith('app=drained')).filter(ready).length);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const r = await tsctl('drain', target, '--ignore-daemonsets', '--force', '--timeout', '60s');
    sampling = false;
    await sampler;
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`node/${target} already cordoned`);
    expect(lines.at(-1)).toBe(`node/${target} drained`);
    for (const name of ['bare', ...victims]) expect(lines.indexOf(`pod/${name} evicted`)).toBeGreaterThan(lines.indexOf(`evicting pod default/${name}`));
    // maxUnavailable 1: the second Deployment pod goes only after the first is gone and replaced.
    const order = victims.map((v) => lines.indexOf(`evicting pod default/${v}`)).sort((a, b) => a - b);
    const firstEvicted = lines.findIndex((l) => victims.some((v) => l === `pod/${v} evicted`));
    expect(order[1]).toBeGreaterThan(firstEvicted);
    expect(r.stderr).toContain(`Warning: ignoring DaemonSet-managed Pods: default/${daemon}\n`);
    expect(minReady).toBeGreaterThanOrEqual(2);
    const left = (await client.list<Pod>('Pod', { namespace: 'default', fieldSelector: `spec.nodeName=${target}` })).items.map((p) => p.metadata?.name);
    expect(left).toEqual([daemon]);
    expect((await podsWith('app=drained')).filter(ready)).toHaveLength(3);
    await tsctl('uncordon', target);
  });
});
