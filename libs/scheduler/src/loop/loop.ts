/**
 * The scheduling loop: informers on Nodes and Pods feed a snapshot and a queue of unbound pods;
 * decide() places each pod on the snapshot, which assumes the placement at once so the next
 * decision sees it, while up to `parallelism` binds (compare-and-swap updates of spec.nodeName)
 * are in flight. A failed bind forgets the placement; a conflict re-reads the pod and drops it
 * if someone else bound it. Unschedulable pods get PodScheduled=False and wait for a cluster
 * event or their backoff. Events are recorded asynchronously and may be dropped under load.
 */
import { ConflictError, NotFoundError, type Node, type Pod } from '@tsk/api';
import { EventRecorder, InformerFactory, Limiter, type ApiClient, type Informer } from '@tsk/client';
import { type Logger } from '@tsk/log';
import { DEFAULT_PROFILE, type Profile } from '../framework/profile.js';
import { createScheduler, type Scheduler } from '../pipeline.js';
import { assume, buildSnapshot, forget, updateNode, type Snapshot } from '../snapshot/snapshot.js';
import { LeaderElector, type LeaderElectionOptions } from './leader.js';
import {
  DEFAULT_SCHEDULER_NAME,
  hasUnschedulable,
  isBound,
  isPendingFor,
  isTerminal,
  podKey,
  priorityOf,
  schedulingRelevant,
  unschedulableStatus,
} from './pods.js';
import { SchedulingQueue } from './queue.js';

/** The seed of the scheduler's tie-breaking when none is given: same cluster, same placements. */
export const DEFAULT_SEED = 1;
/**
 * Binds in flight at once. They go out as Batch calls (the client coalesces them), so what this
 * caps is binds per round trip: with 64, a loaded server's 30-50 ms round trip held binding to
 * ~1,600 pods/s and pods created faster queued up; 256 keeps up with a 2,000 pods/s burst.
 * Conflicts stay rare: a bind only races another scheduler or a deletion.
 */
export const DEFAULT_PARALLELISM = 256;
/** Decisions per turn of the event loop, so informer events and bind replies are not starved. */
const DECISIONS_PER_TURN = 256;

export interface SchedulerLoopOptions {
  readonly client: ApiClient;
  readonly logger: Logger;
  /** Share the process's informers; otherwise the loop makes its own. */
  readonly informers?: InformerFactory;
  readonly profile?: Profile;
  readonly seed?: number;
  readonly schedulerName?: string;
  readonly parallelism?: number;
  /** Run only while holding the scheduler lease (several tsk-servers); off: always active. */
  readonly leaderElection?: LeaderElectionOptions;
  readonly eventQueueSize?: number;
}

export interface SchedulerMetrics {
  readonly bound: number;
  readonly bindConflicts: number;
  readonly boundElsewhere: number;
  readonly bindErrors: number;
  readonly unschedulable: number;
  readonly inFlight: number;
  readonly queued: number;
  readonly waiting: number;
  readonly snapshotRebuilds: number;
  readonly eventsWritten: number;
  readonly eventsDropped: number;
}

export class SchedulerLoop {
  private readonly log: Logger;
  private readonly factory: InformerFactory;
  private readonly ownFactory: boolean;
  private readonly scheduler: Scheduler;
  private readonly schedulerName: string;
  private readonly seed: number;
  private readonly parallelism: number;
  private readonly queue: SchedulingQueue;
  private readonly events: EventRecorder;
  private readonly statusWrites = new Limiter(8);
  private nodes: Informer<Node> | undefined;
  private pods: Informer<Pod> | undefined;
  private snapshot: Snapshot | undefined;
  private dirty = true;
  /** Pods placed in the snapshot whose binding the informer has not shown yet. */
  private readonly assumed = new Map<string, { readonly pod: Pod; readonly node: string }>();
  private inFlight = 0;
  private pumpScheduled = false;
  private active = false;
  private readonly abort = new AbortController();
  private elector: Promise<void> | undefined;
  private reportTimer: NodeJS.Timeout | undefined;
  private reported = '';
  private readonly stats = { bound: 0, bindConflicts: 0, boundElsewhere: 0, bindErrors: 0, unschedulable: 0, snapshotRebuilds: 0 };

  constructor(private readonly options: SchedulerLoopOptions) {
    this.log = options.logger.child({ component: 'scheduler' });
    this.ownFactory = options.informers === undefined;
    this.factory = options.informers ?? new InformerFactory(options.client, { logger: options.logger });
    this.scheduler = createScheduler(options.profile ?? DEFAULT_PROFILE);
    this.schedulerName = options.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.seed = options.seed ?? DEFAULT_SEED;
    this.parallelism = options.parallelism ?? DEFAULT_PARALLELISM;
    this.queue = new SchedulingQueue(() => this.schedulePump());
    this.events = new EventRecorder({
      client: options.client,
      logger: options.logger,
      component: this.schedulerName,
      // Binds emit a Scheduled event each; 4 writers keep up with a bind burst (the controllers use 2).
      concurrency: 4,
      ...(options.eventQueueSize !== undefined ? { queueSize: options.eventQueueSize } : {}),
    });
  }

