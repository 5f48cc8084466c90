import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kindOf, type Node } from '@tsk/api';
import { FakeObjectsServer } from '@tsk/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTsctl, type TsctlResult } from '../testing.js';

let server: FakeObjectsServer;
const home = mkdtempSync(join(tmpdir(), 'tsctl-cordon-'));

beforeAll(async () => {
  server = await FakeObjectsServer.start();
});

afterAll(async () => {
  await server.stop();
});

function tsctl(...args: string[]): Promise<TsctlResult> {
  return runTsctl(server.address, home, args);
}

describe('tsctl cordon and uncordon', () => {
  beforeAll(() => {
    server.store.create(kindOf('Node'), { metadata: { name: 'n1', labels: { pool: 'a' } } } as Node);
    server.store.create(kindOf('Node'), { metadata: { name: 'n2', labels: { pool: 'a' } } } as Node);
  });
  const unschedulable = (name: string): boolean | undefined => (server.store.get(kindOf('Node'), '', name) as Node).spec?.unschedulable;

  it('cordons once and says so the second time', async () => {
    expect(await tsctl('cordon', 'n1')).toEqual({ code: 0, stdout: 'node/n1 cordoned\n', stderr: '' });
    expect(unschedulable('n1')).toBe(true);
    expect(await tsctl('cordon', 'n1')).toEqual({ code: 0, stdout: 'node/n1 already cordoned\n', stderr: '' });
    expect(await tsctl('uncordon', 'n1')).toEqual({ code: 0, stdout: 'node/n1 uncordoned\n', stderr: '' });
    expect(unschedulable('n1')).toBeFalsy();
    expect((await tsctl('uncordon', 'n1')).stdout).toBe('node/n1 already uncordoned\n');
  });

  it('takes a selector, and fails a missing node with kubectl\'s line', async () => {
    expect((await tsctl('cordon', '-l', 'pool=a')).stdout).toBe('node/n1 cordoned\nnode/n2 cordoned\n');
    expect((await tsctl('uncordon', '-l', 'pool=a')).stdout).toBe('node/n1 uncordoned\nnode/n2 uncordoned\n');
    expect(await tsctl('cordon', 'ghost')).toEqual({ code: 1, stdout: '', stderr: 'Error from server (NotFound): nodes "ghost" not found\n' });
    expect((await tsctl('cordon')).code).toBe(1);
  });
});

describe('completion of the workload verbs', () => {
  it('offers the verbs, rollout\'s subcommands and scalable kinds', async () => {
    const file = join(home, 'completion.bash');
    writeFileSync(file, (await tsctl('completion', 'bash')).stdout);
    const complete = (words: string): string => {
      const list = words.split(' ');
      const script = `source ${file}; COMP_WORDS=(${words}); COMP_CWORD=${list.length - 1}; _tsctl; echo "\${COMPREPLY[@]}"`;
      return spawnSync('bash', ['-c', script], { encoding: 'utf8' }).stdout.trim();
    };
    expect(complete('tsctl r')).toBe('rollout');
    expect(complete('tsctl dr')).toBe('drain');
    expect(complete('tsctl rollout re')).toBe('restart resume');
    expect(complete('tsctl scale rs')).toBe('rs');
  });
});
