import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config.js';

function home(config?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsctl-home-'));
  if (config !== undefined) {
    mkdirSync(join(dir, '.tsk'));
    writeFileSync(join(dir, '.tsk', 'config'), config);
  }
  return dir;
}

describe('resolveConfig', () => {
  it('prefers --server, then $TSK_SERVER, then ~/.tsk/config, then 127.0.0.1:6443', () => {
    const h = home('server: file-host:7000\nnamespace: team\n');
    expect(resolveConfig({ server: 'flag:1' }, { TSK_SERVER: 'env:2' }, h).server).toBe('flag:1');
    expect(resolveConfig({}, { TSK_SERVER: 'env:2' }, h).server).toBe('env:2');
    const fromFile = resolveConfig({}, {}, h);
    expect(fromFile.server).toBe('file-host:7000');
    expect(fromFile.namespace).toBe('team');
    expect(fromFile.serverSource).toBe(join(h, '.tsk', 'config'));
    const bare = resolveConfig({}, {}, home());
    expect(bare.server).toBe('127.0.0.1:6443');
    expect(bare.namespace).toBe('default');
    expect(resolveConfig({ namespace: 'x' }, {}, h).namespace).toBe('x');
  });

  it('refuses a bad address or a malformed config file with a message naming it', () => {
    expect(() => resolveConfig({ server: 'no-port' }, {}, home())).toThrow(/invalid server address "no-port" from --server/);
    expect(resolveConfig({ server: 'http://h:1/' }, {}, home()).server).toBe('h:1');
    expect(() => resolveConfig({}, {}, home('server: [1, 2]\n'))).toThrow(/config: server: expected a string/);
    expect(() => resolveConfig({}, {}, home('sever: h:1\n'))).toThrow(/sever: unknown field/);
  });
});
