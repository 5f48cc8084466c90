import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kindOf, type Deployment } from '@tsk/api';
import { FakeObjectsServer } from '@tsk/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTsctl, type TsctlResult } from '../testing.js';

let server: FakeObjectsServer;
const home = mkdtempSync(join(tmpdir(), 'tsctl-scale-'));

beforeAll(async () => {
  server = await FakeObjectsServer.start();
});

afterAll(async () => {
  await server.stop();
});

function tsctl(...args: string[]): Promise<TsctlResult> {
  return runTsctl(server.address, home, args);
}

const deployment = (name: string, replicas: number): Deployment => ({
  metadata: { name, namespace: 'default', labels: { app: name } },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
});

const replicasOf = (name: string): number | undefined => (server.store.get(kindOf('Deployment'), 'default', name) as Deployment).spec?.replicas;

describe('tsctl scale', () => {
  beforeAll(() => {
    server.store.create(kindOf('Deployment'), deployment('web', 2));
    server.store.create(kindOf('Deployment'), deployment('api', 1));
  });

  it('scales by KIND/NAME and by KIND NAME, with = or a space', async () => {
    expect(await tsctl('scale', 'deployment/web', '--replicas', '5')).toEqual({ code: 0, stdout: 'deployment.apps/web scaled\n', stderr: '' });
    expect(replicasOf('web')).toBe(5);
    expect(await tsctl('scale', 'deploy', 'web', 'api', '--replicas=3')).toEqual({ code: 0, stdout: 'deployment.apps/web scaled\ndeployment.apps/api scaled\n', stderr: '' });
    expect([replicasOf('web'), replicasOf('api')]).toEqual([3, 3]);
    expect((await tsctl('scale', 'deploy', '-l', 'app=api', '--replicas', '0')).stdout).toBe('deployment.apps/api scaled\n');
    expect(replicasOf('api')).toBe(0);
  });

  it('checks --current-replicas before writing', async () => {
    expect(await tsctl('scale', 'deploy/web', '--current-replicas', '2', '--replicas', '7')).toEqual({ code: 1, stdout: '', stderr: 'error: Expected replicas to be 2, was 3\n' });
    expect(replicasOf('web')).toBe(3);
    expect((await tsctl('scale', 'deploy/web', '--current-replicas=3', '--replicas', '7')).code).toBe(0);
    expect(replicasOf('web')).toBe(7);
  });

  it('refuses bad input with one line', async () => {
    expect(await tsctl('scale', 'deploy/web')).toEqual({ code: 1, stdout: '', stderr: 'error: required flag(s) "replicas" not set\n' });
    expect((await tsctl('scale', 'deploy/web', '--replicas=-1')).stderr).toBe('error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0\n');
    expect((await tsctl('scale', 'deploy/web', '--replicas=x')).stderr).toMatch(/^error: invalid argument "x" for "--replicas" flag/);
    expect(await tsctl('scale', 'deploy/ghost', '--replicas=1')).toEqual({ code: 1, stdout: '', stderr: 'Error from server (NotFound): deployments.apps "ghost" not found\n' });
    expect((await tsctl('scale', 'cm/x', '--replicas=1')).stderr).toBe('error: cannot scale configmaps "x": only deployments and replicasets can be scaled\n');
  });
});
