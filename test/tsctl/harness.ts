/**
 * A real tsk-server on free ports with a temporary data dir, and a runner for the built tsctl
 * binary. Servers are stopped by pid in stop(), and killed by pid when the test process exits
 * even if a test failed before its afterAll.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@tsk/client';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const TSCTL = join(REPO, 'apps/tsctl/dist/main.js');
const SERVER = join(REPO, 'apps/server/dist/main.js');

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) process.kill(c.pid, 'SIGKILL');
});

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

export interface TskServer {
  readonly address: string;
  readonly dataDir: string;
  logs(): string;
  /** SIGTERM (SIGKILL after 10 s), then the temp data dir is removed. */
  stop(): Promise<void>;
  /** SIGTERM, then start again on the same port and data: a server upgrade or crash-restart. */
  restart(): Promise<void>;
}

/** Starts tsk-server; `args` adds flags (e.g. the hidden --compaction-interval). */
export async function startServer(args: readonly string[] = []): Promise<TskServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tsctl-it-'));
  const [grpc, http] = [await freePort(), await freePort()];
  const address = `127.0.0.1:${grpc}`;
  let logs = '';
  let child: ChildProcess;
  let exited: Promise<void>;

  const launch = async (): Promise<void> => {
    child = spawn(process.execPath, [SERVER, '--data-dir', dataDir, '--listen', address, '--http-listen', `127.0.0.1:${http}`, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.add(child);
    child.stderr?.on('data', (d: Buffer) => (logs += d.toString()));
    exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Ready when Version answers (the client retries while the port is not yet open).
    const client = connect(address, { retry: { maxAttempts: 100, initialMs: 50, maxMs: 200 }, deadlineMs: 20_000 });
    try {
      await client.version();
    } catch (err) {
      await terminate();
      throw new Error(`tsk-server did not start: ${(err as Error).message}\n${logs}`, { cause: err });
    } finally {
      client.close();
    }
  };

  const terminate = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, 'SIGTERM');
      const pid = child.pid;
      const timer = setTimeout(() => child.exitCode === null && process.kill(pid, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    children.delete(child);
  };

  try {
    await launch();
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    address,
    dataDir,
    logs: () => logs,
    stop: async () => {
      await terminate();
      rmSync(dataDir, { recursive: true, force: true });
    },
    restart: async () => {
      await terminate();
      await launch();
    },
  };
}

export interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly stdin?: string;
  /** Called with stdout as it grows; return true to stop the process (SIGINT), as a user's ^C. */
  readonly until?: (stdout: string) => boolean;
  readonly timeoutMs?: number;
}

/** Runs `node apps/tsctl/dist/main.js ARGS` with a clean environment plus `env`. */
export function tsctl(args: readonly string[], opts: RunOptions = {}): Promise<Result> {
  const env = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/root', ...opts.env };
  const child = spawn(process.execPath, [TSCTL, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (opts.until?.(stdout) === true) child.kill('SIGINT');
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(opts.stdin ?? '');
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, stderr });
    }),
  );
}
