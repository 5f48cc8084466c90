/**
 * The subset of the OCI runtime-spec 1.x config.json that tsk reads, and its validation.
 * Settings the spec defines but tsk does not support are refused with the field named (apparmor
 * and selinux labels are the exception: ignored with a warning, as the issue asks). Properties
 * the spec does not define are ignored with a warning: runtimes MUST ignore unknown properties
 * (config.md, "Extensibility").
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from './errors.js';
import { checkHooks, type Hooks } from './hooks.js';

export interface Mount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}
export interface Rlimit { type: string; soft: number; hard: number }
export interface Capabilities {
  bounding?: string[];
  effective?: string[];
  permitted?: string[];
  inheritable?: string[];
  ambient?: string[];
}
export interface Process {
  terminal?: boolean;
  user?: { uid: number; gid: number; umask?: number; additionalGids?: number[] };
  args?: string[];
  env?: string[];
  cwd: string;
  capabilities?: Capabilities;
  rlimits?: Rlimit[];
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  selinuxLabel?: string;
  oomScoreAdj?: number;
}
export interface Namespace { type: string; path?: string }
export interface IdMapping { containerID: number; hostID: number; size: number }
export interface DeviceRule { allow: boolean; type?: string; major?: number; minor?: number; access?: string }
export interface ThrottleDevice { major: number; minor: number; rate: number }
export interface Resources {
  devices?: DeviceRule[];
  memory?: { limit?: number; reservation?: number; swap?: number; disableOOMKiller?: boolean };
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string };
  pids?: { limit: number };
  blockIO?: {
    weight?: number;
    throttleReadBpsDevice?: ThrottleDevice[];
    throttleWriteBpsDevice?: ThrottleDevice[];
    throttleReadIOPSDevice?: ThrottleDevice[];
    throttleWriteIOPSDevice?: ThrottleDevice[];
  };
}
export interface LinuxDevice {
  path: string;
  type: string;
  /** Required unless type is p (a fifo), as the runtime spec says; plan.ts checks. */
  major?: number;
  minor?: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}
export interface SeccompSyscall {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: Array<{ index: number; value: number; valueTwo?: number; op: string }>;
}
export interface Seccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  syscalls?: SeccompSyscall[];
}
export interface Linux {
  namespaces?: Namespace[];
  uidMappings?: IdMapping[];
  gidMappings?: IdMapping[];
  resources?: Resources;
  cgroupsPath?: string;
  devices?: LinuxDevice[];
  maskedPaths?: string[];
  readonlyPaths?: string[];
  rootfsPropagation?: string;
  sysctl?: Record<string, string>;
  seccomp?: Seccomp;
  mountLabel?: string;
}
export interface Spec {
  ociVersion: string;
  process?: Process;
  root?: { path: string; readonly?: boolean };
  hostname?: string;
  domainname?: string;
  mounts?: Mount[];
  linux?: Linux;
  annotations?: Record<string, string>;
  hooks?: Hooks;
}

/** A bundle whose config has been read and checked; `rootfs` is absolute. */
export interface Bundle {
  readonly path: string;
  readonly rootfs: string;
  readonly spec: Spec;
  /** Settings accepted but without effect here, for the caller to log. */
  readonly warnings: readonly string[];
}

export const NAMESPACE_TYPES = ['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup'] as const;

