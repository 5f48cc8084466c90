/**
 * Hollow-agent processes for integration tests: the real tsk-agent (apps/agent/dist/main.js)
 * as a child process, killed by pid when the test file ends, even on failure.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '../apiserver/harness.js';

export const AGENT_MAIN = join(REPO, 'apps/agent/dist/main.js');

export interface AgentProcess {
  readonly pid: number;
  logs(): string;
  /** SIGKILL: the machine is gone; nothing is cleaned up. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
});

export async function startAgent(server: string, args: readonly string[]): Promise<AgentProcess> {
  // $TSK_AGENT_NODE_ARGS: extra node flags for the agent, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (process.env['TSK_AGENT_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...nodeArgs, AGENT_MAIN, '--server', server, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, TSK_LOG_LEVEL: process.env['TSK_LOG_LEVEL'] ?? 'info' },
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tsk-agent did not start in time:\n${stderr.slice(-4000)}`)), 60_000);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.includes('"msg":"tsk-agent running"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`tsk-agent exited (${code ?? signal}) before running:\n${stderr.slice(-4000)}`));
    });
  });
  const exited = (): Promise<void> =>
    child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
  const pid = child.pid!;
  return {
    pid,
    logs: () => stderr,
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL');
      await exited();
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGTERM');
      await exited();
    },
  };
}

/** Polls `probe` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last !== undefined ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
