/**
 * `npm run bench -- runtime [--n N] [--density N]`: runc against tsk-runtime on the same busybox
 * bundle, in one run. Paths: `runc run`, `tsk-runtime run` (the CLI, a fresh Node each time,
 * executed as OCI callers such as podman do: the launcher by its #! line), the same CLI started
 * as `node tsk-runtime.js` with our environment as is, and the library (one warm Node process, as
 * the node agent uses it). Workloads: /bin/true start to exit (incl. delete), and
 * create-to-running of `sleep`. For scale, Node's own start (`node -e 0`) with and without
 * NODE_EXTRA_CA_CERTS. Then the density of N sleep containers: what each costs outside its own
 * processes (the shim's PSS and USS).
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@tsk/log';
import { Runtime } from '@tsk/runtime';

const CLI = fileURLToPath(new URL('../../apps/runtime/bin/tsk-runtime.js', import.meta.url));

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: 'ignore', env });
    c.once('error', reject);
    c.once('exit', (code) => resolve(code ?? -1));
  });
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

function makeBundle(dir: string, args: string[]): string {
  const rootfs = `${dir}/rootfs`;
  if (!readdirSafe(rootfs)) {
    mkdirSync(`${rootfs}/bin`, { recursive: true });
    copyFileSync('/bin/busybox', `${rootfs}/bin/busybox`);
    for (const n of ['sh', 'true', 'sleep']) symlinkSync('busybox', `${rootfs}/bin/${n}`);
  }
  const b = `${dir}/b-${args.join('-').replace(/[^a-z0-9-]/g, '')}`;
  mkdirSync(b);
  execFileSync('runc', ['spec', '--bundle', b]);
  const spec = JSON.parse(readFileSync(`${b}/config.json`, 'utf8')) as { root: { path: string }; process: { terminal: boolean; args: string[] } };
  spec.root.path = rootfs;
  spec.process.terminal = false;
  spec.process.args = args;
  writeFileSync(`${b}/config.json`, JSON.stringify(spec));
  return b;
}

function readdirSafe(p: string): boolean {
  try {
    readFileSync(`${p}/bin/busybox`);
    return true;
  } catch {
    return false;
  }
}

function kib(pid: number, key: string): number {
  try {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return Number(m?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function uss(pid: number): number {
  return kib(pid, 'Private_Clean') + kib(pid, 'Private_Dirty');
}

export default async function bench(args: string[]): Promise<void> {
  const opt = (name: string, dflt: number): number => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : dflt;
  };
  const n = opt('--n', 20);
  const density = opt('--density', 200);
  const dir = mkdtempSync(`${tmpdir()}/tsk-bench-`);
  chmodSync(dir, 0o755);
  const runcRoot = `${dir}/runc`;
  const tskRoot = `${dir}/tsk`;
  const rt = new Runtime({ root: `${dir}/lib`, logger: silentLogger(), cgroupParent: '/tsk-bench' });
  const trueB = makeBundle(dir, ['true']);
  const sleepB = makeBundle(dir, ['sleep', '1000']);
  const results: Record<string, Record<string, number[]>> = { 'run /bin/true': {}, 'create to running': {}, 'for scale': {} };
  const { NODE_EXTRA_CA_CERTS: _certs, ...envWithoutCerts } = process.env;
  const cli = (args: string[]): Promise<number> => run(CLI, ['--root', tskRoot, ...args]);
  const nodeCli = (args: string[]): Promise<number> => run(process.execPath, [CLI, '--root', tskRoot, ...args]);
  const add = (w: string, path: string, ms: number): void => void (results[w]![path] ??= []).push(ms);
  try {
    for (let i = 0; i < n; i++) {
      // Interleaved so that machine noise hits every path alike.
      add('run /bin/true', 'runc', await timed(() => run('runc', ['--root', runcRoot, 'run', '-b', trueB, `t${i}`])));
      add('run /bin/true', 'tsk-runtime CLI', await timed(() => cli(['run', '-b', trueB, `t${i}`])));
      add('run /bin/true', 'node tsk-runtime.js', await timed(() => nodeCli(['run', '-b', trueB, `u${i}`])));
      add('run /bin/true', 'tsk library (warm)', await timed(async () => {
        const c = await rt.run(`t${i}`, { bundle: trueB, stdio: 'ignore', attach: true });
        await c.exited;
        await rt.delete(`t${i}`);
      }));
      add('create to running', 'runc', await timed(async () => {
        await run('runc', ['--root', runcRoot, 'create', '-b', sleepB, `s${i}`]);
        await run('runc', ['--root', runcRoot, 'start', `s${i}`]);
      }));
      await run('runc', ['--root', runcRoot, 'delete', '-f', `s${i}`]);
      add('create to running', 'tsk-runtime CLI', await timed(async () => {
        await cli(['create', '-b', sleepB, `s${i}`]);
        await cli(['start', `s${i}`]);
      }));
      await cli(['delete', '-f', `s${i}`]);
      add('create to running', 'node tsk-runtime.js', await timed(async () => {
        await nodeCli(['create', '-b', sleepB, `v${i}`]);
        await nodeCli(['start', `v${i}`]);
      }));
      await nodeCli(['delete', '-f', `v${i}`]);
      add('create to running', 'tsk library (warm)', await timed(async () => {
        await rt.create(`s${i}`, { bundle: sleepB, stdio: 'ignore' });
        await rt.start(`s${i}`);
      }));
      await rt.delete(`s${i}`, true);
      add('for scale', 'node -e 0', await timed(() => run(process.execPath, ['-e', '0'])));
      add('for scale', 'node -e 0, no CA env', await timed(() => run(process.execPath, ['-e', '0'], envWithoutCerts)));
    }
    const lines = [`tsk-runtime vs runc (${execFileSync('runc', ['--version'], { encoding: 'utf8' }).split('\n')[0]}), busybox bundle from runc spec, n=${n}, medians`, ''];
    lines.push(`${'workload'.padEnd(20)}${'path'.padEnd(22)}${'median ms'.padStart(10)}${'vs runc'.padStart(10)}`);
    for (const [w, paths] of Object.entries(results)) {
      const base = median(paths['runc'] ?? results['run /bin/true']?.['runc'] ?? []);
      for (const [p, xs] of Object.entries(paths)) {
        lines.push(`${w.padEnd(20)}${p.padEnd(22)}${median(xs).toFixed(1).padStart(10)}${`${(median(xs) / base).toFixed(2)}x`.padStart(10)}`);
      }
    }
    process.stdout.write(`${lines.join('\n')}\n\n`);

    // Density: N sleep containers through the library, then what the shims cost.
    const t0 = performance.now();
    const pids: number[] = [];
    for (let i = 0; i < density; i++) {
      await rt.run(`d${i}`, { bundle: sleepB, stdio: 'ignore' });
      pids.push((await rt.store.read(`d${i}`)).shimPid);
    }
    const startAll = performance.now() - t0;
    const pss = pids.reduce((a, p) => a + kib(p, 'Pss'), 0);
    const u = pids.reduce((a, p) => a + uss(p), 0);
    const sleeperPss = (await Promise.all(pids.map(async (_, i) => kib((await rt.store.read(`d${i}`)).pid, 'Pss')))).reduce((a, b) => a + b, 0);
    process.stdout.write(
      `density: ${density} sleep containers started in ${(startAll / 1000).toFixed(1)} s (${(startAll / density).toFixed(1)} ms each)\n` +
        `  cost outside the containers' own processes (one tsk-nsexec shim each): PSS ${(pss / density).toFixed(0)} KiB, USS ${(u / density).toFixed(0)} KiB per container` +
        ` (${((pss / density) / 2048).toFixed(2)}x the 2 MiB budget); the sleep processes themselves: PSS ${(sleeperPss / density).toFixed(0)} KiB each\n` +
        `  runc leaves no process per container once started, so its own figure is 0 (its callers add a shim, e.g. containerd-shim)\n`,
    );
  } finally {
    for (const id of (await rt.store.ids())) await rt.delete(id, true).catch(() => undefined);
    for (const id of (await new Runtime({ root: tskRoot }).store.ids())) await new Runtime({ root: tskRoot }).delete(id, true).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    // Parent cgroups this run made; rmdir leaves them if anything else still lives there.
    for (const h of readdirSync('/sys/fs/cgroup')) {
      for (const parent of ['tsk-bench', 'tsk-runtime']) {
        try {
          rmdirSync(`/sys/fs/cgroup/${h}/${parent}`);
        } catch {
          /* absent, or in use by others */
        }
      }
    }
  }
}
