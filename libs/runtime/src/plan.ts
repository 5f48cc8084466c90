/**
 * Turns a checked bundle into the helper's plan: a flat list of ops (see native/nsexec.c),
 * NUL-separated. All decisions are made here, in TypeScript, where they are unit tested; the C
 * helper only carries them out between clone and exec.
 */
import { isAbsolute, resolve } from 'node:path';
import { capMask } from './capabilities.js';
import { ConfigError } from './errors.js';
import { hookOps, needsHookSync } from './hooks.js';
import { MS, parseMountOptions, rootPropagation } from './mount-options.js';
import { compileSeccomp } from './seccomp.js';
import type { Bundle, Process, Spec } from './spec.js';

export const CLONE_FLAGS: Readonly<Record<string, number>> = {
  mount: 0x00020000,
  cgroup: 0x02000000,
  uts: 0x04000000,
  ipc: 0x08000000,
  user: 0x10000000,
  pid: 0x20000000,
  network: 0x40000000,
};
/** Names under /proc/PID/ns/, and the order `exec` joins them: user first (it grants the
 * capabilities for the rest), mount last (it changes our root). */
export const NS_FILES: ReadonlyArray<readonly [string, string]> = [
  ['user', 'user'], ['ipc', 'ipc'], ['uts', 'uts'], ['network', 'net'], ['pid', 'pid'], ['cgroup', 'cgroup'], ['mount', 'mnt'],
];

const RLIMITS = ['CPU', 'FSIZE', 'DATA', 'STACK', 'CORE', 'RSS', 'NPROC', 'NOFILE', 'MEMLOCK', 'AS', 'LOCKS', 'SIGPENDING', 'MSGQUEUE', 'NICE', 'RTPRIO', 'RTTIME'];

/** Standard /dev nodes every container gets (runc's list), mknod'ed or bound from the host. */
const DEFAULT_DEVICES: ReadonlyArray<readonly [string, number, number]> = [
  ['/dev/null', 1, 3], ['/dev/zero', 1, 5], ['/dev/full', 1, 7], ['/dev/random', 1, 8], ['/dev/urandom', 1, 9], ['/dev/tty', 5, 0],
];
const DEV_LINKS: ReadonlyArray<readonly [string, string]> = [
  ['/proc/self/fd', '/dev/fd'], ['/proc/self/fd/0', '/dev/stdin'], ['/proc/self/fd/1', '/dev/stdout'],
  ['/proc/self/fd/2', '/dev/stderr'], ['pts/ptmx', '/dev/ptmx'], ['/proc/kcore', '/dev/core'],
];

export interface Overlay {
  readonly lowerdirs: readonly string[];
  readonly upperdir: string;
  readonly workdir: string;
}

export interface PlanContext {
  /** Files to write the init pid into (CgroupManager.procsFiles()). */
  readonly cgroupProcs: readonly string[];
  /** Host dirs of the container's cgroup by hierarchy name ('' for v2), bound at /sys/fs/cgroup. */
  readonly cgroupDirs: Readonly<Record<string, string>>;
  readonly oomCounter?: { file: string; key: string } | undefined;
  readonly exitFile: string;
  /** Exec fifo for `create`; absent for `run`, which starts at once. */
  readonly fifo?: string | undefined;
  readonly consoleSocket?: string | undefined;
  readonly overlay?: Overlay | undefined;
  /** Where the caller writes the state JSON for the createContainer and startContainer hooks
   * (host paths, read by init before pivot_root); needed when config.json has hooks. */
  readonly hookStateFiles?: { readonly createContainer: string; readonly startContainer: string } | undefined;
  /** The shim may leave once init is created when the caller is a child subreaper (native/handoff.h). */
  readonly handOff?: boolean | undefined;
}

class Plan {
  readonly tokens: string[] = [];
  op(name: string, ...args: Array<string | number>): void {
    this.tokens.push(name, ...args.map(String));
  }
}

/** Reads the overlay request from annotations (the CLI's way to ask for a copy-on-write rootfs). */
export function overlayFromAnnotations(spec: Spec): Overlay | undefined {
  const a = spec.annotations ?? {};
  const lower = a['tsk.dev/overlay.lowerdirs'];
  if (lower === undefined) return undefined;
  const upperdir = a['tsk.dev/overlay.upperdir'];
  const workdir = a['tsk.dev/overlay.workdir'];
  if (!upperdir || !workdir) throw new ConfigError('annotations["tsk.dev/overlay.upperdir"]', 'an overlay rootfs needs upperdir and workdir annotations');
  return { lowerdirs: lower.split(':'), upperdir, workdir };
}

