/**
 * Leader election on a Lease, as kube-scheduler does: of several schedulers started for
 * availability, one holds the lease and schedules; the others wait and take over when its lease
 * lapses. Binding is a compare-and-swap on the pod, so no pod is ever bound twice, but two active
 * schedulers could each put a different pod on the same last free slot of a node; one active
 * scheduler at a time is what keeps a node from being double-booked.
 *
 * Expiry is judged by this process's own clock from when it last saw the lease change (never by
 * comparing clocks across machines), as client-go's leader election does.
 */
import { AlreadyExistsError, ConflictError, NotFoundError, type Lease } from '@tsk/api';
import { sleep, type ApiClient } from '@tsk/client';
import { type Logger } from '@tsk/log';

export interface LeaderElectionOptions {
  readonly namespace?: string;
  readonly name?: string;
  readonly identity: string;
  readonly leaseDurationSeconds?: number;
  /** How often the leader renews and a candidate retries. */
  readonly retryPeriodMs?: number;
}

export const LEADER_LEASE_NAMESPACE = 'tsk-system';
export const SCHEDULER_LEASE_NAME = 'tsk-scheduler';

function microNow(): string {
  return new Date().toISOString().replace(/Z$/, '000Z');
}

export class LeaderElector {
  private lease: Lease | undefined;
  private observed = { holder: '', renewTime: '', at: 0 };
  private leading = false;
  private readonly log: Logger;
  private readonly namespace: string;
  private readonly name: string;
  private readonly durationMs: number;

  constructor(
    private readonly client: ApiClient,
    private readonly options: LeaderElectionOptions,
    logger: Logger,
  ) {
    this.namespace = options.namespace ?? LEADER_LEASE_NAMESPACE;
    this.name = options.name ?? SCHEDULER_LEASE_NAME;
    this.durationMs = (options.leaseDurationSeconds ?? 15) * 1000;
    this.log = logger.child({ component: 'leader-election', lease: `${this.namespace}/${this.name}`, identity: options.identity });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Campaigns and renews until `signal` aborts; calls `onChange(true)` on winning and `onChange(false)` on losing. */
  async run(signal: AbortSignal, onChange: (leading: boolean) => void): Promise<void> {
    await this.ensureNamespace();
    let lastRenew = 0;
    while (!signal.aborted) {
      const ok = await this.tryAcquireOrRenew().catch((err: unknown) => {
        this.log.debug({ err: (err as Error).message }, 'lease attempt failed');
        return false;
      });
      if (ok) lastRenew = Date.now();
      const shouldLead = ok || (this.leading && Date.now() - lastRenew < this.durationMs);
      if (shouldLead !== this.leading) {
        this.leading = shouldLead;
        this.log.info({ leading: shouldLead }, shouldLead ? 'became leader' : 'lost leadership');
        onChange(shouldLead);
      }
      await sleep(this.options.retryPeriodMs ?? 2_000, signal).catch(() => undefined);
    }
    if (this.leading) await this.release();
  }

  private async ensureNamespace(): Promise<void> {
    try {
      await this.client.create('Namespace', { metadata: { name: this.namespace } });
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) this.log.debug({ err: (err as Error).message }, 'namespace not created');
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const me = this.options.identity;
    let current: Lease;
    try {
      current = await this.client.get<Lease>('Lease', this.namespace, this.name);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      this.lease = await this.client.create<Lease>('Lease', {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.name, namespace: this.namespace },
        spec: { holderIdentity: me, leaseDurationSeconds: this.durationMs / 1000, acquireTime: microNow(), renewTime: microNow(), leaseTransitions: 0 },
      });
      return true;
    }
    const spec = current.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    if (holder !== this.observed.holder || (spec.renewTime ?? '') !== this.observed.renewTime) {
      this.observed = { holder, renewTime: spec.renewTime ?? '', at: Date.now() };
    }
    const free = holder === '' || holder === me || Date.now() - this.observed.at > (spec.leaseDurationSeconds ?? 15) * 1000;
    if (!free) return false;
    const taking = holder !== me;
    try {
      this.lease = await this.client.update<Lease>('Lease', {
        ...current,
        spec: {
          ...spec,
          holderIdentity: me,
          leaseDurationSeconds: this.durationMs / 1000,
          renewTime: microNow(),
          ...(taking ? { acquireTime: microNow(), leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
        },
      });
      return true;
    } catch (err) {
      if (err instanceof ConflictError) return false; // someone else renewed or took it first
      throw err;
    }
  }

  /** Hands the lease back on a clean stop, so a standby takes over at once instead of after expiry. */
  private async release(): Promise<void> {
    this.leading = false;
    const lease = this.lease;
    if (lease === undefined) return;
    try {
      await this.client.update<Lease>('Lease', { ...lease, spec: { ...lease.spec, holderIdentity: '', renewTime: microNow() } });
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'lease not released');
    }
  }
}
