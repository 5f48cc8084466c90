/**
 * The I/O side of the node lifecycle controller: the pure reconcileNodeLifecycle() on the
 * informers' caches, with two guards that need the outside world.
 *  - Heartbeats are timed by this controller's clock (HeartbeatObserver): clock skew between
 *    machines, or a restart of this server, must not make live nodes look dead.
 *  - Before a node is called dead, its Lease is read from the server: under load the watch that
 *    feeds the cache can lag seconds behind, and a lagging cache must not evict healthy pods.
 */
import { type Lease, type Node, type Pod } from '@tsk/api';
import { type ApiClient, type Informer } from '@tsk/client';
import { type Logger } from '@tsk/log';
import { type Action } from '../actions.js';
import { evictionsHeld, reconcileNodeLifecycle } from '../nodelifecycle/node-lifecycle.js';
import { HeartbeatObserver } from '../nodelifecycle/observer.js';
import { type NodeLifecycleSettings } from '../nodelifecycle/settings.js';

export interface NodeLifecyclePassOptions {
  readonly client: ApiClient;
  readonly logger: Logger;
  readonly nodes: Informer<Node>;
  readonly leases: Informer<Lease>;
  readonly pods: Informer<Pod>;
  readonly leaseNamespace: string;
  readonly settings: NodeLifecycleSettings;
}

function goesUnknown(a: Action): string | undefined {
  return a.type === 'SetNodeConditions' && a.conditions.some((c) => c.type === 'Ready' && c.status === 'Unknown') ? a.name : undefined;
}

export class NodeLifecyclePass {
  private readonly observer = new HeartbeatObserver();
  private readonly log: Logger;
  private held = false;

  constructor(private readonly options: NodeLifecyclePassOptions) {
    this.log = options.logger.child({ component: 'node-controller' });
  }

  /** The actions for the cluster's nodes now (the clock is read again after the live reads). */
  async reconcile(now: number): Promise<readonly Action[]> {
    const o = this.options;
    const nodes = o.nodes.list();
    const pods = o.pods.list((p) => (p.spec?.nodeName ?? '') !== '');
    const leases = new Map(o.leases.list().map((l) => [l.metadata?.name ?? '', l]));
    const plan = (at: number): Action[] =>
      reconcileNodeLifecycle({ nodes, pods, leases: [...leases.values()], now: at, settings: o.settings, observedAt: this.observer.observe(nodes, [...leases.values()], at) });
    let actions = plan(now);
    const suspects = actions.map(goesUnknown).filter((n): n is string => n !== undefined);
    if (suspects.length > 0) {
      for (const name of suspects) {
        const live = await o.client.get<Lease>('Lease', o.leaseNamespace, name).catch(() => undefined);
        if (live !== undefined) leases.set(name, live);
      }
      actions = plan(Date.now());
    }
    this.noteDisruption(nodes);
    return actions;
  }

  private noteDisruption(nodes: readonly Node[]): void {
    const held = evictionsHeld(nodes);
    if (held === this.held) return;
    this.held = held;
    if (held) this.log.warn({ nodes: nodes.length }, 'every node is down: holding evictions (more likely this server lost its network than every machine died)');
    else this.log.info('a node is up again: evictions resume');
  }
}