export function containerPlan(bundle: Bundle, ctx: PlanContext): string[] {
  const { spec } = bundle;
  const linux = spec.linux ?? {};
  const p = new Plan();
  let flags = 0;
  for (const [i, ns] of (linux.namespaces ?? []).entries()) {
    const flag = CLONE_FLAGS[ns.type] ?? 0;
    if (ns.path !== undefined && ns.path !== '') {
      if (ns.type === 'user') throw new ConfigError(`linux.namespaces[${i}].path`, 'joining a user namespace by path is not supported');
      p.op('setns', ns.path, flag);
    } else if (ns.type === 'cgroup') p.op('cgroupns');
    else flags |= flag;
  }
  p.op('clone', flags);
  for (const m of linux.uidMappings ?? []) p.op('uidmap', m.containerID, m.hostID, m.size);
  for (const m of linux.gidMappings ?? []) p.op('gidmap', m.containerID, m.hostID, m.size);
  for (const file of ctx.cgroupProcs) p.op('cgroup', file);
  const prop = rootPropagation(linux.rootfsPropagation);
  if (prop === undefined) throw new ConfigError('linux.rootfsPropagation', `unknown propagation ${JSON.stringify(linux.rootfsPropagation)}`);
  p.op('propagation', prop);
  p.op('rootfs', bundle.rootfs);
  if (ctx.overlay) {
    const o = ctx.overlay;
    p.op('mount', 'overlay', '/', 'overlay', 0, 0, `lowerdir=${o.lowerdirs.join(':')},upperdir=${o.upperdir},workdir=${o.workdir}`);
  }
  if (spec.hostname) p.op('hostname', spec.hostname);
  if (spec.domainname) p.op('domainname', spec.domainname);
  const hasDev = (spec.mounts ?? []).some((m) => m.destination === '/dev');
  for (const [i, m] of (spec.mounts ?? []).entries()) {
    const opts = parseMountOptions(m.options, m.type);
    if (m.type === 'cgroup') {
      addCgroupMount(p, m.destination, opts.flags, ctx.cgroupDirs);
      continue;
    }
    let source = m.source ?? m.type ?? 'none';
    if (opts.flags & MS.BIND) {
      if (m.source === undefined) throw new ConfigError(`mounts[${i}].source`, 'a bind mount needs a source');
      source = isAbsolute(m.source) ? m.source : resolve(bundle.path, m.source);
    } else if (m.type === undefined) {
      throw new ConfigError(`mounts[${i}].type`, 'is required unless the mount is a bind');
    }
    p.op('mount', source, m.destination, opts.flags & MS.BIND ? '' : (m.type ?? ''), opts.flags, opts.propagation, opts.data);
  }
  if (hasDev) {
    for (const [path, major, minor] of DEFAULT_DEVICES) p.op('mkdev', path, 'c', major, minor, 0o666, 0, 0);
    for (const [i, d] of (linux.devices ?? []).entries()) {
      const f = `linux.devices[${i}]`;
      if (typeof d.path !== 'string' || !d.path.startsWith('/')) throw new ConfigError(`${f}.path`, 'must be an absolute path');
      if (!['c', 'b', 'u', 'p'].includes(d.type)) throw new ConfigError(`${f}.type`, 'must be c, b, u or p');
      // A fifo has no device number (the spec makes major and minor optional for p only).
      if (d.type !== 'p' && !(Number.isInteger(d.major) && Number.isInteger(d.minor))) throw new ConfigError(`${f}.major`, `major and minor are required for type ${d.type}`);
      const [major, minor] = d.type === 'p' ? [0, 0] : [d.major ?? 0, d.minor ?? 0]; // checked just above
      p.op('mkdev', d.path, d.type === 'u' ? 'c' : d.type, major, minor, d.fileMode ?? 0o666, d.uid ?? 0, d.gid ?? 0);
    }
    for (const [target, link] of DEV_LINKS) p.op('symlink', target, link);
  }
  p.op('pivot');
  for (const path of linux.maskedPaths ?? []) p.op('mask', path);
  for (const path of linux.readonlyPaths ?? []) p.op('readonly', path);
  for (const [key, value] of Object.entries(linux.sysctl ?? {})) p.op('sysctl', key, value);
  if (spec.root?.readonly) p.op('rootro');
  if (ctx.fifo) p.op('fifo', ctx.fifo);
  if (ctx.handOff) p.op('handoff');
  const hooks = spec.hooks ?? {};
  if (needsHookSync(hooks)) {
    if (ctx.hookStateFiles === undefined) throw new ConfigError('hooks', 'hooks need state files (internal: no hookStateFiles given)');
    p.op('hooksync', ctx.hookStateFiles.createContainer, ctx.hookStateFiles.startContainer);
    hookOps(hooks, (name, ...args) => p.op(name, ...args));
  }
  p.op('exitfile', ctx.exitFile);
  if (ctx.oomCounter) p.op('oomfile', ctx.oomCounter.file, ctx.oomCounter.key);
  if (spec.process === undefined) throw new ConfigError('process', 'is required to create a container');
  addProcess(p, spec.process, 'process', linux.seccomp !== undefined ? spec : undefined, ctx.consoleSocket);
  return check(p.tokens);
}

