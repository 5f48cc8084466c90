/**
 * The runtime as a library: the verbs of runc over a state directory. The node agent keeps one
 * Runtime in its warm process; tsk-runtime (apps/runtime) is a thin CLI over the same calls.
 *
 * Process tree (see README.md): caller → tsk-nsexec shim (own session) → container init (PID 1).
 * The shim, not the caller, is init's parent: it survives the caller and writes exit.json.
 */
import { constants as fsConstants } from 'node:fs';
import { open, unlink, writeFile } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { detectCgroupLayout, openCgroup } from './cgroups/detect.js';
import type { CgroupLayout, CgroupManager, CgroupStats } from './cgroups/types.js';
import { RuntimeError } from './errors.js';
import { noopLogger, type RuntimeLogger } from './logger.js';
import { startHelper, type Started, type StdioSpec } from './helper.js';
import { runHooks, type HookState, type Hooks } from './hooks.js';
import { containerPlan, encodePlan, overlayFromAnnotations, type Overlay } from './plan.js';
import { loadBundle, type Spec } from './spec.js';
import { isZombieOrGone, processStartTime, writePidFile, StateStore, type ContainerRecord, type ExitRecord, type OciState, type Status } from './state.js';
import { LinuxSyscalls, type Syscalls } from './syscalls.js';

export interface RuntimeOptions {
  /** State directory (runc's --root); default /run/tsk-runtime. */
  readonly root?: string;
  /** A pino Logger from @tsk/log fits; default: drop everything. */
  readonly logger?: RuntimeLogger;
  readonly syscalls?: Syscalls;
  /** Default: detected from /proc/self/mountinfo. */
  readonly cgroupLayout?: CgroupLayout;
  /** Parent of containers' cgroups when config.json has no linux.cgroupsPath. */
  readonly cgroupParent?: string;
  /**
   * For a detached create/run/exec: when the caller of this process is a child subreaper (conmon,
   * containerd's shim), the shim hands the container's init to it instead of staying resident,
   * as runc does, so that the caller reaps it and gets its exit status (no exit.json is written
   * then). Default true; a long-running user of the library whose parent may be a subreaper
   * (an agent under `systemd --user`) should set false to keep exit records.
   */
  readonly handOffToSubreaper?: boolean;
}

export interface CreateOptions {
  readonly bundle: string;
  readonly consoleSocket?: string | undefined;
  readonly pidFile?: string | undefined;
  readonly stdio?: StdioSpec;
  /** A copy-on-write rootfs (image layers below, a per-container upper dir). */
  readonly overlay?: Overlay | undefined;
  /** Keep this process alive until the container exits (a foreground `run`); by default the
   * shim is let go so the caller may exit while the container runs on. */
  readonly attach?: boolean;
}

export interface Container {
  readonly id: string;
  readonly pid: number;
  /** Resolves with the exit record when init ends (only while this process is the shim's parent). */
  readonly exited: Promise<ExitRecord>;
}

const OCI_VERSION = '1.0.2';

export function parseSignal(value: string | number): number {
  if (typeof value === 'number') return value;
  if (/^\d+$/.test(value)) return Number(value);
  const name = value.toUpperCase().startsWith('SIG') ? value.toUpperCase() : `SIG${value.toUpperCase()}`;
  const n = (osConstants.signals as Record<string, number | undefined>)[name];
  if (n === undefined) throw new RuntimeError('INVALID_ARGUMENT', 'kill', `unknown signal ${JSON.stringify(value)}`);
  return n;
}

export class Runtime {
  readonly store: StateStore;
  readonly handOffToSubreaper: boolean;
  private readonly log: RuntimeLogger;
  private readonly sys: Syscalls;
  private layout: CgroupLayout | undefined;

  constructor(private readonly options: RuntimeOptions = {}) {
    this.store = new StateStore(options.root ?? '/run/tsk-runtime');
    this.log = (options.logger ?? noopLogger).child({ component: 'runtime' });
    this.sys = options.syscalls ?? new LinuxSyscalls();
    this.layout = options.cgroupLayout;
    this.handOffToSubreaper = options.handOffToSubreaper ?? true;
  }

