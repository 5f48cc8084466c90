/**
 * The I/O side of the node lifecycle controller: the pure reconcileNodeLifecycle() on the
 * informers' caches, with two guards that need the outside world.
 *  - Heartbeats are timed by this controller's clock (HeartbeatObserver): clock skew between
 *    machines, or a restart of this server, must not make live nodes look dead.
 *  - Before a node is called dead, its Lease is read from the server: under load the watch that
 *    feeds the cache can lag seconds behind, and a lagging cache must not evict healthy pods.
 *
 * Cost: a thousand agents renew their Leases 500 times a second. A renewal is noted in O(1)
 * (the observer, from the informer event) and wakes the pass only when it can change something:
 * the node was silent, or is marked down or tainted by this controller. Silence itself needs no
 * event: the pass runs every monitor period and when the next grace period runs out
 * (RequeueAfter), and then costs O(nodes) plus the pods of down or NoExecute-tainted nodes.
 */
import { type Condition, type KindObject, type Lease, type Node, type Pod, type Taint } from '@tsk/api';
import { type ApiClient } from '@tsk/client';
import { type Logger } from '@tsk/log';
import { type Action } from '../actions.js';
import { nodeReadyStatus } from '../common/placement.js';
import { evictionsHeld, reconcileNodeLifecycle } from '../nodelifecycle/node-lifecycle.js';
import { HeartbeatObserver } from '../nodelifecycle/observer.js';
import { type NodeLifecycleSettings, TaintKeys } from '../nodelifecycle/settings.js';

/** What the pass uses of an Informer (a structural subset, so that tests can drive one by hand). */
interface Watched<T extends KindObject> {
  list(): T[];
  get(namespace: string, name: string): T | undefined;
  onAdd(handler: (object: T) => void): unknown;
  onUpdate(handler: (oldObject: T, newObject: T) => void): unknown;
  onDelete(handler: (object: T) => void): unknown;
}

export interface NodeLifecyclePassOptions {
  readonly client: Pick<ApiClient, 'get'>;
  readonly logger: Logger;
  readonly nodes: Watched<Node>;
  readonly leases: Watched<Lease>;
  readonly pods: Watched<Pod>;
  readonly leaseNamespace: string;
  readonly settings: NodeLifecycleSettings;
  /**
   * Asks for a pass soon (the controller's coalescing enqueue). Called from the informers'
   * handlers, which the pass registers when constructed: construct it before they start.
   */
  readonly wake: () => void;
  /** The controller's clock for heartbeat observations. Default Date.now. */
  readonly clock?: () => number;
}

function goesUnknown(a: Action): string | undefined {
  return a.type === 'SetNodeConditions' && a.conditions.some((c) => c.type === 'Ready' && c.status === 'Unknown') ? a.name : undefined;
}

const MANAGED = new Set<string>([TaintKeys.NotReady, TaintKeys.Unreachable]);

/** Marked down or tainted by this controller: a heartbeat may now undo that. */
function markedDown(node: Node): boolean {
  return nodeReadyStatus(node) !== 'True' || (node.spec?.taints ?? []).some((t) => t.effect === 'NoExecute' && MANAGED.has(t.key ?? ''));
}

function sameCondition(a: Condition, b: Condition): boolean {
  return a.type === b.type && a.status === b.status && a.reason === b.reason && a.message === b.message && a.lastTransitionTime === b.lastTransitionTime;
}

function sameTaint(a: Taint, b: Taint): boolean {
  return a.key === b.key && a.value === b.value && a.effect === b.effect && a.timeAdded === b.timeAdded;
}

function sameList<T>(a: readonly T[] | undefined, b: readonly T[] | undefined, same: (x: T, y: T) => boolean): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => same(v, y[i]!));
}

/**
 * Did a node update change what the pass reads besides the heartbeat? Agents rewrite their
 * node's status every minute (1,000 nodes: 17 updates a second) only to move lastHeartbeatTime.
 */
function beyondHeartbeat(old: Node, next: Node): boolean {
  return old.metadata?.uid !== next.metadata?.uid || !sameList(old.status?.conditions, next.status?.conditions, sameCondition) || !sameList(old.spec?.taints, next.spec?.taints, sameTaint);
}