export async function loadBundle(bundleDir: string): Promise<Bundle> {
  const path = resolve(bundleDir);
  let text: string;
  try {
    text = await readFile(`${path}/config.json`, 'utf8');
  } catch (err) {
    throw new ConfigError('config.json', `cannot read ${path}/config.json (${(err as Error).message})`);
  }
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (err) {
    throw new ConfigError('config.json', `not valid JSON (${(err as Error).message})`);
  }
  return checkSpec(path, spec);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const KNOWN_TOP = new Set(['ociVersion', 'process', 'root', 'hostname', 'domainname', 'mounts', 'linux', 'annotations', 'hooks']);
const KNOWN_LINUX = new Set([
  'namespaces', 'uidMappings', 'gidMappings', 'resources', 'cgroupsPath', 'devices', 'maskedPaths',
  'readonlyPaths', 'rootfsPropagation', 'sysctl', 'seccomp', 'mountLabel',
]);
/** Defined by runtime-spec 1.x but without effect here: refused when set, so nobody relies on them. */
const UNSUPPORTED_TOP = new Set(['vm']);
const UNSUPPORTED_LINUX = new Set(['intelRdt', 'personality', 'timeOffsets', 'memoryPolicy', 'netDevices']);
const UNSUPPORTED_PROCESS = new Set(['ioPriority', 'scheduler', 'execCPUAffinity']);
/** Other platforms' sections: meaningless on Linux, ignored without a word (as runc does). */
const OTHER_PLATFORMS = new Set(['windows', 'solaris', 'zos']);

/** Refuses spec-defined settings tsk lacks; warns about (and otherwise ignores) unknown ones. */
function checkKeys(obj: Record<string, unknown>, prefix: string, known: ReadonlySet<string> | undefined, unsupported: ReadonlySet<string>, warnings: string[]): void {
  for (const key of Object.keys(obj)) {
    if (unsupported.has(key)) {
      if (obj[key] === undefined || obj[key] === null) continue;
      throw new ConfigError(`${prefix}${key}`, 'not supported by tsk-runtime');
    }
    if (known === undefined || known.has(key) || (prefix === '' && OTHER_PLATFORMS.has(key))) continue;
    warnings.push(`${prefix}${key} is not a runtime-spec property tsk-runtime knows: ignored`);
  }
}

/** Checks shape and support; throws ConfigError naming the first field at fault. */
export function checkSpec(bundlePath: string, raw: unknown): Bundle {
  if (!isObject(raw)) throw new ConfigError('config.json', 'must be a JSON object');
  const warnings: string[] = [];
  checkKeys(raw, '', KNOWN_TOP, UNSUPPORTED_TOP, warnings);
  if (typeof raw['ociVersion'] !== 'string' || !raw['ociVersion'].startsWith('1.')) {
    throw new ConfigError('ociVersion', `must be a 1.x version, got ${JSON.stringify(raw['ociVersion'])}`);
  }
  const spec = raw as unknown as Spec;
  spec.hooks = checkHooks(raw['hooks']);
  if (!isObject(spec.root) || typeof spec.root.path !== 'string') throw new ConfigError('root.path', 'is required');
  const rootfs = isAbsolute(spec.root.path) ? spec.root.path : resolve(bundlePath, spec.root.path);
  const p = spec.process;
  if (p !== undefined) {
    if (!Array.isArray(p.args) || p.args.length === 0) throw new ConfigError('process.args', 'must hold at least the program');
    if (typeof p.cwd !== 'string' || !p.cwd.startsWith('/')) throw new ConfigError('process.cwd', 'must be an absolute path');
    checkKeys(p as unknown as Record<string, unknown>, 'process.', undefined, UNSUPPORTED_PROCESS, warnings);
    if (p.apparmorProfile) warnings.push('process.apparmorProfile is ignored (no AppArmor support)');
    if (p.selinuxLabel) warnings.push('process.selinuxLabel is ignored (no SELinux support)');
  }
  spec.mounts?.forEach((m, i) => {
    if (typeof m.destination !== 'string' || !m.destination.startsWith('/')) {
      throw new ConfigError(`mounts[${i}].destination`, 'must be an absolute path');
    }
  });
  const linux = spec.linux ?? {};
  checkKeys(linux as Record<string, unknown>, 'linux.', KNOWN_LINUX, UNSUPPORTED_LINUX, warnings);
  if (linux.mountLabel) warnings.push('linux.mountLabel is ignored (no SELinux support)');
  const seen = new Set<string>();
  (linux.namespaces ?? []).forEach((ns, i) => {
    if (!(NAMESPACE_TYPES as readonly string[]).includes(ns.type)) throw new ConfigError(`linux.namespaces[${i}].type`, `unknown namespace ${JSON.stringify(ns.type)}`);
    if (seen.has(ns.type)) throw new ConfigError(`linux.namespaces[${i}].type`, `${ns.type} appears twice`);
    seen.add(ns.type);
  });
  if (!seen.has('mount')) throw new ConfigError('linux.namespaces', 'a mount namespace is required (tsk-runtime never changes the host mount table)');
  const hasUser = seen.has('user');
  if (hasUser && !(linux.uidMappings?.length && linux.gidMappings?.length)) {
    throw new ConfigError('linux.uidMappings', 'a user namespace needs uidMappings and gidMappings');
  }
  if (!hasUser && (linux.uidMappings?.length || linux.gidMappings?.length)) {
    throw new ConfigError('linux.uidMappings', 'mappings need a user namespace in linux.namespaces');
  }
  if (spec.hostname !== undefined && !seen.has('uts')) throw new ConfigError('hostname', 'needs a uts namespace');
  if (linux.seccomp?.flags?.length) throw new ConfigError('linux.seccomp.flags', 'seccomp flags are not supported');
  return { path: bundlePath, rootfs, spec, warnings };
}
