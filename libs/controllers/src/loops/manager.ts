/**
 * ControllerManager: kube-controller-manager for tsk. Shared informers (one watch per kind for
 * every loop) feed the ReplicaSet, Deployment, DaemonSet, Job, garbage-collector and node
 * lifecycle controllers through the enqueue rules of README.md; each controller runs the pure
 * reconciler of this package and applies its actions with one shared Applier and EventRecorder.
 */
import {
  fromLabelSelector,
  matches,
  type DaemonSet,
  type Deployment,
  type Job,
  type KindName,
  type KindObject,
  type LabelSelector,
  type Lease,
  type Node,
  type OwnerReference,
  type Pod,
  type ReplicaSet,
} from '@tsk/api';
import { EventRecorder, InformerFactory, keyOf, type ApiClient, type Informer } from '@tsk/client';
import { type Logger } from '@tsk/log';
import { type Action } from '../actions.js';
import { controllerRefOf } from '../common/owners.js';
import { reconcileDaemonSet } from '../daemonset/daemonset.js';
import { reconcileDeployment } from '../deployment/deployment.js';
import { planGarbageCollection, type GcObject } from '../gc/gc.js';
import { reconcileJob } from '../job/job.js';
import { DEFAULT_NODE_LIFECYCLE_SETTINGS, type NodeLifecycleSettings } from '../nodelifecycle/settings.js';
import { reconcileReplicaSet } from '../replicaset/replicaset.js';
import { Applier } from './applier.js';
import { PendingStatusThrottle, PodExpectations, withoutPodChanges } from './expectations.js';
import { NodeLifecyclePass } from './node-lifecycle.js';
import { ByController } from './by-controller.js';
import { ByNamespace } from './by-namespace.js';
import { Controller } from './controller.js';

/** Where node agents keep their Leases (tsk-agent's NODE_LEASE_NAMESPACE). */
export const NODE_LEASE_NAMESPACE = 'tsk-node-lease';

/** The single keys of the two cluster-wide reconcilers. */
export const NODES_KEY = 'nodes';
export const GC_KEY = 'objects';

export type ControllerName = 'replicaset' | 'deployment' | 'daemonset' | 'job' | 'garbagecollector' | 'nodelifecycle';
export const ALL_CONTROLLERS: readonly ControllerName[] = ['replicaset', 'deployment', 'daemonset', 'job', 'garbagecollector', 'nodelifecycle'];

export interface ControllerManagerOptions {
  readonly client: ApiClient;
  readonly logger: Logger;
  /** Shared with other loops of the process if given (then started and stopped by its owner too). */
  readonly informers?: InformerFactory;
  /** Which controllers to run; default all. */
  readonly controllers?: readonly ControllerName[];
  readonly nodeLifecycleSettings?: NodeLifecycleSettings;
  /** Seeds pod names (mixed with each owner's uid), so a restart proposes the same names. */
  readonly seed?: number;
  /**
   * How often the node lifecycle reconcile runs without events (Kubernetes' nodeMonitorPeriod,
   * 5 s there; 1 s keeps detection well inside tsk's 30 s heal budget). Default 1,000.
   */
  readonly nodeMonitorPeriodMs?: number;
  /** Event writes per second at most. Default 100. */
  readonly eventQps?: number;
}

function selects(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  // An empty selector would match everything; reconcilers refuse it, so it adopts nothing.
  if (selector === undefined || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)) return false;
  try {
    return matches(fromLabelSelector(selector), labels);
  } catch {
    return false;
  }
}

function nsKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return i < 0 ? ['', key] : [key.slice(0, i), key.slice(i + 1)];
}

/**
 * Did what the garbage collector looks at (deletion, finalizers, owners) change? Runs on every
 * pod update, so it compares fields in place rather than through JSON strings.
 */
