/**
 * One interface over cgroup v1 and v2 (as youki's libcgroups does). Code that touches cgroup
 * files gets its root from a `CgroupLayout`, so unit tests point it at a temporary directory.
 */
import type { Resources } from '../spec.js';

export type CgroupLayout =
  | { readonly version: 2; readonly root: string }
  /** v1: each controller (and named hierarchy such as name=systemd) to its mount point. */
  | { readonly version: 1; readonly mounts: Readonly<Record<string, string>> };

export interface CgroupStats {
  cpu: { usageNanos: number };
  memory: { usage: number; peak: number; limit: number };
  pids: { current: number };
  io: { readBytes: number; writeBytes: number };
}

/** A file write of one controller: `file` is relative to the cgroup directory. */
export interface CgroupWrite {
  readonly controller: string;
  readonly file: string;
  readonly value: string;
  /** The config field this write comes from, named in errors. */
  readonly field: string;
}

/** What each controller file contributes; one small module per controller implements it. */
export interface Controller {
  readonly name: string;
  v1(resources: Resources): CgroupWrite[];
  v2(resources: Resources): CgroupWrite[];
}

export interface CgroupManager {
  readonly version: 1 | 2;
  /** Container-relative path, e.g. /tsk-runtime/web. */
  readonly path: string;
  /** Makes the directories and applies the limits. */
  create(resources: Resources): Promise<void>;
  apply(resources: Resources): Promise<void>;
  /** Files the helper writes the container's pid into, one per hierarchy. */
  procsFiles(): string[];
  /** Host directories of this cgroup by hierarchy name, to bind into the container. */
  dirs(): Record<string, string>;
  pids(): Promise<number[]>;
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  isFrozen(): Promise<boolean>;
  stats(): Promise<CgroupStats>;
  /** Where the kernel counts OOM kills and the key before the count. */
  oomCounter(): { file: string; key: string } | undefined;
  /** Kills what is left inside, then removes the directories. Idempotent. */
  destroy(): Promise<void>;
}
