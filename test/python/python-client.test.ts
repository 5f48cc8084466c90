// proto/ is the public API for clients in any language: generate a Python client from it with
// Debian's protoc and grpc_python_plugin, and drive a real tsk-server with it through
// python3-grpcio (test/python/tsk_client_demo.py): create, get, list, NOT_FOUND, watch.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, startServer, type ServerProcess } from '../apiserver/harness.js';

const PYTHON = '/usr/bin/python3';

describe('a Python client generated from proto/', () => {
  let server: ServerProcess | undefined;
  const out = mkdtempSync(join(tmpdir(), 'tsk-py-'));

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(out, { recursive: true, force: true });
  });

  it('generates from proto/ with the documented command', () => {
    const protos = readdirSync(join(REPO, 'proto/tsk/v1')).map((f) => join('proto/tsk/v1', f));
    execFileSync(
      'protoc',
      ['-I', 'proto', `--python_out=${out}`, `--grpc_python_out=${out}`, '--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin', ...protos],
      { cwd: REPO, stdio: 'pipe' },
    );
    expect(readdirSync(join(out, 'tsk/v1'))).toContain('api_pb2_grpc.py');
  });

  it('creates, gets, lists and watches objects on a running tsk-server', () => {
    const stdout = execFileSync(PYTHON, [join(REPO, 'test/python/tsk_client_demo.py'), server!.grpcAddress, 'py-demo'], {
      env: { ...process.env, PYTHONPATH: out },
      timeout: 60_000,
    }).toString();
    const steps = Object.fromEntries(
      stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { step: string } & Record<string, unknown>)
        .map((s) => [s.step, s]),
    );
    expect(steps['create']?.['uid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(steps['create']?.['resourceVersion'])).toBeGreaterThan(0);
    expect(steps['get']?.['data']).toEqual({ greeting: 'hello' });
    expect(steps['list']?.['names']).toEqual(['py-demo']);
    expect(steps['get-missing']?.['code']).toBe('NOT_FOUND');
    expect(steps['watch']?.['events']).toEqual([
      ['MODIFIED', 'py-demo', { greeting: 'bonjour' }],
      ['DELETED', 'py-demo', { greeting: 'bonjour' }],
    ]);
  });
});