export class NodeLifecyclePass {
  private readonly observer = new HeartbeatObserver();
  private readonly log: Logger;
  private readonly clock: () => number;
  private held = false;

  constructor(private readonly options: NodeLifecyclePassOptions) {
    this.log = options.logger.child({ component: 'node-controller' });
    this.clock = options.clock ?? Date.now;
    const o = options;
    // A node added, deleted or changed beyond its heartbeat (conditions, taints: mostly this
    // controller's own writes): a pass soon. A heartbeat alone counts as a Lease renewal.
    o.nodes.onAdd((n) => {
      this.observer.note(n, this.leaseOf(n), this.clock());
      o.wake();
    });
    o.nodes.onUpdate((old, n) => {
      if (beyondHeartbeat(old, n)) {
        this.observer.note(n, this.leaseOf(n), this.clock());
        o.wake();
      } else this.heartbeat(n, this.leaseOf(n));
    });
    o.nodes.onDelete((n) => {
      this.observer.forget(n.metadata?.name ?? '');
      o.wake();
    });
    const ofLease = (l: Lease, lease: Lease | undefined): void => {
      const node = o.nodes.get('', l.metadata?.name ?? '');
      // No such node (yet): its add event notes the Lease with it.
      if (node !== undefined) this.heartbeat(node, lease);
    };
    o.leases.onAdd((l) => ofLease(l, l));
    o.leases.onUpdate((_old, l) => ofLease(l, l));
    // A Lease gone changes the heartbeat as a renewal does (the observer compares renewTimes);
    // rare enough to look at the nodes soon, as for a node event.
    o.leases.onDelete((l) => {
      ofLease(l, undefined);
      o.wake();
    });
  }

  /** The actions for the cluster's nodes now (the clock is read again after the live reads). */
  async reconcile(now: number): Promise<readonly Action[]> {
    const o = this.options;
    const nodes = o.nodes.list();
    // Every node is noted by its informer events; this only guards against a node the observer
    // missed, which reconcileNodeLifecycle would otherwise count as heard from "now" forever.
    for (const n of nodes) if (!this.observer.has(n.metadata?.name ?? '')) this.observer.note(n, this.leaseOf(n), now);
    // The pods are listed only if some node is down or tainted NoExecute (see reconcileNodeLifecycle).
    const pods = (): Pod[] => o.pods.list();
    const plan = (at: number): Action[] => reconcileNodeLifecycle({ nodes, pods, now: at, settings: o.settings, observedAt: this.observer.observedAt });
    let actions = plan(now);
    const suspects = actions.map(goesUnknown).filter((n): n is string => n !== undefined);
    if (suspects.length > 0) {
      for (const name of suspects) {
        const live = await o.client.get<Lease>('Lease', o.leaseNamespace, name).catch(() => undefined);
        const node = o.nodes.get('', name);
        if (live !== undefined && node !== undefined) this.observer.note(node, live, this.clock());
      }
      actions = plan(this.clock());
    }
    this.noteDisruption(nodes);
    return actions;
  }

  private leaseOf(node: Node): Lease | undefined {
    return this.options.leases.get(this.options.leaseNamespace, node.metadata?.name ?? '');
  }

  /**
   * A heartbeat (Lease event, node status rewrite): O(1). A renewal of a node the pass has
   * nothing to undo for changes no action, only the time the node goes silent, which the pass
   * finds by itself (RequeueAfter, monitor period); so it wakes nothing.
   */
  private heartbeat(node: Node, lease: Lease | undefined): void {
    const now = this.clock();
    const before = this.observer.note(node, lease, now);
    if (before === 'same') return;
    const wasSilent = before === undefined || now >= before + this.options.settings.nodeMonitorGracePeriodMs;
    if (wasSilent || markedDown(node)) this.options.wake();
  }

  private noteDisruption(nodes: readonly Node[]): void {
    const held = evictionsHeld(nodes);
    if (held === this.held) return;
    this.held = held;
    if (held) this.log.warn({ nodes: nodes.length }, 'every node is down: holding evictions (more likely this server lost its network than every machine died)');
    else this.log.info('a node is up again: evictions resume');
  }
}
