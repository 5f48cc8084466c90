/**
 * Hollow nodes (Kubernetes' kubemark): N nodes from one process that register, hold leases and
 * report status like real agents, and "run" every pod bound to them by reporting it Running with
 * a pod IP from the node's /24, running nothing. They speak exactly the protocol of a real agent
 * (libs/agent/src/node), so the control plane cannot tell them apart.
 */
import { NotFoundError, type Node } from '@tsk/api';
import { Limiter, type ApiClient } from '@tsk/client';
import { type Logger } from '@tsk/log';
import { DEFAULT_CLUSTER_CIDR, NodeCidrAllocator, PodIpPool, formatIpv4, nodeBlockCount, parseCidr } from '../node/cidr.js';
import { DEFAULT_LEASE_DURATION_SECONDS, DEFAULT_LEASE_RENEW_MS, NodeLease, ensureLeaseNamespace } from '../node/lease.js';
import { HeartbeatWorker, type HeartbeatStats } from '../node/heartbeat-worker.js';
import { NodePodWatch, type ScannedPod } from '../node/pod-watch.js';
import { PodStatusWriter } from '../node/pod-status-writer.js';
import { registerNode, type NodeSpecInput } from '../node/registration.js';
import { isReportedRunning, runningStatusOf } from './status.js';

export const DEFAULT_HOLLOW_CAPACITY: Readonly<Record<string, string>> = Object.freeze({ cpu: '2', memory: '4Gi', pods: '110' });
/** Node status (the big object) is rewritten this rarely; liveness rides on the lease. */
export const DEFAULT_STATUS_UPDATE_MS = 60_000;

export interface HollowOptions {
  /** Registration, pod status and deletes. */
  readonly client: ApiClient;
  /** The pod watch, on its own connection so its stream does not delay the writes' replies. */
  readonly watchClient?: ApiClient;
  readonly logger: Logger;
  readonly count: number;
  /** Node names are PREFIX-0 ... PREFIX-(count-1). */
  readonly prefix?: string;
  readonly capacity?: Readonly<Record<string, string>>;
  readonly clusterCidr?: string;
  readonly leaseDurationSeconds?: number;
  readonly leaseRenewMs?: number;
  readonly statusUpdateMs?: number;
  /**
   * Pods found to run are reported this long after the first of them (default 50 ms), all
   * together: one Batch call for dozens of reports instead of a call for every few (a kubelet
   * takes seconds to start a pod; 50 ms more is nothing to the cluster, a tenth of the calls is).
   */
  readonly reportDelayMs?: number;
  /** Most registrations and deletes in flight at once from this process. */
  readonly writeConcurrency?: number;
}

export type StartResult = { readonly ok: true; readonly nodes: number } | { readonly ok: false; readonly reason: string };

interface HollowNode {
  readonly input: NodeSpecInput;
  readonly ips: PodIpPool;
}

export class HollowAgent {
  private readonly nodes = new Map<string, HollowNode>();
  private readonly log: Logger;
  private readonly writes: Limiter;
  /** Leases and node status run on their own thread (see heartbeat-thread.ts). */
  private heartbeats: HeartbeatWorker | undefined;
  /** Pod uid -> its IP, for pods this process reported Running. */
  private readonly podIps = new Map<string, { node: string; ip: string }>();
  /** Pods with a status write or a delete in flight, so a burst of events causes one write. */
  private readonly busy = new Set<string>();
  /** Pod status reports, in Batch calls built from the watched bytes. */
  private readonly statuses: PodStatusWriter;
  private watch: NodePodWatch | undefined;
  private readonly stats = { podsStarted: 0, podsDeleted: 0 };

  constructor(private readonly options: HollowOptions) {
    this.log = options.logger.child({ component: 'hollow-agent' });
    this.writes = new Limiter(options.writeConcurrency ?? 32);
    this.statuses = new PodStatusWriter(options.client, { delayMs: options.reportDelayMs ?? 50 });
  }

  get nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  get metrics(): Readonly<typeof this.stats & Partial<HeartbeatStats>> {
    return { ...this.stats, ...this.heartbeats?.stats };
  }