/** /sys/fs/cgroup shows only the container's own cgroup: bind mounts of its host dirs. */
function addCgroupMount(p: Plan, dest: string, flags: number, dirs: Readonly<Record<string, string>>): void {
  const bindFlags = MS.BIND | MS.REC | (flags & (MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC));
  const v2 = dirs[''];
  if (v2 !== undefined) {
    p.op('mount', v2, dest, '', bindFlags, 0, '');
    return;
  }
  p.op('mount', 'tmpfs', dest, 'tmpfs', MS.NOSUID | MS.NODEV | MS.NOEXEC, 0, 'mode=755');
  for (const [name, dir] of Object.entries(dirs)) p.op('mount', dir, `${dest}/${name}`, '', bindFlags, 0, '');
}

function rlimitValue(v: number): string {
  return v >= 2 ** 63 || v < 0 ? '0xffffffffffffffff' : String(v);
}

/** The process half of a plan, shared by create and exec. */
export function addProcess(p: { op(name: string, ...args: Array<string | number>): void }, proc: Process, field: string, seccompFrom: Spec | undefined, consoleSocket: string | undefined): void {
  if (proc.terminal) p.op('tty');
  if (consoleSocket !== undefined) p.op('console', consoleSocket);
  for (const a of proc.args ?? []) p.op('arg', a);
  for (const e of proc.env ?? []) p.op('env', e);
  p.op('cwd', proc.cwd);
  p.op('user', proc.user?.uid ?? 0, proc.user?.gid ?? 0);
  for (const g of proc.user?.additionalGids ?? []) p.op('group', g);
  for (const [i, r] of (proc.rlimits ?? []).entries()) {
    const n = RLIMITS.indexOf(r.type.replace(/^RLIMIT_/, ''));
    if (n < 0) throw new ConfigError(`${field}.rlimits[${i}].type`, `unknown rlimit ${JSON.stringify(r.type)}`);
    p.op('rlimit', n, rlimitValue(r.soft), rlimitValue(r.hard));
  }
  if (proc.noNewPrivileges) p.op('nnp');
  if (proc.oomScoreAdj !== undefined) p.op('oomscore', proc.oomScoreAdj);
  const c = proc.capabilities;
  const fail = (f: string, msg: string): never => {
    throw new ConfigError(f, msg);
  };
  const f = `${field}.capabilities`;
  // No capabilities object means none at all, as in runc.
  p.op('caps', capMask(c?.bounding, `${f}.bounding`, fail), capMask(c?.effective, `${f}.effective`, fail), capMask(c?.permitted, `${f}.permitted`, fail),
    capMask(c?.inheritable, `${f}.inheritable`, fail), capMask(c?.ambient, `${f}.ambient`, fail));
  const seccomp = seccompFrom?.linux?.seccomp;
  if (seccomp !== undefined) p.op('seccomp', compileSeccomp(seccomp).program.toString('hex'));
}

/** Plan for `exec`: join every namespace of the running init and its cgroup, then run `proc`. */
export function execPlan(spec: Spec, initPid: number, cgroupProcs: readonly string[], proc: Process, consoleSocket: string | undefined, handOff = false): string[] {
  const p = new Plan();
  if (handOff) p.op('handoff');
  const types = new Set((spec.linux?.namespaces ?? []).map((n) => n.type));
  for (const [type, file] of NS_FILES) if (types.has(type)) p.op('setns', `/proc/${initPid}/ns/${file}`, CLONE_FLAGS[type] ?? 0);
  for (const file of cgroupProcs) p.op('cgroup', file);
  addProcess(p, proc, 'process', spec.linux?.seccomp !== undefined ? spec : undefined, consoleSocket);
  return check(p.tokens);
}

function check(tokens: string[]): string[] {
  for (const t of tokens) if (t.includes('\0')) throw new ConfigError('config.json', `a string holds a NUL byte: ${JSON.stringify(t.slice(0, 40))}`);
  return tokens;
}

export function encodePlan(tokens: readonly string[]): Buffer {
  return Buffer.from(`${tokens.join('\0')}\0`);
}