export function gcRelevantChange(old: KindObject, next: KindObject): boolean {
  const a = old.metadata;
  const b = next.metadata;
  if ((a?.deletionTimestamp ?? '') !== (b?.deletionTimestamp ?? '')) return true;
  const fa = a?.finalizers ?? [];
  const fb = b?.finalizers ?? [];
  if (fa.length !== fb.length || fa.some((f, i) => f !== fb[i])) return true;
  const ra = a?.ownerReferences ?? [];
  const rb = b?.ownerReferences ?? [];
  if (ra.length !== rb.length) return true;
  for (let i = 0; i < ra.length; i++) if (!sameOwnerReference(ra[i]!, rb[i]!)) return true;
  return false;
}

/** The fields of an owner reference (absent and undefined alike, as JSON.stringify saw them). */
function sameOwnerReference(x: OwnerReference, y: OwnerReference): boolean {
  return (
    x.uid === y.uid &&
    x.name === y.name &&
    x.kind === y.kind &&
    x.apiVersion === y.apiVersion &&
    x.controller === y.controller &&
    x.blockOwnerDeletion === y.blockOwnerDeletion
  );
}

export class ControllerManager {
  readonly events: EventRecorder;
  readonly controllers = new Map<ControllerName, Controller>();
  private readonly factory: InformerFactory;
  private readonly ownsFactory: boolean;
  private readonly log: Logger;
  private readonly settings: NodeLifecycleSettings;
  private started = false;

  constructor(private readonly options: ControllerManagerOptions) {
    this.log = options.logger.child({ component: 'controller-manager' });
    this.factory = options.informers ?? new InformerFactory(options.client, { logger: options.logger });
    this.ownsFactory = options.informers === undefined;
    this.settings = options.nodeLifecycleSettings ?? DEFAULT_NODE_LIFECYCLE_SETTINGS;
    this.events = new EventRecorder({ client: options.client, logger: options.logger, component: 'controller-manager', ...(options.eventQps !== undefined ? { qps: options.eventQps } : {}) });
  }

