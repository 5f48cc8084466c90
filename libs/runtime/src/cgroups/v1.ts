/**
 * cgroup v1: one directory per hierarchy. cpuset needs cpus and mems copied down every new
 * level before a task may join; freezer.state pauses; OOM kills are counted in
 * memory.oom_control (kernel 4.13+).
 */
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { RuntimeError } from '../errors.js';
import type { Resources } from '../spec.js';
import type { Syscalls } from '../syscalls.js';
import { CONTROLLERS } from './controllers.js';
import { parsePids, readNumber, readText, sleep, writeControl } from './fs.js';
import type { CgroupManager, CgroupStats } from './types.js';

export class CgroupV1 implements CgroupManager {
  readonly version = 1;
  constructor(
    private readonly mounts: Readonly<Record<string, string>>,
    readonly path: string,
    private readonly sys: Syscalls,
  ) {}

  /** Hierarchy mount points, each once (cpu and cpuacct may share one). */
  private hierarchies(): string[] {
    return [...new Set(Object.values(this.mounts))];
  }

  private dirOf(controller: string): string | undefined {
    const mount = this.mounts[controller];
    return mount === undefined ? undefined : `${mount}${this.path}`;
  }

  async create(resources: Resources): Promise<void> {
    // Direct system calls on cgroupfs, as in fs.ts.
    for (const mount of this.hierarchies()) mkdirSync(`${mount}${this.path}`, { recursive: true });
    const cpusetMount = this.mounts['cpuset'];
    if (cpusetMount !== undefined) await this.fillCpuset(cpusetMount);
    await this.apply(resources);
  }

  /** A fresh cpuset cgroup has empty cpus/mems and refuses tasks; inherit the parent's. */
  private async fillCpuset(mount: string): Promise<void> {
    let dir = mount;
    for (const part of this.path.split('/').filter((p) => p !== '')) {
      const parent = dir;
      dir = `${dir}/${part}`;
      for (const file of ['cpuset.cpus', 'cpuset.mems']) {
        const own = (await readText(`${dir}/${file}`))?.trim();
        if (own === '') writeFileSync(`${dir}/${file}`, readFileSync(`${parent}/${file}`, 'utf8').trim());
      }
    }
  }

  async apply(resources: Resources): Promise<void> {
    for (const c of CONTROLLERS) {
      for (const w of c.v1(resources)) {
        const dir = this.dirOf(w.controller);
        // runc's always-allowed devices only matter where a devices hierarchy exists.
        if (dir === undefined && w.field === 'default devices') continue;
        if (dir === undefined) throw new RuntimeError('FAILED_PRECONDITION', 'cgroup apply', `${w.field}: the ${w.controller} controller is not mounted`);
        await writeControl(dir, w);
      }
    }
  }

  procsFiles(): string[] {
    return this.hierarchies().map((m) => `${m}${this.path}/cgroup.procs`);
  }

  dirs(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const mount of this.hierarchies()) out[mount.slice(mount.lastIndexOf('/') + 1)] = `${mount}${this.path}`;
    return out;
  }

  async pids(): Promise<number[]> {
    const dir = this.dirOf('pids') ?? this.dirOf('freezer') ?? `${this.hierarchies()[0] ?? ''}${this.path}`;
    return parsePids(await readText(`${dir}/cgroup.procs`));
  }

  private freezerDir(): string {
    const dir = this.dirOf('freezer');
    if (dir === undefined) throw new RuntimeError('FAILED_PRECONDITION', 'pause', 'the freezer cgroup controller is not mounted');
    return dir;
  }

  async freeze(): Promise<void> {
    const dir = this.freezerDir();
    writeFileSync(`${dir}/freezer.state`, 'FROZEN');
    for (let i = 0; i < 200 && (await readText(`${dir}/freezer.state`))?.trim() !== 'FROZEN'; i++) await sleep(5);
  }

  async thaw(): Promise<void> {
    writeFileSync(`${this.freezerDir()}/freezer.state`, 'THAWED');
  }

  async isFrozen(): Promise<boolean> {
    const dir = this.dirOf('freezer');
    return dir !== undefined && (await readText(`${dir}/freezer.state`))?.trim() === 'FROZEN';
  }

  async stats(): Promise<CgroupStats> {
    const mem = this.dirOf('memory') ?? '/nonexistent';
    const io = { readBytes: 0, writeBytes: 0 };
    const blk = this.dirOf('blkio');
    for (const line of ((blk && (await readText(`${blk}/blkio.throttle.io_service_bytes`))) ?? '').split('\n')) {
      const [, op, n] = line.split(' ');
      if (op === 'Read') io.readBytes += Number(n);
      if (op === 'Write') io.writeBytes += Number(n);
    }
    return {
      cpu: { usageNanos: await readNumber(`${this.dirOf('cpuacct') ?? '/nonexistent'}/cpuacct.usage`) },
      memory: {
        usage: await readNumber(`${mem}/memory.usage_in_bytes`),
        peak: await readNumber(`${mem}/memory.max_usage_in_bytes`),
        limit: await readNumber(`${mem}/memory.limit_in_bytes`),
      },
      pids: { current: await readNumber(`${this.dirOf('pids') ?? '/nonexistent'}/pids.current`) },
      io,
    };
  }

  oomCounter(): { file: string; key: string } | undefined {
    const mem = this.dirOf('memory');
    return mem === undefined ? undefined : { file: `${mem}/memory.oom_control`, key: 'oom_kill ' };
  }

  async destroy(): Promise<void> {
    const seen = new Set<number>();
    for (const file of this.procsFiles()) for (const pid of parsePids(await readText(file))) seen.add(pid);
    for (const pid of seen) this.sys.kill(pid, 9);
    // Frozen tasks only die once thawed.
    if (await this.isFrozen()) await this.thaw();
    await Promise.all(this.hierarchies().map((mount) => removeDir(`${mount}${this.path}`)));
  }
}


/** rmdir, retried while the kernel finishes tearing down the killed tasks. */
async function removeDir(dir: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      rmdirSync(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (i >= 400) throw new RuntimeError('INTERNAL', 'delete', `cannot remove cgroup ${dir} (${code ?? 'error'})`, { cause: err });
      await sleep(5);
    }
  }
}
