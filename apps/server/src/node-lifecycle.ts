/**
 * Wiring of @tsk/controllers' node lifecycle planner: informers on Nodes, node Leases and Pods
 * feed reconcileNodeLifecycle() once a second (and when it asks to be run sooner), and its
 * actions are applied through the API in order, stopping at the first failure (the next pass
 * starts again from fresher caches). Kept here until tsk has a controller-manager package that
 * runs every reconciler; it holds no policy of its own.
 */
import { ConflictError, NotFoundError, type Lease, type Node, type Pod } from '@tsk/api';
import { NODE_LEASE_NAMESPACE } from '@tsk/agent';
import { EventRecorder, type ApiClient, type InformerFactory, type Informer } from '@tsk/client';
import { reconcileNodeLifecycle, type Action, type NodeLifecycleSettings } from '@tsk/controllers';
import { type Logger } from '@tsk/log';

/** Kubernetes' nodeMonitorPeriod is 5 s; 1 s keeps detection within the 30 s heal budget. */
const MONITOR_PERIOD_MS = 1_000;

export interface NodeLifecycleOptions {
  readonly client: ApiClient;
  readonly logger: Logger;
  readonly informers: InformerFactory;
  readonly settings?: Partial<NodeLifecycleSettings>;
}

export class NodeLifecycleLoop {
  private readonly log: Logger;
  private readonly events: EventRecorder;
  private nodes: Informer<Node> | undefined;
  private leases: Informer<Lease> | undefined;
  private pods: Informer<Pod> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;

  constructor(private readonly options: NodeLifecycleOptions) {
    this.log = options.logger.child({ component: 'node-lifecycle' });
    this.events = new EventRecorder({ client: options.client, logger: options.logger, component: 'node-controller' });
  }

  async start(): Promise<void> {
    const f = this.options.informers;
    this.nodes = f.informer<Node>('Node').start();
    this.leases = f.informer<Lease>('Lease', { namespace: NODE_LEASE_NAMESPACE }).start();
    this.pods = f.informer<Pod>('Pod').start();
    await Promise.all([this.nodes.waitForSync(), this.leases.waitForSync(), this.pods.waitForSync()]);
    this.schedule(MONITOR_PERIOD_MS);
  }

  stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    return Promise.resolve();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.pass(), ms);
  }

  private async pass(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    let next = MONITOR_PERIOD_MS;
    try {
      const input = {
        nodes: this.nodes?.list() ?? [],
        pods: this.pods?.list((p) => (p.spec?.nodeName ?? '') !== '') ?? [],
        ...(this.options.settings !== undefined ? { settings: this.options.settings } : {}),
      };
      const leases = new Map((this.leases?.list() ?? []).map((l) => [l.metadata?.name ?? '', l]));
      let actions = reconcileNodeLifecycle({ ...input, leases: [...leases.values()], now: Date.now() });
      // Before calling a node dead, read its lease from the server: under load the watch that
      // feeds the cache can lag seconds behind, and a lagging cache must not evict healthy pods.
      const suspects = actions.filter((a) => a.type === 'SetNodeConditions' && a.conditions.some((c) => c.type === 'Ready' && c.status === 'Unknown'));
      if (suspects.length > 0) {
        for (const a of suspects) {
          const name = a.type === 'SetNodeConditions' ? a.name : '';
          const live = await this.options.client.get<Lease>('Lease', NODE_LEASE_NAMESPACE, name).catch(() => undefined);
          if (live !== undefined) leases.set(name, live);
        }
        actions = reconcileNodeLifecycle({ ...input, leases: [...leases.values()], now: Date.now() });
      }
      for (const a of actions) if (a.type === 'RequeueAfter') next = Math.min(next, a.ms);
      await this.apply(actions);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'node lifecycle pass failed; retrying');
    } finally {
      this.running = false;
      this.schedule(next);
    }
  }

  /** In order; a conflict means a stale cache, so the rest waits for the next pass. */
  private async apply(actions: readonly Action[]): Promise<void> {
    const client = this.options.client;
    // Writes to one node follow each other (conditions, then taints): chain their versions.
    const written = new Map<string, Node>();
    const nodeNamed = (name: string): Node | undefined => written.get(name) ?? this.nodes?.get('', name);
    for (const a of actions) {
      try {
        switch (a.type) {
          case 'SetNodeConditions': {
            const node = nodeNamed(a.name);
            if (node === undefined) break;
            written.set(a.name, await client.updateStatus<Node>('Node', { ...node, status: { ...node.status, conditions: [...a.conditions] } }));
            break;
          }
          case 'SetNodeTaints': {
            const node = nodeNamed(a.name);
            if (node === undefined) break;
            written.set(a.name, await client.update<Node>('Node', { ...node, spec: { ...node.spec, taints: [...a.taints] } }));
            break;
          }
          case 'MarkPodNotReady': {
            const pod = this.pods?.get(a.namespace, a.name);
            if (pod === undefined || pod.metadata?.uid !== a.uid) break;
            const conditions = (pod.status?.conditions ?? []).map((c) =>
              c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False', reason: a.reason } : c,
            );
            const { resourceVersion: _rv, ...meta } = pod.metadata;
            await client.updateStatus<Pod>('Pod', { ...pod, metadata: meta, status: { ...pod.status, conditions } });
            break;
          }
          case 'DeletePod':
            this.log.info({ pod: `${a.namespace}/${a.name}`, reason: a.reason }, 'deleting pod');
            await client.delete('Pod', a.namespace, a.name, { uid: a.uid, ...(a.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: a.gracePeriodSeconds } : {}) });
            break;
          case 'Event':
            this.events.record({
              type: a.eventType,
              reason: a.reason,
              message: a.message,
              involvedObject: a.involvedObject,
            });
            break;
          default:
            break;
        }
      } catch (err) {
        if (err instanceof NotFoundError) continue; // already gone: done
        if (!(err instanceof ConflictError)) this.log.warn({ action: a.type, err: (err as Error).message }, 'node lifecycle action failed');
        return;
      }
    }
  }
}
