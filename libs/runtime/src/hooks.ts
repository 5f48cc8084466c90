/**
 * OCI hooks (runtime-spec config.md, "POSIX-platform Hooks"; runtime.md, "Lifecycle").
 *
 * Where each kind runs, and who runs it:
 * - prestart (deprecated) and createRuntime: here, in the runtime's namespaces, once the
 *   container's namespaces exist and its mounts are set up but before pivot_root. The helper's
 *   init stops at that point and the shim asks us ("hooks PID" on the report pipe).
 * - createContainer: by the helper's init itself, in the container's namespaces, after the
 *   prestart/createRuntime hooks and before pivot_root (so the path resolves on the host).
 * - startContainer: by the helper's init, in the container's namespaces after pivot_root (the
 *   path resolves in the container), as part of `start`, before the user process is exec'd.
 * - poststart: here, after the user process is exec'd, before `start` returns.
 * - poststop: here, after the container is deleted, before `delete` returns.
 * Each hook gets the container's state JSON on stdin. A failing prestart, createRuntime,
 * createContainer or startContainer hook fails the operation and stops the container; a failing
 * poststart or poststop hook is a warning and the remaining hooks still run.
 */
import { spawn } from 'node:child_process';
import { isAbsolute } from 'node:path';
import { ConfigError, RuntimeError } from './errors.js';

export interface Hook {
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
}

export const HOOK_KINDS = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'] as const;
export type HookKind = (typeof HOOK_KINDS)[number];
export type Hooks = Partial<Record<HookKind, Hook[]>>;

/** The OCI state a hook reads on stdin (runtime.md "State"). */
export interface HookState {
  ociVersion: string;
  id: string;
  status: 'creating' | 'created' | 'running' | 'stopped';
  pid: number;
  bundle: string;
  annotations?: Record<string, string>;
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** Checks config.json's `hooks`; unknown hook kinds are ignored (the spec's rule for unknown properties). */
export function checkHooks(raw: unknown): Hooks {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError('hooks', 'must be an object');
  const out: Hooks = {};
  for (const kind of HOOK_KINDS) {
    const list = (raw as Record<string, unknown>)[kind];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw new ConfigError(`hooks.${kind}`, 'must be an array of hooks');
    out[kind] = list.map((h: unknown, i) => {
      const f = `hooks.${kind}[${i}]`;
      if (typeof h !== 'object' || h === null) throw new ConfigError(f, 'must be an object');
      const { path, args, env, timeout } = h as Record<string, unknown>;
      if (typeof path !== 'string' || !isAbsolute(path)) throw new ConfigError(`${f}.path`, 'must be an absolute path');
      if (args !== undefined && !isStrings(args)) throw new ConfigError(`${f}.args`, 'must be an array of strings');
      if (env !== undefined && !isStrings(env)) throw new ConfigError(`${f}.env`, 'must be an array of strings');
      if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout <= 0)) {
        throw new ConfigError(`${f}.timeout`, 'must be an integer number of seconds greater than zero');
      }
      const hook: Hook = { path };
      if (args !== undefined) hook.args = args;
      if (env !== undefined) hook.env = env;
      if (timeout !== undefined) hook.timeout = timeout as number;
      return hook;
    });
  }
  return out;
}

/** True when the helper's init must stop before pivot_root for us (and write the state files). */
export function needsHookSync(hooks: Hooks): boolean {
  return (['prestart', 'createRuntime', 'createContainer', 'startContainer'] as const).some((k) => (hooks[k]?.length ?? 0) > 0);
}

/** The plan ops of the hooks the helper runs itself (createContainer, startContainer). */
export function hookOps(hooks: Hooks, op: (name: string, ...args: Array<string | number>) => void): void {
  for (const kind of ['createContainer', 'startContainer'] as const) {
    for (const h of hooks[kind] ?? []) {
      op('hook', kind, h.path, h.timeout ?? 0);
      for (const a of h.args ?? []) op('hookarg', a);
      for (const e of h.env ?? []) op('hookenv', e);
    }
  }
}

const OUTPUT_LIMIT = 2048;

/** Runs one hook with `state` on its stdin; rejects on a non-zero exit, a signal, or its timeout. */
export function runHook(hook: Hook, state: HookState, field: string): Promise<void> {
  const args = hook.args ?? [];
  const env: Record<string, string> = {};
  for (const e of hook.env ?? []) {
    const eq = e.indexOf('=');
    if (eq > 0) env[e.slice(0, eq)] = e.slice(eq + 1);
  }
  return new Promise<void>((resolve, reject) => {
    // Its own process group, so that a timeout kills whatever the hook started too.
    const child = spawn(hook.path, args.slice(1), { argv0: args[0] ?? hook.path, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let timedOut = false;
    const timer = hook.timeout === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, hook.timeout * 1000);
    let output = '';
    const keep = (chunk: Buffer): void => {
      if (output.length < OUTPUT_LIMIT) output += chunk.toString().slice(0, OUTPUT_LIMIT - output.length);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    // A hook need not read its stdin; it may exit before we finish writing.
    child.stdin.on('error', () => undefined);
    child.stdin.end(JSON.stringify(state));
    let settled = false;
    child.once('error', (err) => {
      settled = true;
      clearTimeout(timer);
      reject(new RuntimeError('FAILED_PRECONDITION', `hook ${field}`, `cannot run ${hook.path} (${field}.path): ${err.message}`, { cause: err }));
    });
    // 'close' waits for stdout/stderr too, which a process the hook left behind may hold open:
    // give the output a moment after the hook exits, then settle.
    const settle = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdout.destroy();
      child.stderr.destroy();
      if (code === 0 && !timedOut) return resolve();
      const why = timedOut ? `timed out after ${hook.timeout}s (${field}.timeout)` : signal !== null ? `killed by ${signal}` : `exited with status ${code}`;
      const out = output.trim();
      reject(new RuntimeError('FAILED_PRECONDITION', `hook ${field}`, `${hook.path} ${why}${out ? `: ${out}` : ''}`));
    };
    child.once('close', settle);
    child.once('exit', (code, signal) => void setTimeout(() => settle(code, signal), 200));
  });
}

/** Runs the hooks of one kind in order. With `warn`, a failure is reported and the rest still run;
 * without, the first failure rejects. */
export async function runHooks(hooks: Hooks, kind: HookKind, state: HookState, warn?: (msg: string) => void): Promise<void> {
  for (const [i, hook] of (hooks[kind] ?? []).entries()) {
    try {
      await runHook(hook, state, `hooks.${kind}[${i}]`);
    } catch (err) {
      if (warn === undefined) throw err;
      warn((err as Error).message);
    }
  }
}