  async cgroup(cgroupPath: string): Promise<CgroupManager> {
    this.layout ??= await detectCgroupLayout();
    return openCgroup(this.layout, cgroupPath, this.sys);
  }

  /** Namespaces, mounts and cgroup ready; the user process waits for start(). */
  async create(id: string, opts: CreateOptions): Promise<Container> {
    return this.launch(id, opts, true);
  }

  /** create + start in one step, without the exec fifo round trip. */
  async run(id: string, opts: CreateOptions): Promise<Container> {
    return this.launch(id, opts, false);
  }

  private async launch(id: string, opts: CreateOptions, waitForStart: boolean): Promise<Container> {
    const dir = await this.store.claim(id);
    let cgroup: CgroupManager | undefined;
    let initPid = 0;
    let helperStarted = false;
    let hooks: Hooks = {};
    let bundlePath = opts.bundle;
    let annotations: Record<string, string> = {};
    try {
      const bundle = await loadBundle(opts.bundle);
      hooks = bundle.spec.hooks ?? {};
      bundlePath = bundle.path;
      annotations = bundle.spec.annotations ?? {};
      for (const w of bundle.warnings) this.log.warn({ id }, w);
      const spec = bundle.spec;
      if (spec.process?.terminal && waitForStart && opts.consoleSocket === undefined) {
        throw new RuntimeError('INVALID_ARGUMENT', 'create', 'process.terminal is true: --console-socket is required');
      }
      const cgroupPath = spec.linux?.cgroupsPath ?? `${this.options.cgroupParent ?? '/tsk-runtime'}/${id}`;
      cgroup = await this.cgroup(cgroupPath.startsWith('/') ? cgroupPath : `/${cgroupPath}`);
      await cgroup.create(spec.linux?.resources ?? {});
      const tokens = containerPlan(bundle, {
        cgroupProcs: cgroup.procsFiles(),
        cgroupDirs: cgroup.dirs(),
        oomCounter: cgroup.oomCounter(),
        exitFile: `${dir}/exit.json`,
        fifo: waitForStart ? `${dir}/exec.fifo` : undefined,
        consoleSocket: opts.consoleSocket,
        overlay: opts.overlay ?? overlayFromAnnotations(spec),
        handOff: opts.attach !== true && this.handOffToSubreaper,
        hookStateFiles: { createContainer: `${dir}/hook-state.creating.json`, startContainer: `${dir}/hook-state.created.json` },
      });
      await writeFile(`${dir}/plan`, encodePlan(tokens));
      const created = new Date().toISOString();
      const cgroupDir = cgroup.path;
      const record = async (pid: number, shimPid: number): Promise<ContainerRecord> => ({
        id, pid, startTime: (await processStartTime(pid)) ?? '', shimPid, bundle: bundle.path, rootfs: bundle.rootfs, created, cgroupPath: cgroupDir, annotations,
      });
      // Init stops before pivot_root: record it (a hook may ask for our state), write the state
      // the helper hands to createContainer/startContainer hooks, run prestart and createRuntime.
      const onHooks = async (pid: number, shimPid: number): Promise<void> => {
        initPid = pid;
        await this.store.write(await record(pid, shimPid), spec);
        const state = (status: HookState['status']): HookState => hookState(id, status, pid, bundle.path, annotations);
        await writeFile(`${dir}/hook-state.creating.json`, JSON.stringify(state('creating')));
        await writeFile(`${dir}/hook-state.created.json`, JSON.stringify(state('created')));
        // runc hands these the state as "created", and runtime-tools' hooks_stdin checks it.
        await runHooks(hooks, 'prestart', state('created'));
        await runHooks(hooks, 'createRuntime', state('created'));
      };
      helperStarted = true;
      const started = await startHelper('run', `${dir}/plan`, opts.stdio ?? 'inherit', waitForStart ? 'create' : 'run', onHooks);
      initPid = started.pid;
      // A handed-off shim is gone already: no pid of ours to wait for in delete.
      const rec = await record(started.pid, started.handedOff ? 0 : (started.child.pid ?? 0));
      await this.store.write(rec, spec);
      if (opts.pidFile !== undefined) await writePidFile(opts.pidFile, started.pid);
      if (opts.attach !== true) started.child.unref();
      this.log.debug({ id, pid: started.pid }, waitForStart ? 'created' : 'running');
      if (!waitForStart) await runHooks(hooks, 'poststart', hookState(id, 'running', started.pid, bundle.path, annotations), this.warner(id));
      return { id, pid: started.pid, exited: this.exitOf(id, started) };
    } catch (err) {
      // Whatever got as far as running must not outlive a failed create.
      if (initPid > 0) this.sys.kill(initPid, 9);
      await cgroup?.destroy().catch(() => undefined);
      await this.store.remove(id);
      // The lifecycle goes on at "destroy": poststop hooks run (as runc does) once the helper ran.
      if (helperStarted) await runHooks(hooks, 'poststop', hookState(id, 'stopped', 0, bundlePath, annotations), this.warner(id));
      throw err;
    }
  }