  /** Starts the informers, waits for their first lists, then starts the workers. */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.started) return;
    this.started = true;
    const enabled = new Set(this.options.controllers ?? ALL_CONTROLLERS);
    const f = this.factory;
    const pods = f.informer<Pod>('Pod');
    const replicaSets = f.informer<ReplicaSet>('ReplicaSet');
    const deployments = f.informer<Deployment>('Deployment');
    const daemonSets = f.informer<DaemonSet>('DaemonSet');
    const jobs = f.informer<Job>('Job');
    const nodes = f.informer<Node>('Node');
    const leases = f.informer<Lease>('Lease', { namespace: NODE_LEASE_NAMESPACE });
    const podsByNs = new ByNamespace(pods);
    const podsByController = new ByController(pods);
    const rsByNs = new ByNamespace(replicaSets);
    const seed = this.options.seed;

    const make = (
      name: ControllerName,
      component: string,
      workers: number,
      reconcile: (key: string, now: number) => readonly Action[] | Promise<readonly Action[]>,
      extra: { resyncMs?: number; resyncKeys?: () => Iterable<string>; onNotApplied?: (key: string, actions: readonly Action[]) => void } = {},
    ): void => {
      if (!enabled.has(name)) return;
      const applier = new Applier({ client: this.options.client, events: this.events, component, nodeLifecycleSettings: this.settings });
      this.controllers.set(name, new Controller({ name, logger: this.options.logger, applier, reconcile, workers, ...extra }));
    };
    // ReplicaSets, Jobs and DaemonSets create and delete pods: each waits until the pod cache shows
    // what its last sync did before it creates or deletes more (expectations.ts).
    const podOwner = <T extends KindObject>(informer: Informer<T>, run: (o: T, namespace: string, now: number) => readonly Action[]) => {
      const expectations = new PodExpectations();
      const throttle = new PendingStatusThrottle();
      return {
        reconcile: (key: string, now: number): readonly Action[] => {
          if (informer.getByKey(key) === undefined) {
            expectations.forget(key);
            throttle.forget(key);
          }
          const namespace = splitKey(key)[0];
          const satisfied = expectations.satisfied(key, (name) => pods.get(namespace, name), now);
          const requeue = throttle.skip(key, satisfied, now);
          if (requeue !== undefined) return [requeue];
          const actions = withObject(informer, run)(key, now);
          throttle.ran(key, actions, now);
          if (!satisfied) {
            return [...withoutPodChanges(actions), { type: 'RequeueAfter', ms: Math.max(1, expectations.remainingMs(key, now)) }];
          }
          expectations.expect(key, actions, now);
          return actions;
        },
        onNotApplied: (key: string, actions: readonly Action[]): void => expectations.notApplied(key, actions),
      };
    };
    // The object of the key as the cache holds it now; gone means nothing to do (the collector
    // handles what it owned).
    const withObject =
      <T extends KindObject>(informer: Informer<T>, run: (o: T, namespace: string, now: number) => readonly Action[]) =>
      (key: string, now: number): readonly Action[] => {
        const o = informer.getByKey(key);
        return o === undefined ? [] : run(o, splitKey(key)[0], now);
      };

    // A ReplicaSet sync reads its own pods and the orphans, not the namespace (by-controller.ts).
    const rsSync = podOwner(replicaSets, (replicaSet, ns, now) =>
      reconcileReplicaSet({
        replicaSet,
        pods: podsByController.claimable(ns, replicaSet.metadata?.uid ?? ''),
        nameTaken: (name) => pods.get(ns, name) !== undefined,
        now,
        ...(seed !== undefined ? { seed } : {}),
      }),
    );
    make('replicaset', 'replicaset-controller', 5, rsSync.reconcile, { onNotApplied: rsSync.onNotApplied });
    make('deployment', 'deployment-controller', 5, withObject(deployments, (deployment, ns, now) => reconcileDeployment({ deployment, replicaSets: rsByNs.list(ns), pods: podsByNs.list(ns), now })));
    const dsSync = podOwner(daemonSets, (daemonSet, ns, now) => reconcileDaemonSet({ daemonSet, nodes: nodes.list(), pods: podsByNs.list(ns), now, ...(seed !== undefined ? { seed } : {}) }));
    make('daemonset', 'daemonset-controller', 2, dsSync.reconcile, { onNotApplied: dsSync.onNotApplied });
    const jobSync = podOwner(jobs, (job, ns, now) => reconcileJob({ job, pods: podsByNs.list(ns), now, ...(seed !== undefined ? { seed } : {}) }));
    make('job', 'job-controller', 2, jobSync.reconcile, { onNotApplied: jobSync.onNotApplied });
    const gcInformers: readonly (readonly [KindName, Informer])[] = [
      ['Deployment', deployments as unknown as Informer],
      ['ReplicaSet', replicaSets as unknown as Informer],
      ['DaemonSet', daemonSets as unknown as Informer],
      ['Job', jobs as unknown as Informer],
      ['Pod', pods as unknown as Informer],
    ];
    make('garbagecollector', 'garbage-collector-controller', 1, () => planGarbageCollection({ objects: gcObjects(gcInformers) }), {
      // A safety net for an event the rules below do not foresee; the pass is cheap when idle.
      resyncMs: 30_000,
      resyncKeys: () => [GC_KEY],
    });
    if (enabled.has('nodelifecycle')) {
      // Bursts of node events coalesce into one pass; the pass decides which Lease renewals wake
      // it at all (most change nothing it acts on).
      const nodePass = new NodeLifecyclePass({
        client: this.options.client,
        logger: this.options.logger,
        nodes,
        leases,
        pods,
        leaseNamespace: NODE_LEASE_NAMESPACE,
        settings: this.settings,
        wake: () => this.controllers.get('nodelifecycle')?.enqueueAfter(NODES_KEY, 200),
      });
      make('nodelifecycle', 'node-controller', 1, (_key, now) => nodePass.reconcile(now), {
        // A dead node sends no events: its lease simply stops changing. Look every period.
        resyncMs: this.options.nodeMonitorPeriodMs ?? 1_000,
        resyncKeys: () => [NODES_KEY],
      });
    }

    this.wire({ pods, replicaSets, deployments, daemonSets, jobs, nodes });
    f.start();
    await f.waitForSync(signal);
    if (signal?.aborted === true) return;
    for (const c of this.controllers.values()) c.start();
    this.controllers.get('garbagecollector')?.enqueue(GC_KEY);
    this.controllers.get('nodelifecycle')?.enqueue(NODES_KEY);
    this.log.info({ controllers: [...this.controllers.keys()] }, 'controllers started');
  }

  async stop(): Promise<void> {
    await Promise.all([...this.controllers.values()].map((c) => c.stop()));
    await this.events.flush();
    if (this.ownsFactory) await this.factory.stop();
  }

  /** The enqueue rules (README.md "Which events should enqueue which key"). */
  private wire(i: {
    pods: Informer<Pod>;
    replicaSets: Informer<ReplicaSet>;
    deployments: Informer<Deployment>;
    daemonSets: Informer<DaemonSet>;
    jobs: Informer<Job>;
    nodes: Informer<Node>;
  }): void {
    const c = (name: ControllerName): Controller | undefined => this.controllers.get(name);
    const rs = c('replicaset');
    const dep = c('deployment');
    const ds = c('daemonset');
    const job = c('job');
    const gc = c('garbagecollector');
    // Bursts of deletes (a namespace of pods) coalesce into one collector pass.
    const gcSoon = (): void => gc?.enqueueAfter(GC_KEY, 50);

    const ownerOfPod = (pod: Pod): void => {
      const ns = pod.metadata?.namespace ?? '';
      const ref = controllerRefOf(pod);
      if (ref !== undefined) {
        const key = nsKey(ns, ref.name ?? '');
        if (ref.kind === 'ReplicaSet') rs?.enqueue(key);
        else if (ref.kind === 'Job') job?.enqueue(key);
        else if (ref.kind === 'DaemonSet') ds?.enqueue(key);
        return;
      }
      if ((pod.metadata?.deletionTimestamp ?? '') !== '') return;
      // An orphan: every owner that could adopt it.
      const labels = pod.metadata?.labels;
      const sameNs = (o: KindObject): boolean => (o.metadata?.namespace ?? '') === ns;
      if (rs !== undefined) for (const r of i.replicaSets.list(sameNs)) if (selects(r.spec?.selector, labels)) rs.enqueue(keyOf(r));
      if (job !== undefined) for (const j of i.jobs.list(sameNs)) if (selects(j.spec?.selector, labels)) job.enqueue(keyOf(j));
      if (ds !== undefined) for (const d of i.daemonSets.list(sameNs)) if (selects(d.spec?.selector, labels)) ds.enqueue(keyOf(d));
    };
    /** A pod gone affects a Recreate rollout (it waits for old pods to be gone). */
    const deploymentOfPod = (pod: Pod): void => {
      const ref = controllerRefOf(pod);
      if (dep === undefined || ref?.kind !== 'ReplicaSet') return;
      const owner = i.replicaSets.get(pod.metadata?.namespace ?? '', ref.name ?? '');
      const dref = owner !== undefined ? controllerRefOf(owner) : undefined;
      if (dref?.kind === 'Deployment') dep.enqueue(nsKey(pod.metadata?.namespace ?? '', dref.name ?? ''));
    };
    i.pods
      .onAdd((p) => ownerOfPod(p))
      .onUpdate((old, p) => {
        ownerOfPod(p);
        if (controllerRefOf(old)?.uid !== controllerRefOf(p)?.uid) ownerOfPod(old);
        if (gcRelevantChange(old, p)) gcSoon();
        if ((old.metadata?.deletionTimestamp ?? '') === '' && (p.metadata?.deletionTimestamp ?? '') !== '') deploymentOfPod(p);
      })
      .onDelete((p) => {
        ownerOfPod(p);
        deploymentOfPod(p);
        if ((p.metadata?.ownerReferences ?? []).length > 0 || (p.metadata?.finalizers ?? []).length > 0) gcSoon();
      });

    const deploymentOfRs = (r: ReplicaSet): void => {
      if (dep === undefined) return;
      const ref = controllerRefOf(r);
      const ns = r.metadata?.namespace ?? '';
      if (ref !== undefined) {
        if (ref.kind === 'Deployment') dep.enqueue(nsKey(ns, ref.name ?? ''));
        return;
      }
      for (const d of i.deployments.list((o) => (o.metadata?.namespace ?? '') === ns)) if (selects(d.spec?.selector, r.metadata?.labels)) dep.enqueue(keyOf(d));
    };
    i.replicaSets
      .onAdd((r) => {
        rs?.enqueue(keyOf(r));
        deploymentOfRs(r);
      })
      .onUpdate((old, r) => {
        rs?.enqueue(keyOf(r));
        deploymentOfRs(r);
        if (controllerRefOf(old)?.uid !== controllerRefOf(r)?.uid) deploymentOfRs(old);
        if (gcRelevantChange(old, r)) gcSoon();
      })
      .onDelete((r) => {
        deploymentOfRs(r);
        gcSoon();
      });

    // Owners: their own queue, and the collector when one goes (its dependents may be dangling).
    const owners: readonly [Informer<Deployment> | Informer<DaemonSet> | Informer<Job>, Controller | undefined][] = [
      [i.deployments, dep],
      [i.daemonSets, ds],
      [i.jobs, job],
    ];
    for (const [informer, controller] of owners) {
      const inf = informer as unknown as Informer;
      inf
        .onAdd((o) => controller?.enqueue(keyOf(o)))
        .onUpdate((old, o) => {
          controller?.enqueue(keyOf(o));
          if (gcRelevantChange(old, o)) gcSoon();
        })
        .onDelete(() => gcSoon());
    }

    // Nodes: every DaemonSet (placement depends on nodes). The node lifecycle watches Nodes and
    // Leases itself (NodeLifecyclePass). A Lease renewal changes no placement, so it wakes no
    // DaemonSet (the condition written when a lease runs out is a node change and reaches the
    // DaemonSets from there).
    const allDaemonSets = (): void => {
      if (ds !== undefined) for (const k of i.daemonSets.keys()) ds.enqueue(k);
    };
    i.nodes
      .onAdd(allDaemonSets)
      .onUpdate((old, n) => {
        if (placementChanged(old, n)) allDaemonSets();
      })
      .onDelete(allDaemonSets);
  }
}