  metrics(): SchedulerMetrics {
    const e = this.events.metrics;
    return {
      ...this.stats,
      inFlight: this.inFlight,
      queued: this.queue.activeCount,
      waiting: this.queue.waitingCount,
      eventsWritten: e.written,
      eventsDropped: e.dropped + e.filtered,
    };
  }

  /** Starts the informers, waits for their first list, then schedules (once elected, with leader election). */
  async start(): Promise<void> {
    const nodes = this.factory.informer<Node>('Node');
    const pods = this.factory.informer<Pod>('Pod');
    this.nodes = nodes;
    this.pods = pods;
    nodes
      .onAdd(() => this.nodesChanged())
      .onDelete(() => this.nodesChanged())
      .onUpdate((old, cur) => this.nodeUpdated(old, cur));
    pods
      .onAdd((p) => this.podSeen(p, undefined))
      .onUpdate((old, cur) => this.podSeen(cur, old))
      .onDelete((p) => this.podDeleted(p));
    nodes.start();
    pods.start();
    await Promise.all([nodes.waitForSync(this.abort.signal), pods.waitForSync(this.abort.signal)]);
    // The counters an operator needs (binds, conflicts, dropped events), logged when they change.
    this.reportTimer = setInterval(() => {
      const m = this.metrics();
      const line = JSON.stringify(m);
      if (line !== this.reported) this.log.info({ ...m }, 'scheduler metrics');
      this.reported = line;
    }, 30_000);
    this.reportTimer.unref();
    const election = this.options.leaderElection;
    if (election === undefined) {
      this.setActive(true);
    } else {
      this.elector = new LeaderElector(this.options.client, election, this.options.logger).run(this.abort.signal, (leading) => this.setActive(leading));
    }
  }

  async stop(): Promise<void> {
    this.active = false;
    this.abort.abort();
    if (this.reportTimer !== undefined) clearInterval(this.reportTimer);
    await this.elector;
    if (this.ownFactory) await this.factory.stop();
  }

  /** Waits until queued events are written (tests). */
  flushEvents(): Promise<void> {
    return this.events.flush();
  }

  private setActive(active: boolean): void {
    this.active = active;
    if (active) {
      // A new leader starts from the informers' truth, not from what it assumed while standing by.
      this.dirty = true;
      for (const p of this.pods?.list() ?? []) if (isPendingFor(p, this.schedulerName)) this.queue.add(podKey(p), priorityOf(p));
      this.schedulePump();
    }
  }

  private nodesChanged(): void {
    this.dirty = true; // node indexes are fixed for a snapshot's life: rebuild before the next decision
    this.queue.moveAllToActive();
  }

  private nodeUpdated(old: Node, cur: Node): void {
    if (this.snapshot !== undefined && !this.dirty && !updateNode(this.snapshot, cur)) this.dirty = true;
    if (schedulingRelevant(old) !== schedulingRelevant(cur)) this.queue.moveAllToActive();
  }

  private podSeen(pod: Pod, old: Pod | undefined): void {
    const key = podKey(pod);
    if (isBound(pod)) {
      this.queue.done(key);
      const wasPlaced = old !== undefined && isBound(old) && !isTerminal(old);
      if (isTerminal(pod)) {
        if (wasPlaced && this.snapshot !== undefined && !this.dirty) forget(this.snapshot, pod);
        if (wasPlaced) this.queue.moveAllToActive();
        return;
      }
      if (wasPlaced) return;
      const mine = this.assumed.get(key);
      this.assumed.delete(key);
      if (mine !== undefined && mine.node === pod.spec?.nodeName) return; // our own bind, already in the snapshot
      if (this.snapshot !== undefined && !this.dirty) {
        if (mine !== undefined) forget(this.snapshot, mine.pod);
        if (!assume(this.snapshot, pod, pod.spec?.nodeName ?? '')) this.dirty = true;
      }
      return;
    }
    const deleting = (pod.metadata?.deletionTimestamp ?? '') !== '';
    if (isPendingFor(pod, this.schedulerName)) {
      if (!this.assumed.has(key)) this.queue.add(key, priorityOf(pod));
    } else if (deleting) {
      this.queue.done(key);
    }
  }

  private podDeleted(pod: Pod): void {
    const key = podKey(pod);
    this.queue.done(key);
    const mine = this.assumed.get(key);
    this.assumed.delete(key);
    const held = mine !== undefined || (isBound(pod) && !isTerminal(pod));
    if (held && this.snapshot !== undefined && !this.dirty) forget(this.snapshot, mine?.pod ?? pod);
    if (held) this.queue.moveAllToActive(); // its resources are free: waiting pods may fit now
  }

