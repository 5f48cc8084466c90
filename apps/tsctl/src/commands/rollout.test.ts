import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kindOf, type DaemonSet, type Deployment, type DeploymentStatus, type PodTemplateSpec, type ReplicaSet } from '@tsk/api';
import { FakeObjectsServer } from '@tsk/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTsctl, type TsctlResult } from '../testing.js';
import { formatDuration, parseDuration } from './rollout.js';

let server: FakeObjectsServer;
const home = mkdtempSync(join(tmpdir(), 'tsctl-rollout-'));
const DEPLOY = kindOf('Deployment');
const RS = kindOf('ReplicaSet');

beforeAll(async () => {
  server = await FakeObjectsServer.start();
});

afterAll(async () => {
  await server.stop();
});

function tsctl(args: string[], onOut?: (s: string) => void): Promise<TsctlResult> {
  return runTsctl(server.address, home, args, { now: () => Date.parse('2026-11-27T07:00:00Z'), ...(onOut !== undefined ? { onOut } : {}) });
}

const template = (image: string): PodTemplateSpec => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } });

function getDeployment(name = 'web'): Deployment {
  return server.store.get(DEPLOY, 'default', name) as Deployment;
}

function setStatus(status: DeploymentStatus, name = 'web'): void {
  const d = getDeployment(name);
  server.store.update(DEPLOY, { ...d, status: { observedGeneration: d.metadata?.generation ?? 1, ...status } } as Deployment, { status: true });
}

/** The Deployment at revision 2 (nginx:2) with the ReplicaSets a controller would have left. */
function seed(name: string): void {
  const d = server.store.create(DEPLOY, {
    metadata: { name, namespace: 'default', annotations: { 'deployment.kubernetes.io/revision': '2' } },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: template('nginx:2') },
  } as Deployment);
  const owner = { apiVersion: 'apps/v1', kind: 'Deployment', name, uid: d.metadata?.uid ?? '', controller: true };
  const rs = (rev: number, image: string, cause?: string): ReplicaSet => ({
    metadata: {
      name: `${name}-${rev}abc`,
      namespace: 'default',
      ownerReferences: [owner],
      annotations: { 'deployment.kubernetes.io/revision': String(rev), ...(cause !== undefined ? { 'kubernetes.io/change-cause': cause } : {}) },
    },
    spec: { replicas: 0, selector: { matchLabels: { app: 'web', 'pod-template-hash': `${rev}abc` } }, template: { ...template(image), metadata: { labels: { app: 'web', 'pod-template-hash': `${rev}abc` } } } },
  });
  server.store.create(RS, rs(1, 'nginx:1', 'first'));
  server.store.create(RS, rs(2, 'nginx:2'));
}

