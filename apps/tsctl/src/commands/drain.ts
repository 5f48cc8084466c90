/**
 * tsctl drain NODE [--ignore-daemonsets] [--force] [--timeout D] [--grace-period N]: cordon,
 * then evict the node's pods in waves that keep every Deployment at replicas - maxUnavailable
 * ready pods (planDrain in @tsk/controllers; tsk has no PodDisruptionBudget, the rollout budget
 * is the budget). Between waves it waits for the controllers' replacements to become Ready,
 * which is what lets the budget allow the next wave. Lines are kubectl's.
 */
import { ConflictError, kindOf, NotFoundError, type Deployment, type Node, type Pod, type ReplicaSet } from '@tsk/api';
import { sleep } from '@tsk/client';
import { controllerRefOf, planDrain, type DrainPlan } from '@tsk/controllers';
import { type Command } from 'commander';
import { type Context } from '../context.js';
import { CliError } from '../errors.js';
import { type ContextFactory } from '../program.js';
import { setUnschedulable } from './cordon.js';
import { formatDuration, parseDuration } from './rollout.js';
import { orNotFound } from './scale.js';

const NODE = kindOf('Node');
/** How often the node's pods are read again while waiting for deletions and replacements. */
export const DRAIN_POLL_MS = 500;

interface DrainFlags {
  ignoreDaemonsets?: boolean;
  force?: boolean;
  timeout: string;
  gracePeriod: string;
  deleteEmptydirData?: boolean;
}

interface Snapshot {
  readonly node: Node;
  /** The node's pods and every pod of their namespaces (the budget counts ready pods anywhere). */
  readonly pods: Pod[];
  readonly onNode: Pod[];
  readonly replicaSets: ReplicaSet[];
  readonly deployments: Deployment[];
}

const key = (p: Pod): string => `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`;
const isTerminal = (p: Pod): boolean => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/** Reads only the namespaces that have pods on the node, so a big cluster costs little per poll. */
async function snapshot(ctx: Context, nodeName: string): Promise<Snapshot> {
  const client = ctx.client();
  const node = await client.get<Node>(NODE, '', nodeName);
  const onNode = (await client.list<Pod>('Pod', { namespace: '', fieldSelector: `spec.nodeName=${nodeName}` })).items;
  const namespaces = [...new Set(onNode.map((p) => p.metadata?.namespace ?? ''))].sort();
  const pods: Pod[] = [];
  const replicaSets: ReplicaSet[] = [];
  const deployments: Deployment[] = [];
  for (const namespace of namespaces) {
    pods.push(...(await client.list<Pod>('Pod', { namespace })).items);
    replicaSets.push(...(await client.list<ReplicaSet>('ReplicaSet', { namespace })).items);
    deployments.push(...(await client.list<Deployment>('Deployment', { namespace })).items);
  }
  return { node, pods, onNode, replicaSets, deployments };
}

