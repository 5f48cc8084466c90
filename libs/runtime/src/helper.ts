/**
 * Starts native/nsexec.c (built to dist/tsk-nsexec) and reads its report on fd 3: "pid N" once
 * the container is created or the process exec'd, or "error STEP: REASON".
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RuntimeError } from './errors.js';

/** The helper binary: $TSK_NSEXEC, else beside this file in dist/, else dist/ from src/ (tests),
 * else in the dist/ of the installed @tsk/runtime (this file bundled into another, as the CLI is). */
export function helperPath(): string {
  const env = process.env['TSK_NSEXEC'];
  if (env) return env;
  for (const rel of ['./tsk-nsexec', '../dist/tsk-nsexec']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  // Looked up as Node finds packages (node_modules of every parent), without resolving the
  // package's exports: a few stat calls instead of ~1.5 ms at every CLI start.
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const path = `${dir}/node_modules/@tsk/runtime/dist/tsk-nsexec`;
    if (existsSync(path)) return path;
    if (dirname(dir) === dir) break;
  }
  throw new RuntimeError('FAILED_PRECONDITION', 'helper', 'dist/tsk-nsexec is missing: run `npm run build` (it compiles libs/runtime/native/nsexec.c with gcc)');
}

/** Stdio of the container: inherited from us, discarded, or given file descriptors. */
export type StdioSpec = 'inherit' | 'ignore' | readonly [number | 'ignore' | 'inherit', number | 'ignore' | 'inherit', number | 'ignore' | 'inherit'];

export interface Started {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the helper's exit code once it exits. */
  readonly exited: Promise<number>;
  /** The helper left at once, handing the process to a subreaper caller (native/handoff.h). */
  readonly handedOff: boolean;
}

/**
 * Called when the container's init stops for the prestart/createRuntime hooks ("hooks PID" on the
 * report pipe); init goes on when it resolves and is killed when it rejects.
 */
export type HookCallback = (initPid: number, shimPid: number) => Promise<void>;

export async function startHelper(mode: 'run' | 'exec', planFile: string, stdio: StdioSpec, step: string, onHooks?: HookCallback): Promise<Started> {
  const io: StdioOptions = stdio === 'inherit' || stdio === 'ignore' ? [stdio, stdio, stdio, 'pipe'] : [...stdio, 'pipe'];
  const child = spawn(helperPath(), [mode, planFile], { stdio: io, detached: true });
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal === null ? 0 : 9)));
  });
  const report = child.stdio[3];
  if (report === null || report === undefined || !('on' in report)) throw new RuntimeError('INTERNAL', step, 'no report pipe to the helper');
  let text = '';
  let hookError: unknown;
  let hooksDone: Promise<void> = Promise.resolve();
  await new Promise<void>((resolve, reject) => {
    child.once('error', (err) => reject(new RuntimeError('INTERNAL', step, `cannot start ${helperPath()}: ${err.message}`, { cause: err })));
    report.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const asked = /^hooks (\d+)\n/m.exec(text);
      if (asked?.[1] === undefined) return;
      text = text.replace(asked[0], '');
      const run = onHooks === undefined ? Promise.reject(new RuntimeError('INTERNAL', step, 'the helper asked for hooks')) : onHooks(Number(asked[1]), child.pid ?? 0);
      hooksDone = run.then(
        () => void ('write' in report && report.write('g')),
        (err: unknown) => {
          hookError = err;
          if ('write' in report) report.write('x');
        },
      );
    });
    report.on('end', () => resolve());
    report.on('error', () => resolve());
  });
  await hooksDone;
  const match = /^pid (\d+)/m.exec(text);
  if (match?.[1] === undefined) {
    await exited;
    if (hookError !== undefined) throw hookError;
    const reason = /^error (.*)$/m.exec(text)?.[1] ?? `helper exited without reporting (${text.trim() || 'no output'})`;
    throw new RuntimeError('FAILED_PRECONDITION', step, reason);
  }
  return { child, pid: Number(match[1]), exited, handedOff: /^handoff$/m.test(text) };
}