/**
 * Did anything a DaemonSet's placement reads change? Agents rewrite node status on heartbeats;
 * those must not run every DaemonSet reconcile (1,000 nodes: 30 ms each) on every beat.
 */
function placementChanged(old: Node, next: Node): boolean {
  const ready = (n: Node): string => n.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? '';
  return (
    ready(old) !== ready(next) ||
    JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(next.metadata?.labels ?? {}) ||
    JSON.stringify(old.spec ?? {}) !== JSON.stringify(next.spec ?? {}) ||
    JSON.stringify(old.status?.allocatable ?? {}) !== JSON.stringify(next.status?.allocatable ?? {}) ||
    (old.metadata?.deletionTimestamp ?? '') !== (next.metadata?.deletionTimestamp ?? '')
  );
}

/**
 * The collector's snapshot. Objects owned by a kind it does not watch are left out: with the
 * owner missing from the snapshot it would judge them orphaned on every pass.
 */
function gcObjects(informers: readonly (readonly [KindName, Informer])[]): GcObject[] {
  const watched = new Set(informers.map(([k]) => k as string));
  const out: GcObject[] = [];
  for (const [kind, informer] of informers) {
    for (const o of informer.list()) {
      const metadata = o.metadata;
      if (metadata === undefined) continue;
      if ((metadata.ownerReferences ?? []).some((r) => !watched.has(r.kind ?? ''))) continue;
      out.push({ kind, metadata });
    }
  }
  return out;
}
