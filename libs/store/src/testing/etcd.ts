/**
 * Test helper: a private, throwaway etcd (Debian's /usr/bin/etcd) on free loopback ports with a
 * temporary data dir. Integration tests across the repository use it, so it must never leak a
 * process or a directory: stop() kills exactly its own pid and removes the dir, and a process
 * exit hook does the same if a test runner dies before calling stop().
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface StartEtcdOptions {
  /** Path of the etcd binary (default /usr/bin/etcd, or $TSK_ETCD_BIN). */
  readonly binary?: string;
  /** Key prefix put in `url` (`etcd://...?prefix=...`). */
  readonly prefix?: string;
  /** Give up when etcd does not answer within this many ms (default 15000). */
  readonly startTimeoutMs?: number;
  /**
   * fsync etcd's WAL as in production (default false: tests skip fsync for speed). Benchmarks
   * that compare etcd with the SQLite store (which always fsyncs) must set this.
   */
  readonly fsync?: boolean;
}

export interface EtcdProcess {
  /** Client endpoint `127.0.0.1:PORT`. */
  readonly endpoints: string;
  /** Store URL for openStore: `etcd://127.0.0.1:PORT[?prefix=...]`. */
  readonly url: string;
  readonly dataDir: string;
  /** Pid of the running etcd (changes on restart; undefined while stopped). */
  readonly pid: number | undefined;
  /** Kills etcd (SIGKILL: tests want a crash, not a graceful leave) and removes the data dir. */
  stop(): Promise<void>;
  /** Kills etcd and starts it again on the same ports and data (a crash and a restart). */
  restart(): Promise<void>;
  /** Kills etcd but keeps its ports and data, for tests of a backend that is down. */
  kill(): Promise<void>;
  /** Starts etcd again after kill(). */
  start(): Promise<void>;
}

/** A free TCP port on 127.0.0.1, by letting the kernel pick one and releasing it. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

const live = new Set<() => void>();
let exitHookInstalled = false;

/** Last resort when a runner exits without stop(): kill our etcds synchronously, remove dirs. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const cleanup of live) cleanup();
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function healthy(clientPort: number): Promise<boolean> {
  try {
    // /health answers true only once a leader is elected and a read went through raft.
    const res = await fetch(`http://127.0.0.1:${clientPort}/health`, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { health?: unknown };
    return body.health === 'true' || body.health === true;
  } catch {
    return false;
  }
}

class EtcdTestProcess implements EtcdProcess {
  private child: ChildProcess | undefined;
  private output: string[] = [];
  readonly endpoints: string;
  readonly url: string;
  private readonly cleanupSync = (): void => {
    this.child?.kill('SIGKILL');
    rmSync(this.dataDir, { recursive: true, force: true });
  };

  constructor(
    private readonly binary: string,
    private readonly clientPort: number,
    private readonly peerPort: number,
    readonly dataDir: string,
    prefix: string | undefined,
    private readonly startTimeoutMs: number,
    private readonly fsync: boolean,
  ) {
    this.endpoints = `127.0.0.1:${clientPort}`;
    this.url = `etcd://${this.endpoints}` + (prefix === undefined ? '' : `?prefix=${encodeURIComponent(prefix)}`);
    live.add(this.cleanupSync);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    if (this.child !== undefined) return;
    const client = `http://127.0.0.1:${this.clientPort}`;
    const peer = `http://127.0.0.1:${this.peerPort}`;
    const args = [
      '--name=test',
      `--data-dir=${this.dataDir}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=test=${peer}`,
      '--initial-cluster-state=new',
      // A one-member cluster has no peers to wait for: short raft timers make it elect itself
      // (and start) in a fraction of a second and let leases as short as 1 s exist.
      '--heartbeat-interval=10',
      '--election-timeout=100',
      // TEST ONLY: skips fsync, which the data of a throwaway test etcd does not need and which
      // makes every write wait for the disk. Never use this flag outside tests.
      ...(this.fsync ? [] : ['--unsafe-no-fsync']),
      '--logger=zap',
      '--log-level=warn',
    ];
    this.output = [];
    const child = spawn(this.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    // Keep the tail of etcd's output for the error message if it fails to start.
    const keep = (chunk: Buffer): void => {
      this.output.push(chunk.toString('utf8'));
      if (this.output.length > 50) this.output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    const exit = exited(child).then(() => new Error(`etcd exited with ${child.exitCode ?? child.signalCode}`));
    const deadline = Date.now() + this.startTimeoutMs;
    for (;;) {
      const failure = await Promise.race([
        spawnError,
        exit,
        healthy(this.clientPort).then((ok) => (ok ? null : undefined)),
      ]);
      if (failure === null) return;
      if (failure instanceof Error || Date.now() > deadline) {
        const why = failure instanceof Error ? failure.message : `no answer within ${this.startTimeoutMs} ms`;
        await this.kill();
        throw new Error(`cannot start ${this.binary} on ${this.endpoints}: ${why}\n${this.output.join('').slice(-2000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    this.child = undefined;
    child.kill('SIGKILL');
    await exited(child);
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dataDir, { recursive: true, force: true });
    live.delete(this.cleanupSync);
  }
}

/**
 * Starts a private etcd for a test. Always `await etcd.stop()` in a finally/afterAll.
 * Retries with new ports if the ones picked were taken in the meantime.
 */
export async function startEtcd(options: StartEtcdOptions = {}): Promise<EtcdProcess> {
  installExitHook();
  const binary = options.binary ?? process.env['TSK_ETCD_BIN'] ?? '/usr/bin/etcd';
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'tsk-etcd-'));
    const clientPort = await freePort();
    let peerPort = await freePort();
    while (peerPort === clientPort) peerPort = await freePort();
    const etcd = new EtcdTestProcess(
      binary,
      clientPort,
      peerPort,
      dataDir,
      options.prefix,
      options.startTimeoutMs ?? 15_000,
      options.fsync ?? false,
    );
    try {
      await etcd.start();
      return etcd;
    } catch (err) {
      lastError = err;
      await etcd.stop();
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}
