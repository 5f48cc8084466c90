/**
 * `exec`: a new process in a running container's namespaces and cgroup. The helper joins them
 * (setns), forks so the PID namespace applies, and stays the process's parent to relay its exit
 * status; with `detach` the caller leaves and the helper reaps it later.
 */
import { randomBytes } from 'node:crypto';
import { unlink, writeFile } from 'node:fs/promises';
import { RuntimeError } from './errors.js';
import { startHelper, type StdioSpec } from './helper.js';
import { encodePlan, execPlan } from './plan.js';
import type { Runtime } from './runtime.js';
import type { Process } from './spec.js';
import { writePidFile } from './state.js';

export interface ExecOptions {
  /** Replaces the container's process.args. */
  readonly args?: readonly string[];
  /** Added to (and overriding) the container's env, "KEY=VALUE". */
  readonly env?: readonly string[];
  readonly cwd?: string | undefined;
  readonly tty?: boolean;
  readonly user?: { uid: number; gid: number } | undefined;
  /** A complete process.json (runc exec --process), taking precedence over the fields above. */
  readonly process?: Process | undefined;
  readonly consoleSocket?: string | undefined;
  readonly pidFile?: string | undefined;
  readonly stdio?: StdioSpec;
  readonly detach?: boolean;
}

export interface ExecResult {
  readonly pid: number;
  /** The process's exit code (128+signal when killed); resolves at once to -1 when detached. */
  readonly exited: Promise<number>;
}

export function mergeEnv(base: readonly string[], extra: readonly string[]): string[] {
  const out = new Map<string, string>();
  for (const e of [...base, ...extra]) out.set(e.split('=')[0] ?? e, e);
  return [...out.values()];
}

export async function execInContainer(rt: Runtime, id: string, opts: ExecOptions): Promise<ExecResult> {
  const st = await rt.state(id);
  if (st.status !== 'running') throw new RuntimeError('FAILED_PRECONDITION', 'exec', `container ${id} is ${st.status}, not running`);
  const spec = await rt.spec(id);
  const base = spec.process;
  if (base === undefined) throw new RuntimeError('FAILED_PRECONDITION', 'exec', 'the container has no process in its config');
  const proc: Process = opts.process ?? {
    ...base,
    args: [...(opts.args ?? base.args ?? [])],
    env: mergeEnv(base.env ?? [], opts.env ?? []),
    cwd: opts.cwd ?? base.cwd,
    terminal: opts.tty ?? false,
    user: opts.user ?? base.user ?? { uid: 0, gid: 0 },
  };
  if (!proc.args?.length) throw new RuntimeError('INVALID_ARGUMENT', 'exec', 'no command given');
  const rec = await rt.store.read(id);
  const cgroup = await rt.cgroup(rec.cgroupPath);
  const plan = `${rt.store.dir(id)}/exec-${randomBytes(6).toString('hex')}.plan`;
  await writeFile(plan, encodePlan(execPlan(spec, st.pid, cgroup.procsFiles(), proc, opts.consoleSocket, opts.detach === true && rt.handOffToSubreaper)));
  try {
    const started = await startHelper('exec', plan, opts.stdio ?? 'inherit', 'exec');
    if (opts.pidFile !== undefined) await writePidFile(opts.pidFile, started.pid);
    if (opts.detach) {
      started.child.unref();
      return { pid: started.pid, exited: Promise.resolve(-1) };
    }
    return { pid: started.pid, exited: started.exited };
  } finally {
    await unlink(plan).catch(() => undefined);
  }
}
