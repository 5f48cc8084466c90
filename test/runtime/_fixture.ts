/**
 * Shared by the kernel tests: a busybox bundle from `runc spec` in a temp dir, a Runtime on a
 * private state root and cgroup parent, and cleanup of everything a test made (containers by
 * id through delete --force, then directories), even when the test failed.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, openSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@tsk/log';
import { Runtime, type Spec } from '@tsk/runtime';

export const CLI = fileURLToPath(new URL('../../apps/runtime/bin/tsk-runtime.js', import.meta.url));

export interface Env {
  readonly dir: string;
  readonly root: string;
  readonly rt: Runtime;
  readonly cgroupParent: string;
  /** Makes a fresh bundle; `edit` changes the config as `runc spec` wrote it. */
  bundle(name: string, edit?: (spec: Spec) => void): string;
  track(id: string): string;
  cleanup(): Promise<void>;
}

export function makeRootfs(dir: string): void {
  mkdirSync(`${dir}/bin`, { recursive: true });
  mkdirSync(`${dir}/tmp`, { recursive: true });
  copyFileSync('/bin/busybox', `${dir}/bin/busybox`);
  const list = execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n');
  for (const name of list) if (name !== '' && name !== 'busybox') symlinkSync('busybox', `${dir}/bin/${name}`);
}

export function setupEnv(): Env {
  const dir = mkdtempSync(`${tmpdir()}/tsk-rt-`);
  // Mapped uids of user-namespace tests must reach the rootfs.
  chmodSync(dir, 0o755);
  const root = `${dir}/state`;
  const cgroupParent = `/tsk-test-${process.pid}-${dir.slice(-6)}`;
  const rt = new Runtime({ root, logger: silentLogger(), cgroupParent });
  const ids = new Set<string>();
  makeRootfs(`${dir}/rootfs`);
  return {
    dir,
    root,
    rt,
    cgroupParent,
    bundle(name, edit) {
      const b = `${dir}/${name}`;
      mkdirSync(b);
      execFileSync('runc', ['spec', '--bundle', b]);
      const spec = JSON.parse(readFileSync(`${b}/config.json`, 'utf8')) as Spec;
      spec.root = { path: `${dir}/rootfs`, readonly: true };
      spec.process!.terminal = false;
      // The CLI has no cgroup-parent flag (runc neither): cgroupsPath keeps tests under ours.
      spec.linux!.cgroupsPath = `${cgroupParent}/${name}`;
      edit?.(spec);
      writeFileSync(`${b}/config.json`, JSON.stringify(spec));
      return b;
    },
    track(id) {
      ids.add(id);
      return id;
    },
    async cleanup() {
      for (const id of ids) await rt.delete(id, true).catch(() => undefined);
      // Remove the per-test cgroup parent from every hierarchy (empty once containers are gone).
      for (const h of readdirSync('/sys/fs/cgroup')) {
        try {
          rmdirSync(`/sys/fs/cgroup/${h}${cgroupParent}`);
        } catch {
          /* not there in this hierarchy */
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs a container to completion and returns its exit code and output. */
export async function runCollect(env: Env, id: string, bundle: string): Promise<{ code: number; out: string; oom: boolean }> {
  const outFile = `${env.dir}/${id}.out`;
  const fd = openSync(outFile, 'w');
  try {
    const c = await env.rt.run(env.track(id), { bundle, stdio: ['ignore', fd, fd], attach: true });
    const exit = await c.exited;
    return { code: exit.exitCode, out: readFileSync(outFile, 'utf8'), oom: exit.oomKilled };
  } finally {
    closeSync(fd);
  }
}

export function sh(script: string): (spec: Spec) => void {
  return (spec) => {
    spec.process!.args = ['sh', '-c', script];
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