  private warner(id: string): (msg: string) => void {
    return (msg) => this.log.warn({ id }, msg);
  }

  private async exitOf(id: string, started: Started): Promise<ExitRecord> {
    // The shim is our child only while we live; later callers use state().
    const code = await started.exited;
    return (await this.store.exit(id)) ?? { pid: started.pid, exitCode: code, signal: 0, oomKilled: false, finishedAt: Date.now() };
  }

  /**
   * Releases a created container's process: it opens the exec fifo and writes "0", runs the
   * startContainer hooks, and execs; the fifo's write end is close-on-exec, so EOF means the
   * process runs, and "e" + a message that something failed first (the container is then stopped).
   */
  async start(id: string): Promise<void> {
    const st = await this.state(id);
    if (st.status !== 'created') throw new RuntimeError('FAILED_PRECONDITION', 'start', `container ${id} is ${st.status}, not created`);
    const fifo = `${this.store.dir(id)}/exec.fifo`;
    // Non-blocking open so a dead init cannot hang us; then wait for its byte and EOF.
    const fh = await open(fifo, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    let text = '';
    try {
      const buf = Buffer.alloc(4096);
      for (let initGone = false; ; ) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, null).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'EAGAIN') return { bytesRead: -1 };
          throw err;
        });
        if (bytesRead > 0) {
          text += buf.toString('utf8', 0, bytesRead);
          continue;
        }
        // 0 is "no writer yet" before init's byte, and EOF after it.
        if ((bytesRead === 0 && text !== '') || initGone) break;
        if (await isZombieOrGone(st.pid)) {
          // Read once more: what init wrote just before it died is still in the fifo.
          initGone = true;
          continue;
        }
        await new Promise((r) => setTimeout(r, 1));
      }
      if (text === '') throw new RuntimeError('FAILED_PRECONDITION', 'start', `container ${id} exited before start`);
    } finally {
      await fh.close();
      await unlink(fifo).catch(() => undefined);
    }
    const failed = /^0?e([^]*)$/.exec(text);
    if (failed?.[1] !== undefined) throw new RuntimeError('FAILED_PRECONDITION', 'start', failed[1].trim());
    const spec = await this.store.spec(id);
    await runHooks(spec.hooks ?? {}, 'poststart', hookState(id, 'running', st.pid, st.bundle, st.annotations), this.warner(id));
  }

  async state(id: string): Promise<OciState> {
    const rec = await this.store.read(id);
    const base: OciState = {
      ociVersion: OCI_VERSION,
      id,
      status: 'running',
      pid: rec.pid,
      bundle: rec.bundle,
      rootfs: rec.rootfs,
      created: rec.created,
      annotations: rec.annotations,
    };
    const stopped = (exit: ExitRecord): OciState => ({
      ...base,
      status: 'stopped',
      pid: 0,
      exitCode: exit.exitCode,
      oomKilled: exit.oomKilled,
      finishedAt: new Date(exit.finishedAt).toISOString(),
    });
    const exit = await this.store.exit(id);
    if (exit !== undefined) return stopped(exit);
    const status = await this.liveStatus(id, rec);
    if (status === 'stopped') {
      // Init is dead but exit.json is not there yet: its shim, still alive, is reaping it and
      // writing the record right now. Wait for it (briefly) rather than report a stopped
      // container without its exit code. A shim that handed init off writes none.
      for (let i = 0; i < 200 && rec.shimPid > 0 && !(await isZombieOrGone(rec.shimPid)); i++) {
        const written = await this.store.exit(id);
        if (written !== undefined) return stopped(written);
        await new Promise((r) => setTimeout(r, 5));
      }
      const written = await this.store.exit(id);
      if (written !== undefined) return stopped(written);
    }
    return { ...base, status };
  }

  private async liveStatus(id: string, rec: ContainerRecord): Promise<Status> {
    if ((await isZombieOrGone(rec.pid)) || (await processStartTime(rec.pid)) !== rec.startTime) return 'stopped';
    if (await this.store.hasFifo(id)) return 'created';
    if (await (await this.cgroup(rec.cgroupPath)).isFrozen()) return 'paused';
    return 'running';
  }

  async list(): Promise<OciState[]> {
    const out: OciState[] = [];
    for (const id of await this.store.ids()) {
      try {
        out.push(await this.state(id));
      } catch (err) {
        this.log.debug({ id, err }, 'skipping unreadable state');
      }
    }
    return out;
  }

  async kill(id: string, signal: string | number = 'SIGTERM', all = false): Promise<void> {
    const st = await this.state(id);
    if (st.status === 'stopped') throw new RuntimeError('FAILED_PRECONDITION', 'kill', `container ${id} is not running`);
    const sig = parseSignal(signal);
    const pids = all ? await this.ps(id) : [st.pid];
    for (const pid of pids) this.sys.kill(pid, sig);
  }

  async ps(id: string): Promise<number[]> {
    const rec = await this.store.read(id);
    return (await this.cgroup(rec.cgroupPath)).pids();
  }

  async pause(id: string): Promise<void> {
    const st = await this.state(id);
    if (st.status !== 'running') throw new RuntimeError('FAILED_PRECONDITION', 'pause', `container ${id} is ${st.status}, not running`);
    await (await this.cgroup((await this.store.read(id)).cgroupPath)).freeze();
  }

  async resume(id: string): Promise<void> {
    const st = await this.state(id);
    if (st.status !== 'paused') throw new RuntimeError('FAILED_PRECONDITION', 'resume', `container ${id} is ${st.status}, not paused`);
    await (await this.cgroup((await this.store.read(id)).cgroupPath)).thaw();
  }

  async stats(id: string): Promise<CgroupStats> {
    return (await this.cgroup((await this.store.read(id)).cgroupPath)).stats();
  }

  /** Removes every trace: processes (with force, or when only created), cgroup, state dir. */
  async delete(id: string, force = false): Promise<void> {
    const rec = await this.store.read(id);
    const st = await this.state(id);
    // runtime.md: deleting a container that is not stopped MUST fail (runc deletes a created one).
    if (st.status !== 'stopped' && !force) {
      throw new RuntimeError('FAILED_PRECONDITION', 'delete', `container ${id} is ${st.status}: stop it first or use --force`);
    }
    const spec = await this.store.spec(id).catch(() => undefined);
    if (st.status !== 'stopped') this.sys.kill(rec.pid, 9);
    await (await this.cgroup(rec.cgroupPath)).destroy();
    // The shim records the exit and leaves; wait for it so no process outlives delete.
    for (let i = 0; i < 400 && rec.shimPid > 0 && !(await isZombieOrGone(rec.shimPid)); i++) await new Promise((r) => setTimeout(r, 5));
    await this.store.remove(id);
    await runHooks(spec?.hooks ?? {}, 'poststop', hookState(id, 'stopped', 0, rec.bundle, rec.annotations), this.warner(id));
  }

  /** Waits (polling exit.json) until the container stops; for callers that are not the shim's parent. */
  async wait(id: string, intervalMs = 20): Promise<ExitRecord> {
    for (;;) {
      const exit = await this.store.exit(id);
      if (exit !== undefined) return exit;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  async spec(id: string): Promise<Spec> {
    return this.store.spec(id);
  }
}

function hookState(id: string, status: HookState['status'], pid: number, bundle: string, annotations: Record<string, string>): HookState {
  return { ociVersion: OCI_VERSION, id, status, pid, bundle, annotations };
}
