/**
 * Turning what a user typed ("po", "pods,svc", "deploy/web") into kinds and names.
 */
import { findKind, type KindInfo } from '@tsk/api';
import { CliError } from './errors.js';

export function kindArg(name: string): KindInfo {
  const k = findKind(name);
  if (k === undefined) throw new CliError(`the server doesn't have a resource type "${name}"`);
  return k;
}

/** kubectl's `get all`: the workload kinds and services. */
const ALL = ['pods', 'services', 'daemonsets', 'deployments', 'replicasets', 'jobs'];

export interface Target {
  readonly info: KindInfo;
  /** Empty: every object of the kind. */
  readonly names: string[];
}

/**
 * kubectl's argument forms: `KIND[,KIND...] [NAME...]` or `KIND/NAME [KIND/NAME...]`; targets
 * keep the order in which kinds were first named.
 */
export function parseTargets(args: readonly string[]): Target[] {
  if (args.length === 0) throw new CliError('you must specify the type of resource to get');
  const first = args[0]!;
  if (first.includes('/')) {
    const byKind = new Map<string, Target>();
    for (const a of args) {
      const slash = a.indexOf('/');
      if (slash <= 0 || slash === a.length - 1) throw new CliError(`there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'tsctl get resource/<resource_name>' instead of 'tsctl get resource resource/<resource_name>'`);
      const info = kindArg(a.slice(0, slash));
      const t = byKind.get(info.kind) ?? { info, names: [] };
      t.names.push(a.slice(slash + 1));
      byKind.set(info.kind, t);
    }
    return [...byKind.values()];
  }
  const kinds = first
    .split(',')
    .filter((k) => k !== '')
    .flatMap((k) => (k === 'all' ? ALL.map(kindArg) : [kindArg(k)]));
  const names = args.slice(1);
  if (names.some((n) => n.includes('/'))) throw new CliError(`there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'tsctl get resource/<resource_name>' instead of 'tsctl get resource resource/<resource_name>'`);
  if (kinds.length > 1 && names.length > 0) throw new CliError('you must specify only one resource type when names are given');
  return kinds.map((info) => ({ info, names: [...names] }));
}
