/**
 * tsctl scale (KIND NAME... | KIND/NAME... | KIND -l SEL | KIND --all) --replicas N
 * [--current-replicas N] [--resource-version V]: sets spec.replicas of Deployments and
 * ReplicaSets, printing `deployment.apps/web scaled` per object as kubectl does.
 *
 * Also home of the helpers the workload verbs share (scale, rollout, cordon, drain): naming the
 * objects a command acts on, and reading one with kubectl's NotFound line.
 */
import { displayName, NotFoundError, type KindInfo, type KindObject } from '@tsk/api';
import { modify } from '@tsk/client';
import { type Command } from 'commander';
import { type Context } from '../context.js';
import { CliError, notFoundMessage, ReportedError } from '../errors.js';
import { parseTargets } from '../kinds.js';
import { type ContextFactory } from '../program.js';

export interface Named {
  readonly info: KindInfo;
  readonly namespace: string;
  readonly name: string;
}

export interface SelectFlags {
  selector?: string;
  all?: boolean;
}

/**
 * The objects named on the command line: `KIND NAME...`, `KIND/NAME...`, or every object of
 * KIND matching -l (or all of them with --all, or `allWhenUnnamed` as `rollout restart deploy`).
 */
export async function namedObjects(ctx: Context, args: readonly string[], flags: SelectFlags, allWhenUnnamed = false): Promise<Named[]> {
  const out: Named[] = [];
  for (const t of parseTargets(args)) {
    const namespace = t.info.namespaced ? ctx.namespace : '';
    if (t.names.length > 0) {
      if (flags.selector !== undefined || flags.all === true) throw new CliError('name cannot be provided when a selector or --all is specified');
      for (const name of t.names) out.push({ info: t.info, namespace, name });
      continue;
    }
    if (flags.selector === undefined && flags.all !== true && !allWhenUnnamed) throw new CliError('resource(s) were provided, but no name was specified');
    const list = await ctx.client().list(t.info, { namespace: ctx.allNamespaces ? '' : namespace, ...(flags.selector !== undefined ? { labelSelector: flags.selector } : {}) });
    for (const o of list.items) out.push({ info: t.info, namespace: o.metadata?.namespace ?? '', name: o.metadata?.name ?? '' });
    if (list.items.length === 0) ctx.err(namespace === '' || ctx.allNamespaces ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`);
  }
  return out;
}

/** Runs `fn` on the object, turning NotFound into kubectl's line on stderr (and exit 1). */
export async function orNotFound<T>(ctx: Context, target: Named, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    const line = notFoundMessage(target.info, target.name);
    ctx.err(`${line}\n`);
    throw new ReportedError(line);
  }
}

/** kubectl's `deployment.apps/web scaled` line. */
export function done(target: Named, operation: string): string {
  return `${displayName(target.info, target.name)} ${operation}\n`;
}

/** A non-negative integer flag, with kubectl's complaint otherwise. */
export function countFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n)) throw new CliError(`invalid argument "${value}" for "--${flag}" flag: strconv.ParseInt: parsing "${value}": invalid syntax`);
  return n;
}

const SCALABLE = new Set(['Deployment', 'ReplicaSet']);

interface ScaleFlags extends SelectFlags {
  replicas?: string;
  currentReplicas?: string;
  resourceVersion?: string;
}

type Scalable = KindObject & { spec?: { replicas?: number | undefined } | undefined };

export function registerScale(program: Command, context: ContextFactory): void {
  program
    .command('scale')
    .description('Set a new size for a Deployment or ReplicaSet')
    .argument('<kind>', 'deployment, replicaset, or KIND/NAME')
    .argument('[names...]', 'names of objects')
    .option('--replicas <count>', 'the new number of replicas (required)')
    .option('--current-replicas <count>', 'precondition: scale only if the current size is this')
    .option('--resource-version <version>', 'precondition: scale only if the object is at this resourceVersion')
    .option('-l, --selector <selector>', 'scale every object of the kind matching the selector')
    .option('--all', 'scale every object of the kind in the namespace')
    .action(async (kind: string, names: string[], flags: ScaleFlags, cmd: Command) => {
      const ctx = context(cmd);
      if (flags.replicas === undefined) throw new CliError('required flag(s) "replicas" not set');
      const replicas = countFlag('replicas', flags.replicas) ?? 0;
      if (replicas < 0) throw new CliError('The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0');
      const current = countFlag('current-replicas', flags.currentReplicas);
      const targets = await namedObjects(ctx, [kind, ...names], flags);
      for (const t of targets) {
        if (!SCALABLE.has(t.info.kind)) throw new CliError(`cannot scale ${t.info.plural} "${t.name}": only deployments and replicasets can be scaled`);
      }
      if (targets.length > 1 && flags.resourceVersion !== undefined) throw new CliError('cannot use --resource-version with multiple resources');
      for (const t of targets) {
        await orNotFound(ctx, t, () =>
          modify<Scalable>(ctx.client(), t.info, t.namespace, t.name, (o) => {
            const now = o.spec?.replicas ?? 1;
            // kubectl's precondition wording (ScaleError wrapping PreconditionError).
            if (current !== undefined && current !== -1 && now !== current) throw new CliError(`Expected replicas to be ${current}, was ${now}`);
            if (flags.resourceVersion !== undefined && o.metadata?.resourceVersion !== flags.resourceVersion) {
              throw new CliError(`Expected resource version to be ${flags.resourceVersion}, was ${o.metadata?.resourceVersion ?? ''}`);
            }
            o.spec = { ...(o.spec ?? {}), replicas };
          }),
        );
        ctx.out(done(t, 'scaled'));
      }
    });
}