  /** Registers every node, takes its lease and starts reporting; resolves once all are registered. */
  async start(): Promise<StartResult> {
    const { client, count } = this.options;
    const prefix = this.options.prefix ?? 'hollow';
    const cidrText = this.options.clusterCidr ?? DEFAULT_CLUSTER_CIDR;
    const cluster = parseCidr(cidrText);
    if (cluster === undefined) return { ok: false, reason: `--cluster-cidr ${cidrText} is not an IPv4 CIDR` };
    await ensureLeaseNamespace(client);
    const existing = new Map((await client.list<Node>('Node')).items.map((n) => [n.metadata?.name ?? '', n]));
    const allocator = new NodeCidrAllocator(cluster);
    for (const n of existing.values()) if ((n.spec?.podCIDR ?? '') !== '') allocator.markUsed(n.spec?.podCIDR ?? '');
    const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
    const needed = names.filter((n) => (existing.get(n)?.spec?.podCIDR ?? '') === '').length;
    if (needed > allocator.free()) {
      return {
        ok: false,
        reason: `the cluster CIDR ${cidrText} has ${allocator.free()} free /24s of ${nodeBlockCount(cluster)}, but ${needed} nodes need one; pass a wider --cluster-cidr`,
      };
    }
    const now = new Date();
    // Heartbeats start with the first node: registering 1,000 nodes takes seconds, and the
    // first ones must not go silent while the last ones register.
    const heartbeats = new HeartbeatWorker(
      {
        server: client.address,
        leaseDurationSeconds: this.options.leaseDurationSeconds ?? DEFAULT_LEASE_DURATION_SECONDS,
        leaseRenewMs: this.options.leaseRenewMs ?? DEFAULT_LEASE_RENEW_MS,
        statusUpdateMs: this.options.statusUpdateMs ?? DEFAULT_STATUS_UPDATE_MS,
        reportMs: 10_000,
      },
      this.log,
    );
    this.heartbeats = heartbeats;
    await Promise.all(
      names.map((name, i) => {
        const cidr = existing.get(name)?.spec?.podCIDR ?? '';
        const input: NodeSpecInput = {
          name,
          capacity: this.options.capacity ?? DEFAULT_HOLLOW_CAPACITY,
          podCIDR: cidr !== '' ? cidr : (allocator.allocate() ?? ''),
          // A made-up host address per node: 172.16.0.0/12 has room for a million hollow nodes.
          internalIP: formatIpv4((0xac100000 + i + 1) >>> 0),
          labels: { 'tsk.dev/hollow': 'true' },
          nodeInfo: { kubeletVersion: 'tsk-agent (hollow)', containerRuntimeVersion: 'hollow://0', operatingSystem: 'linux', architecture: 'amd64', osImage: 'hollow' },
        };
        return this.writes.run(async () => {
          const node = await registerNode(client, input, now);
          const podCIDR = node.spec?.podCIDR ?? input.podCIDR;
          const hollow: HollowNode = { input: { ...input, podCIDR }, ips: new PodIpPool(podCIDR) };
          this.nodes.set(name, hollow);
          const lease = new NodeLease(client, node, this.options.leaseDurationSeconds ?? DEFAULT_LEASE_DURATION_SECONDS);
          await lease.renew(new Date());
          heartbeats.add(hollow.input, node, lease.current);
        });
      }),
    );
    this.log.info({ nodes: names.length, first: names[0], cluster: cidrText }, 'hollow nodes registered');
    this.watch = new NodePodWatch(this.options.watchClient ?? client, names, { onPod: (p, n) => this.onPod(p, n), onGone: (p) => this.onGone(p) }, this.log);
    await this.watch.start();
    return { ok: true, nodes: names.length };
  }

  /** Stops heartbeats and the watch; the nodes stay registered (their leases lapse, as when a machine dies). */
  async stop(): Promise<void> {
    this.statuses.close();
    await this.heartbeats?.stop();
    await this.watch?.stop();
  }

  /** Decides from the scanned fields; the whole pod is decoded only when it is reported. */
  private onPod(pod: ScannedPod, nodeName: string): void {
    const uid = pod.uid;
    const node = this.nodes.get(nodeName);
    if (node === undefined || uid === '' || this.busy.has(uid)) return;
    if (pod.deletionTimestamp !== '') {
      this.busy.add(uid);
      void this.deletePod(pod).finally(() => this.busy.delete(uid));
      return;
    }
    if (pod.phase === 'Succeeded' || pod.phase === 'Failed') return;
    if (isReportedRunning(pod)) {
      // Reported before (maybe by an earlier run of this process): keep its address taken.
      if (!this.podIps.has(uid)) {
        node.ips.claim(pod.podIP);
        this.podIps.set(uid, { node: nodeName, ip: pod.podIP });
      }
      return;
    }
    this.busy.add(uid);
    this.reportRunning(pod, node);
  }

  /**
   * Not async, and the callbacks hold only names: nothing of the pod or its status (the writer
   * keeps just the encoded operation) outlives this call while the write waits.
   */
  private reportRunning(pod: ScannedPod, node: HollowNode): void {
    const { uid, namespace, name } = pod;
    let ip = this.podIps.get(uid)?.ip;
    if (ip === undefined) {
      ip = node.ips.allocate() ?? '';
      this.podIps.set(uid, { node: node.input.name, ip });
    }
    let written: Promise<void>;
    try {
      written = this.statuses.write(pod, runningStatusOf(uid, pod.containers(), pod.status(), ip, node.input.internalIP, new Date()));
    } catch (err) {
      written = Promise.reject(err);
    }
    written.then(
      () => {
        this.stats.podsStarted++;
        this.busy.delete(uid);
      },
      (err: unknown) => {
        this.busy.delete(uid);
        if (err instanceof NotFoundError) return;
        this.log.warn({ pod: `${namespace}/${name}`, err: (err as Error).message }, 'pod status update failed');
      },
    );
  }

  /** The pod's grace period has begun: a hollow node has nothing to stop, so it finishes the deletion at once. */
  private async deletePod(pod: ScannedPod): Promise<void> {
    try {
      await this.writes.run(() =>
        this.options.client.delete('Pod', pod.namespace, pod.name, { gracePeriodSeconds: 0, ...(pod.uid !== '' ? { uid: pod.uid } : {}) }),
      );
      this.stats.podsDeleted++;
    } catch (err) {
      if (err instanceof NotFoundError) return;
      this.log.warn({ pod: `${pod.namespace}/${pod.name}`, err: (err as Error).message }, 'pod delete failed');
    }
  }

  private onGone(pod: ScannedPod): void {
    const held = this.podIps.get(pod.uid);
    if (held === undefined) return;
    this.nodes.get(held.node)?.ips.release(held.ip);
    this.podIps.delete(pod.uid);
  }
}