describe('tsctl rollout history and undo', () => {
  beforeAll(() => seed('web'));

  it('prints REVISION and CHANGE-CAUSE as kubectl does', async () => {
    expect(await tsctl(['rollout', 'history', 'deployment/web'])).toEqual({
      code: 0,
      stdout: 'deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         first\n2         <none>\n\n',
      stderr: '',
    });
    const one = await tsctl(['rollout', 'history', 'deploy', 'web', '--revision', '1']);
    expect(one.stdout).toMatch(/^deployment\.apps\/web with revision #1\nPod Template:\n {2}Labels:\tapp=web\n[\s\S]*Image:\tnginx:1\n/);
    expect(await tsctl(['rollout', 'history', 'deploy/web', '--revision=7'])).toEqual({ code: 1, stdout: '', stderr: 'error: unable to find the specified revision\n' });
  });

  it('rolls back to the previous revision, skips a no-op, refuses a missing revision', async () => {
    expect(await tsctl(['rollout', 'undo', 'deployment/web'])).toEqual({ code: 0, stdout: 'deployment.apps/web rolled back\n', stderr: '' });
    const d = getDeployment();
    expect(d.spec?.template?.spec?.containers?.[0]?.image).toBe('nginx:1');
    expect(d.spec?.template?.metadata?.labels).toEqual({ app: 'web' });
    expect(d.metadata?.annotations?.['kubernetes.io/change-cause']).toBe('first');
    expect(await tsctl(['rollout', 'undo', 'deployment/web', '--to-revision', '1'])).toEqual({
      code: 0,
      stdout: 'deployment.apps/web skipped rollback (current template already matches revision 1)\n',
      stderr: '',
    });
    expect(await tsctl(['rollout', 'undo', 'deployment/web', '--to-revision=9'])).toEqual({ code: 1, stdout: '', stderr: 'error: unable to find specified revision 9 in history\n' });
    expect((await tsctl(['rollout', 'undo', 'deployment/web', '--to-revision=2'])).stdout).toBe('deployment.apps/web rolled back\n');
    expect(getDeployment().spec?.template?.spec?.containers?.[0]?.image).toBe('nginx:2');
  });

  it('has nothing to undo with a single revision', async () => {
    const d = server.store.create(DEPLOY, { metadata: { name: 'one', namespace: 'default' }, spec: { template: template('x') } } as Deployment);
    const owner = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'one', uid: d.metadata?.uid ?? '', controller: true };
    server.store.create(RS, { metadata: { name: 'one-1', namespace: 'default', ownerReferences: [owner], annotations: { 'deployment.kubernetes.io/revision': '1' } }, spec: { template: template('x') } } as ReplicaSet);
    expect(await tsctl(['rollout', 'undo', 'deploy/one'])).toEqual({ code: 1, stdout: '', stderr: 'error: no rollout history found for deployment "one"\n' });
  });

  it('fails a missing Deployment and an unsupported kind with one line', async () => {
    expect(await tsctl(['rollout', 'undo', 'deploy/ghost'])).toEqual({ code: 1, stdout: '', stderr: 'Error from server (NotFound): deployments.apps "ghost" not found\n' });
    expect((await tsctl(['rollout', 'history', 'ds/x'])).stderr).toBe('error: no history viewer has been implemented for DaemonSet.apps\n');
  });
});

