/**
 * proto/ is the public API: a Python client generated from it (Debian's protoc and
 * grpc_python_plugin, run by Debian's python3 with python3-grpcio) creates, gets, lists and
 * watches objects on a running tsk-server, through test/python/tsk_client_demo.py.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, startServer, type ServerProcess } from './harness.js';

// Debian's interpreter: a pyenv or venv python3 earlier on PATH does not see python3-grpcio.
const PYTHON = '/usr/bin/python3';
const PLUGIN = '/usr/bin/grpc_python_plugin';

function available(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import grpc, google.protobuf'], { stdio: 'ignore' });
    return existsSync(PLUGIN) && existsSync('/usr/bin/protoc');
  } catch {
    return false;
  }
}

describe.skipIf(!available())('a Python client generated from proto/', () => {
  let server: ServerProcess;
  let out: string;
  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'tsk-python-'));
    const protos = readdirSync(join(REPO, 'proto/tsk/v1')).filter((f) => f.endsWith('.proto')).map((f) => `proto/tsk/v1/${f}`);
    execFileSync('/usr/bin/protoc', ['-I', 'proto', `--python_out=${out}`, `--grpc_python_out=${out}`, `--plugin=protoc-gen-grpc_python=${PLUGIN}`, ...protos], { cwd: REPO });
    server = await startServer({ apiOnly: true });
  });
  afterAll(async () => {
    await server?.stop();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('creates, gets, lists and watches', () => {
    const stdout = execFileSync(PYTHON, [join(REPO, 'test/python/tsk_client_demo.py'), server.grpcAddress, 'from-python'], {
      env: { ...process.env, PYTHONPATH: out },
      timeout: 60_000,
      encoding: 'utf8',
    });
    const steps = Object.fromEntries(
      stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { step: string } & Record<string, unknown>)
        .map((s) => [s.step, s]),
    );
    expect(steps['create']?.['uid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(steps['get']?.['data']).toEqual({ greeting: 'hello' });
    expect(steps['list']?.['names']).toEqual(['from-python']);
    expect(steps['get-missing']?.['code']).toBe('NOT_FOUND');
    expect(steps['watch']?.['events']).toEqual([
      ['MODIFIED', 'from-python', { greeting: 'bonjour' }],
      ['DELETED', 'from-python', { greeting: 'bonjour' }],
    ]);
  });
});