  private ensureSnapshot(): Snapshot {
    if (this.snapshot !== undefined && !this.dirty) return this.snapshot;
    const bound = this.pods?.list((p) => isBound(p) && !isTerminal(p)) ?? [];
    const snapshot = buildSnapshot(this.nodes?.list() ?? [], bound);
    for (const a of this.assumed.values()) assume(snapshot, a.pod, a.node);
    this.snapshot = snapshot;
    this.dirty = false;
    this.stats.snapshotRebuilds++;
    return snapshot;
  }

  private schedulePump(): void {
    if (this.pumpScheduled || !this.active) return;
    this.pumpScheduled = true;
    setImmediate(() => this.pump());
  }

  private pump(): void {
    this.pumpScheduled = false;
    if (!this.active || this.abort.signal.aborted) return;
    for (let n = 0; n < DECISIONS_PER_TURN && this.inFlight < this.parallelism; n++) {
      const key = this.queue.pop();
      if (key === undefined) return;
      const pod = this.pods?.getByKey(key);
      if (!isPendingFor(pod, this.schedulerName) || this.assumed.has(key)) continue;
      this.scheduleOne(key, pod);
    }
    if (this.inFlight < this.parallelism && this.queue.activeCount > 0) this.schedulePump();
  }

  private scheduleOne(key: string, pod: Pod): void {
    const snapshot = this.ensureSnapshot();
    const decision = this.scheduler.decide(snapshot, pod, this.seed);
    if (decision.kind === 'Scheduled') {
      assume(snapshot, pod, decision.node);
      this.assumed.set(key, { pod, node: decision.node });
      this.inFlight++;
      void this.bind(key, pod, decision.node).finally(() => {
        this.inFlight--;
        this.schedulePump();
      });
      return;
    }
    this.stats.unschedulable++;
    const delay = this.queue.backoff(key, priorityOf(pod));
    this.log.debug({ pod: key, retryMs: delay, message: decision.message }, 'unschedulable');
    this.events.record({ type: 'Warning', reason: 'FailedScheduling', message: decision.message, involvedObject: involved(pod) });
    if (!hasUnschedulable(pod, decision.message)) void this.markUnschedulable(pod, decision.message);
  }

  /** The compare-and-swap: an update of the pod as the informer last saw it, with its resourceVersion. */
  private async bind(key: string, pod: Pod, node: string): Promise<void> {
    try {
      await this.options.client.update<Pod>('Pod', { ...pod, spec: { ...pod.spec, nodeName: node } });
      this.stats.bound++;
      this.queue.done(key);
      const ns = pod.metadata?.namespace ?? '';
      this.events.record({ type: 'Normal', reason: 'Scheduled', message: `Successfully assigned ${ns}/${pod.metadata?.name ?? ''} to ${node}`, involvedObject: involved(pod) });
    } catch (err) {
      this.unassume(key, node);
      await this.bindFailed(key, pod, err);
    }
  }

  /** Undoes our placement unless the informer has since shown where the pod really is. */
  private unassume(key: string, node: string): void {
    const mine = this.assumed.get(key);
    if (mine === undefined || mine.node !== node) return;
    this.assumed.delete(key);
    if (this.snapshot !== undefined && !this.dirty) forget(this.snapshot, mine.pod);
  }

  private async bindFailed(key: string, pod: Pod, err: unknown): Promise<void> {
    const meta = pod.metadata ?? {};
    if (err instanceof NotFoundError) {
      this.queue.done(key);
      return;
    }
    if (err instanceof ConflictError) {
      this.stats.bindConflicts++;
      const fresh = await this.options.client.get<Pod>('Pod', meta.namespace ?? '', meta.name ?? '').catch(() => undefined);
      if (fresh === undefined || !isPendingFor(fresh, this.schedulerName)) {
        // Bound by someone else (or gone): nothing left to do; the informer brings its placement.
        if (fresh !== undefined && isBound(fresh)) this.stats.boundElsewhere++;
        this.queue.done(key);
        return;
      }
    } else {
      this.stats.bindErrors++;
      this.log.warn({ pod: key, err: (err as Error).message }, 'bind failed');
    }
    // Changed under us, or the server failed: retry after a backoff, from the informer's newer copy.
    this.queue.backoff(key, priorityOf(pod));
  }

  private async markUnschedulable(pod: Pod, message: string): Promise<void> {
    const { resourceVersion: _rv, ...meta } = pod.metadata ?? {};
    try {
      // Unconditional: the scheduler owns PodScheduled of a pod nobody has bound.
      await this.statusWrites.run(() => this.options.client.updateStatus<Pod>('Pod', { ...pod, metadata: meta, status: unschedulableStatus(pod, message, new Date()) }));
    } catch (err) {
      if (!(err instanceof NotFoundError)) this.log.warn({ pod: podKey(pod), err: (err as Error).message }, 'could not record PodScheduled=False');
    }
  }
}

function involved(pod: Pod): { kind: string; apiVersion: string; namespace: string; name: string; uid: string } {
  const m = pod.metadata ?? {};
  return { kind: 'Pod', apiVersion: 'v1', namespace: m.namespace ?? '', name: m.name ?? '', uid: m.uid ?? '' };
}
