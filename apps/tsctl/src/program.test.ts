import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kindOf, type Event } from '@tsk/api';
import { FakeObjectsServer } from '@tsk/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTsctl, type TsctlResult, type TsctlTestOptions } from './testing.js';

let server: FakeObjectsServer;
const dir = mkdtempSync(join(tmpdir(), 'tsctl-unit-'));

beforeAll(async () => {
  server = await FakeObjectsServer.start();
});

afterAll(async () => {
  await server.stop();
});

function tsctl(args: string[], opts: TsctlTestOptions = {}): Promise<TsctlResult> {
  return runTsctl(server.address, dir, args, opts);
}

const manifest = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  a: "1"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
`;

describe('tsctl against a fake server', () => {
  it('applies, re-applies and reconfigures, printing kubectl lines', async () => {
    const file = join(dir, 'app.yaml');
    writeFileSync(file, manifest);
    expect(await tsctl(['apply', '-f', file])).toEqual({ code: 0, stdout: 'configmap/settings created\ndeployment.apps/web created\n', stderr: '' });
    expect((await tsctl(['apply', '-f', file])).stdout).toBe('configmap/settings unchanged\ndeployment.apps/web unchanged\n');
    const changed = manifest.replace('replicas: 2', 'replicas: 3');
    expect((await tsctl(['apply', '-f', '-', '--dry-run=server'], { stdin: changed })).stdout).toBe('configmap/settings unchanged (server dry run)\ndeployment.apps/web configured (server dry run)\n');
    expect((await tsctl(['apply', '-f', '-'], { stdin: changed })).stdout).toContain('deployment.apps/web configured');
  });

  it('refuses a bad manifest locally with one line naming file, document and field', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, manifest.replace('replicas: 2', 'replicas: three').replace('settings', 'other'));
    const r = await tsctl(['apply', '-f', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`error: ${file}: document 2 (Deployment web): spec.replicas: expected integer, got "three"\n`);
    expect((await tsctl(['get', 'cm', 'other'])).code).toBe(1);
  });

  it('gets tables, names, json and yaml', async () => {
    const table = await tsctl(['get', 'deploy']);
    expect(table.stdout).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+0\/3\s+0\s+0\s+\d+s\n$/);
    expect((await tsctl(['get', 'cm,deploy', '-o', 'name'])).stdout).toBe('configmap/settings\ndeployment.apps/web\n');
    const one = JSON.parse((await tsctl(['get', 'deployment', 'web', '-o', 'json'])).stdout) as { kind: string; spec: { replicas: number } };
    expect(one.kind).toBe('Deployment');
    expect(one.spec.replicas).toBe(3);
    const list = JSON.parse((await tsctl(['get', 'cm', '-o', 'json'])).stdout) as { kind: string; items: unknown[] };
    expect(list.kind).toBe('List');
    expect(list.items).toHaveLength(1);
    expect((await tsctl(['get', 'cm/settings', '-o', 'yaml'])).stdout).toMatch(/^apiVersion: v1\nkind: ConfigMap\n/);
    const all = await tsctl(['get', 'configmaps', '-A', '--no-headers']);
    expect(all.stdout).toMatch(/^default\s+settings\s+1\s+\S+\n$/);
    expect(await tsctl(['get', 'pods'])).toEqual({ code: 0, stdout: '', stderr: 'No resources found in default namespace.\n' });
    expect((await tsctl(['get', 'deploy', '-l', 'app=nope'])).stderr).toBe('No resources found in default namespace.\n');
  });

  it('fails missing names with kubectl\'s NotFound line and exit 1', async () => {
    expect(await tsctl(['get', 'po', 'ghost'])).toEqual({ code: 1, stdout: '', stderr: 'Error from server (NotFound): pods "ghost" not found\n' });
    expect(await tsctl(['get', 'po', 'ghost', '-o', 'json'])).toEqual({ code: 1, stdout: '', stderr: 'Error from server (NotFound): pods "ghost" not found\n' });
    expect((await tsctl(['describe', 'deploy', 'ghost'])).stderr).toBe('Error from server (NotFound): deployments.apps "ghost" not found\n');
    expect((await tsctl(['get', 'widgets'])).stderr).toBe('error: the server doesn\'t have a resource type "widgets"\n');
  });

  it('describes with sections and events', async () => {
    const event: Event = {
      metadata: { name: 'web.1', namespace: 'default' },
      involvedObject: { kind: 'Deployment', name: 'web', namespace: 'default' },
      type: 'Normal',
      reason: 'ScalingReplicaSet',
      message: 'Scaled up replica set web-abc to 3',
      lastTimestamp: new Date().toISOString(),
    };
    server.store.create(kindOf('Event'), event);
    const r = await tsctl(['describe', 'deploy', 'web']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Name:\s+web\nNamespace:\s+default\nLabels:\s+app=web\n/);
    expect(r.stdout).toMatch(/Replicas:\s+3 desired/);
    expect(r.stdout).toMatch(/Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message\n[\s\S]*ScalingReplicaSet/);
    expect((await tsctl(['describe', 'cm', 'settings'])).stdout).toMatch(/Events:\s+<none>\n$/);
  });

  it('watches and prints each change as a row', async () => {
    const ac = new AbortController();
    const lines: string[] = [];
    const watching = tsctl(['get', 'cm', '-w'], {
      signal: ac.signal,
      onOut: (s) => {
        lines.push(...s.split('\n').filter((l) => l !== ''));
        if (lines.some((l) => l.startsWith('late'))) ac.abort();
      },
    });
    while (server.openWatches === 0) await new Promise((r) => setTimeout(r, 10));
    expect(await tsctl(['apply', '-f', '-'], { stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: late}\n' })).toMatchObject({ code: 0 });
    const r = await watching;
    expect(r.code).toBe(0);
    expect(lines[0]).toMatch(/^NAME\s+DATA\s+AGE$/);
    expect(lines[1]).toMatch(/^settings\s+1\s+/);
    expect(lines[2]).toMatch(/^late\s+0\s+/);
  });

  it('get -w lists again after 410 and prints what changed meanwhile', async () => {
    const ac = new AbortController();
    let out = '';
    const watches = server.calls.get('Watch') ?? 0;
    const watching = tsctl(['get', 'cm', '-w', '--no-headers'], {
      signal: ac.signal,
      onOut: (s) => {
        out += s;
        if (/^while-down\s/m.test(out)) ac.abort();
      },
    });
    while ((server.calls.get('Watch') ?? 0) === watches) await new Promise((r) => setTimeout(r, 10));
    await server.stop();
    server.store.create(kindOf('ConfigMap'), { metadata: { name: 'while-down', namespace: 'default' } });
    server.store.compact();
    await server.restart();
    const r = await watching;
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(out.split('\n').filter((l) => l.startsWith('while-down'))).toHaveLength(1);
  });

  it('deletes by name and by file', async () => {
    expect(await tsctl(['delete', 'cm', 'late', 'ghost'])).toEqual({
      code: 1,
      stdout: 'configmap "late" deleted\n',
      stderr: 'Error from server (NotFound): configmaps "ghost" not found\n',
    });
    const file = join(dir, 'app.yaml');
    expect(await tsctl(['delete', '-f', file, '--cascade=foreground', '--now'])).toEqual({
      code: 0,
      stdout: 'configmap "settings" deleted\ndeployment.apps "web" deleted\n',
      stderr: '',
    });
  });

  it('prints client and server versions and the config', async () => {
    expect((await tsctl(['version'])).stdout).toMatch(/^Client Version: v\d+\.\d+\.\d+\nServer Version: v0.0.0-fake\n/);
    expect((await tsctl(['config', 'view'])).stdout).toContain(`server: ${server.address}\n`);
  });

  it('prints a bash completion script that registers tsctl', async () => {
    const script = (await tsctl(['completion', 'bash'])).stdout;
    const file = join(dir, 'completion.bash');
    writeFileSync(file, script);
    const r = spawnSync('bash', ['-c', `source ${file} && complete -p tsctl`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('complete -o default -F _tsctl tsctl');
    const words = spawnSync('bash', ['-c', `source ${file}; COMP_WORDS=(tsctl ge); COMP_CWORD=1; _tsctl; echo "\${COMPREPLY[@]}"; COMP_WORDS=(tsctl get dep); COMP_CWORD=2; _tsctl; echo "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
    expect(words.stdout).toBe('get\ndeploy deployment deployments\n');
    expect((await tsctl(['completion', 'fish'])).code).toBe(1);
  });

  const hasZsh = spawnSync('zsh', ['-c', 'true']).status === 0;
  it.skipIf(!hasZsh)('prints a zsh completion script that parses and registers _tsctl', async () => {
    const script = (await tsctl(['completion', 'zsh'])).stdout;
    expect(script).toMatch(/^#compdef tsctl\n/);
    const file = join(dir, '_tsctl.zsh');
    writeFileSync(file, script);
    expect(spawnSync('zsh', ['-n', file], { encoding: 'utf8' }).status).toBe(0);
    const r = spawnSync('zsh', ['-f', '-c', `autoload -U compinit; compinit -u -D; source ${file}; print -r -- \${_comps[tsctl]}`], { encoding: 'utf8', env: { ...process.env, HOME: dir } });
    expect(r.stdout.trim()).toBe('_tsctl');
  });
});
