/**
 * tsctl end to end: the built CLI against a real tsk-server process, as a user runs them.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, tsctl, type RunOptions, type TskServer } from './harness.js';

let server: TskServer;
const dir = mkdtempSync(join(tmpdir(), 'tsctl-files-'));
/** A HOME without a config file, so only what a test sets decides the server. */
const home = mkdtempSync(join(tmpdir(), 'tsctl-home-'));

beforeAll(async () => {
  // No controllers: these tests check how tsctl prints objects exactly as applied (a Deployment
  // at 0/3 with no events); test/controllers covers what the controllers do to them.
  server = await startServer(['--no-controllers']);
});

afterAll(async () => {
  await server?.stop();
});

/** tsctl with --server pointing at the test server. */
const t = (args: string[], opts: RunOptions = {}) => tsctl(['--server', server.address, ...args], { ...opts, env: { HOME: home, ...opts.env } });

const app = (replicas: number) => `# a web app: three documents
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  greeting: hello
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{containerPort: 80}]
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
`;

describe('tsctl against tsk-server', () => {
  it('applies a multi-document file: created, then unchanged, then configured', async () => {
    const file = join(dir, 'app.yaml');
    writeFileSync(file, app(2));
    expect(await t(['apply', '-f', file])).toEqual({ code: 0, stdout: 'configmap/web-config created\ndeployment.apps/web created\nservice/web created\n', stderr: '' });
    expect((await t(['apply', '-f', file])).stdout).toBe('configmap/web-config unchanged\ndeployment.apps/web unchanged\nservice/web unchanged\n');
    writeFileSync(file, app(3));
    expect((await t(['apply', '-f', file])).stdout).toBe('configmap/web-config unchanged\ndeployment.apps/web configured\nservice/web unchanged\n');
  });

  it('applies a directory in name order and stdin', async () => {
    const d = join(dir, 'manifests');
    mkdirSync(d);
    writeFileSync(join(d, 'b.yml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-b}\n');
    writeFileSync(join(d, 'a.json'), '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"from-a"}}');
    writeFileSync(join(d, 'notes.txt'), 'not a manifest');
    expect((await t(['apply', '-f', d])).stdout).toBe('configmap/from-a created\nconfigmap/from-b created\n');
    const stdin = await t(['apply', '-f', '-'], { stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-stdin}\n' });
    expect(stdin.stdout).toBe('configmap/from-stdin created\n');
  });

  it('gets tables, json, yaml and names', async () => {
    const deploy = await t(['get', 'deployments']);
    expect(deploy.code).toBe(0);
    expect(deploy.stdout).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+0\/3\s+0\s+0\s+\d+s\n$/);
    const svc = await t(['get', 'svc', 'web']);
    expect(svc.stdout).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\nweb\s+ClusterIP\s+\S+\s+<none>\s+80\/TCP\s+\d+s\n$/);
    const ns = await t(['get', 'ns', '--no-headers']);
    expect(ns.stdout).toMatch(/^default\s+Active\s+\S+$/m);
    const json = JSON.parse((await t(['get', 'deploy', 'web', '-o', 'json'])).stdout) as Record<string, unknown>;
    expect(Object.keys(json).slice(0, 4)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(json['kind']).toBe('Deployment');
    expect((json['spec'] as { replicas: number }).replicas).toBe(3);
    const list = JSON.parse((await t(['get', 'cm', 'web-config', 'from-a', '-o', 'json'])).stdout) as { apiVersion: string; kind: string; items: { metadata: { name: string } }[] };
    expect(list.kind).toBe('List');
    expect(list.apiVersion).toBe('v1');
    expect(list.items.map((i) => i.metadata.name)).toEqual(['web-config', 'from-a']);
    expect((await t(['get', 'configmap/web-config', '-o', 'yaml'])).stdout).toMatch(/^apiVersion: v1\nkind: ConfigMap\nmetadata:\n {2}name: web-config\n[\s\S]*data:\n {2}greeting: hello\n/);
    expect((await t(['get', 'deploy,svc', '-o', 'name'])).stdout).toBe('deployment.apps/web\nservice/web\n');
    expect((await t(['get', 'cm', '-l', 'app=none'])).stderr).toBe('No resources found in default namespace.\n');
    expect((await t(['-n', 'tsk-system', 'get', 'pods'])).stderr).toBe('No resources found in tsk-system namespace.\n');
  });

  it('refuses a bad manifest with exit 1, one line naming file, document and field, and stores nothing', async () => {
    const local = join(dir, 'bad-type.yaml');
    writeFileSync(local, app(2).replace('web-config', 'bad-config').replace('replicas: 2', 'replicas: three'));
    const r1 = await t(['apply', '-f', local]);
    expect(r1).toEqual({ code: 1, stdout: '', stderr: `error: ${local}: document 2 (Deployment web): spec.replicas: expected integer, got "three"\n` });

    const server = join(dir, 'bad-name.yaml');
    writeFileSync(server, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: Not_Valid}\n');
    const r2 = await t(['apply', '-f', server]);
    expect(r2.code).toBe(1);
    expect(r2.stdout).toBe('');
    expect(r2.stderr.split('\n')).toHaveLength(2); // one line and its newline
    expect(r2.stderr).toMatch(new RegExp(`^error: ${server.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: document 2 \\(ConfigMap [^)]*Not_Valid\\): metadata\\.name: `));

    const unknown = join(dir, 'typo.yaml');
    writeFileSync(unknown, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: typo}\ndata: {a: b}\nimmutible: true\n');
    expect((await t(['apply', '-f', unknown])).stderr).toBe(`error: ${unknown}: document 1 (ConfigMap typo): immutible: unknown field; did you mean "immutable"?\n`);

    for (const name of ['bad-config', 'fine', 'typo']) {
      expect(await t(['get', 'cm', name])).toEqual({ code: 1, stdout: '', stderr: `Error from server (NotFound): configmaps "${name}" not found\n` });
    }
    expect((await t(['apply', '-f', join(dir, 'missing.yaml')])).stderr).toBe(`error: the path "${join(dir, 'missing.yaml')}" does not exist\n`);
  });

  it('--dry-run=server validates and reports but stores nothing', async () => {
    const r = await t(['apply', '--dry-run=server', '-f', '-'], { stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dry}\n' });
    expect(r).toEqual({ code: 0, stdout: 'configmap/dry created (server dry run)\n', stderr: '' });
    expect((await t(['get', 'cm', 'dry'])).code).toBe(1);
    expect((await t(['delete', 'cm', 'web-config', '--dry-run=server'])).stdout).toBe('configmap "web-config" deleted (server dry run)\n');
    expect((await t(['get', 'cm', 'web-config'])).code).toBe(0);
  });

  it('-A lists every namespace with a NAMESPACE column', async () => {
    await t(['apply', '-f', '-'], { stdin: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: other, namespace: team}\n' });
    const r = await t(['get', 'cm', '-A']);
    expect(r.stdout).toMatch(/^NAMESPACE\s+NAME\s+DATA\s+AGE\n/);
    expect(r.stdout).toMatch(/^default\s+web-config\s+1\s+/m);
    expect(r.stdout).toMatch(/^team\s+other\s+0\s+/m);
    expect((await t(['get', 'cm'])).stdout).not.toContain('other');
    expect((await t(['-n', 'team', 'get', 'cm', '-o', 'name'])).stdout).toBe('configmap/other\n');
  });

  it('describes an object with its sections and events', async () => {
    const r = await t(['describe', 'deployment', 'web']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Name:\s+web\nNamespace:\s+default\nLabels:\s+app=web\nAnnotations:\s+<none>\n/);
    expect(r.stdout).toMatch(/Replicas:\s+3 desired \| \d+ updated \| \d+ total \| \d+ available \| \d+ unavailable/);
    expect(r.stdout).toMatch(/Containers:\n\s+web:\n\s+Image:\s+nginx:1\.27\n/);
    expect(r.stdout).toMatch(/Events:/);
    expect((await t(['describe', 'cm', 'web-config'])).stdout).toMatch(/Events:\s+<none>\n$/);
    expect((await t(['describe', 'po', 'ghost'])).stderr).toBe('Error from server (NotFound): pods "ghost" not found\n');
  });

  it('get -w prints a change as a row', async () => {
    let applied = false;
    const watching = t(['get', 'cm', '-w'], {
      until: (out) => {
        if (!applied && /^web-config\s/m.test(out)) {
          applied = true;
          void t(['apply', '-f', '-'], { stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: watched}\ndata: {x: "1"}\n' });
        }
        return /^watched\s+1\s+/m.test(out);
      },
    });
    const r = await watching;
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+DATA\s+AGE$/);
    expect(lines.at(-1)).toMatch(/^watched\s+1\s+\S+$/);
  });

  it('deletes by name and by file, like kubectl', async () => {
    expect(await t(['delete', 'cm', 'from-a', 'ghost'])).toEqual({
      code: 1,
      stdout: 'configmap "from-a" deleted\n',
      stderr: 'Error from server (NotFound): configmaps "ghost" not found\n',
    });
    const r = await t(['delete', '-f', join(dir, 'app.yaml'), '--cascade=background', '--grace-period', '5']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('configmap "web-config" deleted\ndeployment.apps "web" deleted\nservice "web" deleted\n');
    expect((await t(['get', 'svc', 'web'])).code).toBe(1);
  });

  it('finds the server from $TSK_SERVER and from ~/.tsk/config, --server winning', async () => {
    const env = await tsctl(['get', 'ns', 'default', '-o', 'name'], { env: { HOME: home, TSK_SERVER: server.address } });
    expect(env).toEqual({ code: 0, stdout: 'namespace/default\n', stderr: '' });
    const configured = mkdtempSync(join(tmpdir(), 'tsctl-home-'));
    mkdirSync(join(configured, '.tsk'));
    writeFileSync(join(configured, '.tsk', 'config'), `server: ${server.address}\n`);
    expect((await tsctl(['get', 'ns', 'default', '-o', 'name'], { env: { HOME: configured } })).stdout).toBe('namespace/default\n');
    expect((await tsctl(['config', 'view'], { env: { HOME: configured } })).stdout).toContain(`server: ${server.address}\n`);
    const wrong = await tsctl(['--server', '127.0.0.1:1', 'get', 'ns'], { env: { HOME: configured, TSK_SERVER: server.address } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe('error: cannot connect to the server at 127.0.0.1:1: connection refused (is tsk-server running?)\n');
  });

  it('prints client and server versions', async () => {
    const r = await t(['version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Client Version: v\S+\nServer Version: \S+\nStore Backend: sqlite\n$/);
  });
});