/** kubectl's refusal before anything is evicted: DaemonSet pods without the flag, bare pods without --force. */
function refusal(s: Snapshot, flags: DrainFlags): string | undefined {
  const live = s.onNode.filter((p) => !isTerminal(p) && (p.metadata?.deletionTimestamp ?? '') === '');
  const daemons = live.filter((p) => controllerRefOf(p)?.kind === 'DaemonSet').map(key);
  const bare = live.filter((p) => controllerRefOf(p) === undefined).map(key);
  const errors: string[] = [];
  if (bare.length > 0 && flags.force !== true) errors.push(`cannot delete Pods that declare no controller (use --force to override): ${bare.join(', ')}`);
  if (daemons.length > 0 && flags.ignoreDaemonsets !== true) errors.push(`cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): ${daemons.join(', ')}`);
  if (errors.length === 0) return undefined;
  // kubectl aggregates several errors as [a, b].
  return errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`;
}

function warnings(ctx: Context, s: Snapshot): void {
  const live = s.onNode.filter((p) => !isTerminal(p) && (p.metadata?.deletionTimestamp ?? '') === '');
  const daemons = live.filter((p) => controllerRefOf(p)?.kind === 'DaemonSet').map(key);
  const bare = live.filter((p) => controllerRefOf(p) === undefined).map(key);
  if (daemons.length > 0) ctx.err(`Warning: ignoring DaemonSet-managed Pods: ${daemons.join(', ')}\n`);
  if (bare.length > 0) ctx.err(`Warning: deleting Pods that declare no controller: ${bare.join(', ')}\n`);
}

/** Evicts what the plan allows now, adding each pod to `evicting` (uid → ns/name). */
async function evictWave(ctx: Context, plan: DrainPlan, evicting: Map<string, string>, grace: number | undefined): Promise<void> {
  for (const a of plan.actions) {
    if (a.type !== 'DeletePod' || evicting.has(a.uid)) continue;
    ctx.out(`evicting pod ${a.namespace}/${a.name}\n`);
    evicting.set(a.uid, `${a.namespace}/${a.name}`);
    try {
      // The uid precondition: a replacement that reused the name is not evicted by mistake.
      await ctx.client().delete('Pod', a.namespace, a.name, { uid: a.uid, ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}) });
    } catch (err) {
      // Gone, or the name now belongs to a new pod (uid precondition): either way ours is evicted.
      if (!(err instanceof NotFoundError) && !(err instanceof ConflictError)) throw err;
    }
  }
}

export async function drain(ctx: Context, nodeName: string, flags: DrainFlags): Promise<void> {
  const timeoutMs = parseDuration('timeout', flags.timeout);
  const graceArg = Number(flags.gracePeriod);
  if (!Number.isInteger(graceArg)) throw new CliError(`invalid argument "${flags.gracePeriod}" for "--grace-period" flag: expected an integer`);
  const grace = graceArg < 0 ? undefined : graceArg;
  const deadline = timeoutMs > 0 ? ctx.io.now() + timeoutMs : Infinity;
  await orNotFound(ctx, { info: NODE, namespace: '', name: nodeName }, () => ctx.client().get(NODE, '', nodeName));
  await setUnschedulable(ctx, nodeName, true);

  let s = await snapshot(ctx, nodeName);
  const refused = refusal(s, flags);
  if (refused !== undefined) throw new CliError(refused);
  warnings(ctx, s);

  const evicting = new Map<string, string>();
  const reportedBlocked = new Set<string>();
  for (;;) {
    const present = new Set(s.onNode.map((p) => p.metadata?.uid ?? ''));
    for (const [uid, name] of evicting) {
      if (present.has(uid)) continue;
      ctx.out(`pod/${name.slice(name.indexOf('/') + 1)} evicted\n`);
      evicting.delete(uid);
    }
    const plan = planDrain({ node: s.node, pods: s.pods, replicaSets: s.replicaSets, deployments: s.deployments, force: flags.force === true });
    if (plan.done && evicting.size === 0) break;
    await evictWave(ctx, plan, evicting, grace);
    for (const b of plan.blocked) {
      const name = `${b.namespace}/${b.pod}`;
      if (reportedBlocked.has(name)) continue;
      reportedBlocked.add(name);
      // kubectl's line for an eviction a disruption budget refuses; it keeps retrying, as here.
      ctx.err(`error when evicting pods/"${b.pod}" -n "${b.namespace}" (will retry after ${formatDuration(DRAIN_POLL_MS)}): Cannot evict pod as it would violate the pod's disruption budget.\n`);
    }
    if (ctx.io.now() >= deadline) {
      const stuck = plan.blocked[0];
      const waiting = [...evicting.values()][0] ?? '';
      const why = stuck !== undefined
        ? `error when evicting pods/"${stuck.pod}" -n "${stuck.namespace}": global timeout reached: ${formatDuration(timeoutMs)}`
        : `error when waiting for pod "${waiting.slice(waiting.indexOf('/') + 1)}" in namespace "${waiting.slice(0, waiting.indexOf('/'))}" to terminate: global timeout reached: ${formatDuration(timeoutMs)}`;
      throw new CliError(why);
    }
    await sleep(DRAIN_POLL_MS, ctx.io.signal);
    if (ctx.io.signal.aborted) throw new CliError(`drain of node "${nodeName}" interrupted`);
    s = await snapshot(ctx, nodeName);
  }
  ctx.out(`node/${nodeName} drained\n`);
}

export function registerDrain(program: Command, context: ContextFactory): void {
  program
    .command('drain')
    .description('Cordon a node and evict its pods, keeping each Deployment within its rollout budget')
    .argument('<node>', 'node name')
    .option('--ignore-daemonsets', 'leave DaemonSet-managed pods in place (their controller would put them back)')
    .option('--force', 'also delete pods that no controller will replace')
    .option('--timeout <duration>', 'give up after this long, e.g. 5m (0: never)', '0s')
    .option('--grace-period <seconds>', "seconds each pod is given to terminate (-1: the pod's own)", '-1')
    .option('--delete-emptydir-data', 'accepted for kubectl compatibility: emptyDir data goes with the pod')
    .action(async (node: string, flags: DrainFlags, cmd: Command) => {
      await drain(context(cmd), node, flags);
    });
}
