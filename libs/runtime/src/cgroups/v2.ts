/** cgroup v2: one unified tree; controllers are enabled top-down through cgroup.subtree_control. */
import { mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import type { Resources } from '../spec.js';
import type { Syscalls } from '../syscalls.js';
import { CONTROLLERS } from './controllers.js';
import { applyDeviceProgram } from './devices-v2.js';
import { keyed, parsePids, readNumber, readText, sleep, writeControl } from './fs.js';
import type { CgroupManager, CgroupStats } from './types.js';

export class CgroupV2 implements CgroupManager {
  readonly version = 2;
  readonly dir: string;
  constructor(
    private readonly root: string,
    readonly path: string,
    private readonly sys: Syscalls,
  ) {
    this.dir = `${root}${path}`;
  }

  async create(resources: Resources): Promise<void> {
    // Enable what the parent offers on every level down to ours; a private or delegated tree
    // may offer fewer controllers, and limits that need a missing one fail in apply().
    const parts = this.path.split('/').filter((p) => p !== '');
    let dir = this.root;
    for (const part of parts) {
      const offered = (await readText(`${dir}/cgroup.controllers`))?.trim().split(/\s+/).filter((c) => c !== '') ?? [];
      const wanted = offered.filter((c) => ['cpu', 'cpuset', 'memory', 'pids', 'io'].includes(c));
      // Direct system calls on cgroupfs, as in fs.ts.
      try {
        if (wanted.length > 0) writeFileSync(`${dir}/cgroup.subtree_control`, wanted.map((c) => `+${c}`).join(' '));
      } catch {
        /* limits that need a missing controller fail in apply() */
      }
      dir = `${dir}/${part}`;
      mkdirSync(dir, { recursive: true });
    }
    await this.apply(resources);
  }

  async apply(resources: Resources): Promise<void> {
    for (const c of CONTROLLERS) for (const w of c.v2(resources)) await writeControl(this.dir, w);
    // No devices file on v2: an eBPF program attached to the cgroup checks device access.
    applyDeviceProgram(this.sys, this.dir, resources);
  }

  procsFiles(): string[] {
    return [`${this.dir}/cgroup.procs`];
  }

  dirs(): Record<string, string> {
    return { '': this.dir };
  }

  async pids(): Promise<number[]> {
    return parsePids(await readText(`${this.dir}/cgroup.procs`));
  }

  async freeze(): Promise<void> {
    writeFileSync(`${this.dir}/cgroup.freeze`, '1');
    // cgroup.events says frozen once every task has stopped.
    for (let i = 0; i < 200 && keyed(await readText(`${this.dir}/cgroup.events`), 'frozen') !== 1; i++) await sleep(5);
  }

  async thaw(): Promise<void> {
    writeFileSync(`${this.dir}/cgroup.freeze`, '0');
  }

  async isFrozen(): Promise<boolean> {
    return (await readText(`${this.dir}/cgroup.freeze`))?.trim() === '1';
  }

  async stats(): Promise<CgroupStats> {
    const io = { readBytes: 0, writeBytes: 0 };
    for (const line of ((await readText(`${this.dir}/io.stat`)) ?? '').split('\n')) {
      io.readBytes += Number(/rbytes=(\d+)/.exec(line)?.[1] ?? 0);
      io.writeBytes += Number(/wbytes=(\d+)/.exec(line)?.[1] ?? 0);
    }
    return {
      cpu: { usageNanos: keyed(await readText(`${this.dir}/cpu.stat`), 'usage_usec') * 1000 },
      memory: {
        usage: await readNumber(`${this.dir}/memory.current`),
        peak: await readNumber(`${this.dir}/memory.peak`),
        limit: await readNumber(`${this.dir}/memory.max`),
      },
      pids: { current: await readNumber(`${this.dir}/pids.current`) },
      io,
    };
  }

  oomCounter(): { file: string; key: string } {
    return { file: `${this.dir}/memory.events`, key: 'oom_kill ' };
  }

  async destroy(): Promise<void> {
    const text = await readText(`${this.dir}/cgroup.procs`);
    if (text === undefined) return;
    try {
      writeFileSync(`${this.dir}/cgroup.kill`, '1');
    } catch {
      for (const pid of parsePids(text)) this.sys.kill(pid, 9);
    }
    await this.thaw().catch(() => undefined);
    for (let i = 0; i < 400; i++) {
      try {
        rmdirSync(this.dir);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        await sleep(5);
      }
    }
    rmdirSync(this.dir);
  }
}