describe('tsctl rollout pause, resume and restart', () => {
  beforeAll(() => seed('api'));

  it('pauses and resumes with kubectl\'s already-paused errors', async () => {
    expect(await tsctl(['rollout', 'pause', 'deployment/api'])).toEqual({ code: 0, stdout: 'deployment.apps/api paused\n', stderr: '' });
    expect(getDeployment('api').spec?.paused).toBe(true);
    expect(await tsctl(['rollout', 'pause', 'deployment/api'])).toEqual({ code: 1, stdout: '', stderr: 'error: deployments.apps "api" is already paused\n' });
    expect((await tsctl(['rollout', 'undo', 'deployment/api'])).stderr).toBe("error: you cannot rollback a paused deployment; resume it first with 'tsctl rollout resume' and try again\n");
    expect((await tsctl(['rollout', 'restart', 'deployment/api'])).stderr).toBe('error: deployments.apps "api" can\'t restart paused deployment (run rollout resume first)\n');
    expect(await tsctl(['rollout', 'resume', 'deployment/api'])).toEqual({ code: 0, stdout: 'deployment.apps/api resumed\n', stderr: '' });
    expect(getDeployment('api').spec?.paused).toBe(false);
    expect((await tsctl(['rollout', 'resume', 'deployment/api'])).stderr).toBe('error: deployments.apps "api" is not paused\n');
  });

  it('restarts by stamping the template with restartedAt', async () => {
    const before = getDeployment('api').metadata?.generation ?? 0;
    expect(await tsctl(['rollout', 'restart', 'deployment/api'])).toEqual({ code: 0, stdout: 'deployment.apps/api restarted\n', stderr: '' });
    const d = getDeployment('api');
    expect(d.spec?.template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBe('2026-11-27T07:00:00Z');
    expect(d.metadata?.generation).toBe(before + 1);
    // Unnamed: every Deployment in the namespace, as kubectl's `rollout restart deployment`.
    expect((await tsctl(['rollout', 'restart', 'deployment'])).stdout).toBe('deployment.apps/api restarted\ndeployment.apps/one restarted\ndeployment.apps/web restarted\n');
  });
});

describe('tsctl rollout status', () => {
  beforeAll(() => seed('st'));

  it('prints the status once with -w=false', async () => {
    setStatus({ replicas: 3, updatedReplicas: 1, availableReplicas: 0 }, 'st');
    const waiting = 'Waiting for deployment "st" rollout to finish: 1 out of 3 new replicas have been updated...\n';
    expect(await tsctl(['rollout', 'status', 'deployment/st', '-w=false'])).toEqual({ code: 0, stdout: waiting, stderr: '' });
    expect((await tsctl(['rollout', 'status', '--watch=false', 'deployment/st'])).stdout).toBe(waiting);
  });

  it('watches until the rollout is done, one line per change', async () => {
    setStatus({ replicas: 3, updatedReplicas: 3, availableReplicas: 1 }, 'st');
    let lines = 0;
    const step = (): void => {
      lines++;
      if (lines === 1) setTimeout(() => setStatus({ replicas: 3, updatedReplicas: 3, availableReplicas: 2 }, 'st'), 20);
      if (lines === 2) setTimeout(() => setStatus({ replicas: 3, updatedReplicas: 3, availableReplicas: 3 }, 'st'), 20);
    };
    const r = await tsctl(['rollout', 'status', '-w', 'deployment/st', '--timeout', '10s'], step);
    expect(r).toEqual({
      code: 0,
      stdout:
        'Waiting for deployment "st" rollout to finish: 1 of 3 updated replicas are available...\n' +
        'Waiting for deployment "st" rollout to finish: 2 of 3 updated replicas are available...\n' +
        'deployment "st" successfully rolled out\n',
      stderr: '',
    });
  });

  it('exits 1 on ProgressDeadlineExceeded and on timeout', async () => {
    setStatus({ replicas: 3, updatedReplicas: 1, availableReplicas: 0 }, 'st');
    const failing = tsctl(['rollout', 'status', 'deploy/st']);
    setTimeout(() => setStatus({ replicas: 3, updatedReplicas: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] }, 'st'), 100);
    expect(await failing).toEqual({
      code: 1,
      stdout: 'Waiting for deployment "st" rollout to finish: 1 out of 3 new replicas have been updated...\n',
      stderr: 'error: deployment "st" exceeded its progress deadline\n',
    });
    setStatus({ replicas: 3, updatedReplicas: 1, availableReplicas: 0 }, 'st');
    const timedOut = await tsctl(['rollout', 'status', 'deploy/st', '--timeout=300ms']);
    expect(timedOut).toMatchObject({ code: 1, stderr: 'error: timed out waiting for the condition\n' });
    expect((await tsctl(['rollout', 'status', 'deploy/st', '--timeout=5'])).stderr).toBe('error: invalid argument "5" for "--timeout" flag: time: missing unit in duration "5"\n');
    expect((await tsctl(['rollout', 'status', 'pod/x'])).stderr).toBe('error: no status viewer has been implemented for Pod\n');
  });

  it('stops with kubectl\'s error when the Deployment is deleted mid-watch', async () => {
    setStatus({ replicas: 3, updatedReplicas: 1, availableReplicas: 0 }, 'st');
    const watching = tsctl(['rollout', 'status', 'deploy/st']);
    setTimeout(() => server.store.delete(DEPLOY, 'default', 'st'), 100);
    expect(await watching).toMatchObject({ code: 1, stderr: 'error: object has been deleted\n' });
  });

  it('reports DaemonSets in kubectl\'s words', async () => {
    const ds = server.store.create(kindOf('DaemonSet'), { metadata: { name: 'agent', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'a' } }, template: template('a') } } as DaemonSet);
    server.store.update(kindOf('DaemonSet'), { ...(ds as DaemonSet), status: { observedGeneration: 1, desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 2 } } as DaemonSet, { status: true });
    expect(await tsctl(['rollout', 'status', 'daemonset/agent'])).toEqual({ code: 0, stdout: 'daemon set "agent" successfully rolled out\n', stderr: '' });
    expect((await tsctl(['rollout', 'restart', 'ds/agent'])).stdout).toBe('daemonset.apps/agent restarted\n');
    expect((await tsctl(['rollout', 'pause', 'ds/agent'])).stderr).toBe('error: daemonsets.apps "agent" pausing is not supported\n');
  });
});

describe('durations', () => {
  it('parses and prints Go durations', () => {
    expect(parseDuration('timeout', '1m30s')).toBe(90_000);
    expect(parseDuration('timeout', '0')).toBe(0);
    expect(parseDuration('timeout', '250ms')).toBe(250);
    expect(() => parseDuration('timeout', '2x')).toThrow('time: invalid duration "2x"');
    expect([formatDuration(120_000), formatDuration(30_000), formatDuration(500), formatDuration(3_600_000)]).toEqual(['2m0s', '30s', '500ms', '1h0m0s']);
  });
});
