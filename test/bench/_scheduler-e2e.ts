/**
 * Part (b) of `npm run bench -- scheduler`: end to end through tsk-server and its store. A real
 * tsk-server (scheduler on, SQLite or etcd) and a real tsk-agent holding 1,000 hollow nodes; the
 * bench creates 10,000 replicas of one workload and times from the first create until every pod
 * is bound (and, for context, until every pod is reported Running), then reads tsk-server's RSS.
 */
import { readFileSync } from 'node:fs';
import { WatchRequest, WIRE_LEN, WireReader, type Deployment, type Event, type Node, type Pod } from '@tsk/api';
import { connect, type ApiClient } from '@tsk/client';
import { startEtcd } from '@tsk/store';
import { startServer } from '../apiserver/harness.js';
import { startAgent } from '../scheduling/agents.js';

export const E2E_GOAL_PODS_PER_SECOND = 2_000;
const NAMESPACE = 'bench';
/** Creates in flight at once from the bench, as a ReplicaSet controller's burst would be. */
const CREATE_CONCURRENCY = 64;

export interface E2eResult {
  readonly backend: string;
  readonly mode: E2eMode;
  readonly pods: number;
  readonly nodes: number;
  readonly createSeconds: number;
  readonly boundSeconds: number;
  readonly runningSeconds: number;
  readonly rssMiB: number;
  readonly maxPerNode: number;
  /** Scheduled events written (the rest were dropped by the recorder's rate limit, by design). */
  readonly scheduledEvents: number;
  /** NodeNotReady transitions during the run: a heartbeat starved by load would show here. */
  readonly nodesNotReady: number;
  /** API calls tsk-server answered during the run, by method (from its /metrics). */
  readonly calls: ReadonlyMap<string, number>;
  /** Store revisions during the run: every write of any kind (leases and events included). */
  readonly writes: number;
  /** Pods ever seen in the namespace (more than `pods` if a controller made extras). */
  readonly podsSeen: number;
  /** CPU seconds each process used from the apply until all Running. */
  readonly cpu: { readonly server: number; readonly agent: number; readonly bench: number };
  /** Events in the cluster at the end, by reason. */
  readonly eventReasons: ReadonlyMap<string, number>;
}

/** CPU seconds (user + system) a process has used so far, from /proc/PID/stat. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

/** Requests by method and the store revision, from tsk-server's /metrics. */
async function serverCounters(httpAddress: string): Promise<{ calls: Map<string, number>; revision: number }> {
  const text = await (await fetch(`http://${httpAddress}/metrics`)).text();
  const calls = new Map<string, number>();
  for (const m of text.matchAll(/^tsk_apiserver_requests_total\{method="([^"]+)",code="([^"]+)"\} (\d+)$/gm)) {
    const key = m[2] === 'OK' ? m[1]! : `${m[1]!} (${m[2]!})`;
    calls.set(key, (calls.get(key) ?? 0) + Number(m[3]));
  }
  return { calls, revision: Number(/^tsk_store_revision (\d+)$/m.exec(text)?.[1] ?? NaN) };
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

function rssMiB(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? NaN : Number(m[1]) / 1024;
}

function replica(i: number): Pod {
  return {
    metadata: { name: `web-${i}`, namespace: NAMESPACE, labels: { app: 'web', 'pod-template-hash': 'bench' } },
    spec: { containers: [{ name: 'web', image: 'nginx:1.27', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
  };
}

async function waitNodesReady(client: ApiClient, count: number): Promise<void> {
  for (;;) {
    const nodes = (await client.list<Node>('Node')).items;
    const ready = nodes.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    if (ready >= count) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Counts pods as they become bound and Running, from a watch of the namespace (see below). */
function track(
  client: ApiClient,
  total: number,
): { created: Promise<number>; bound: Promise<number>; running: Promise<number>; perNode: Map<string, number>; seen(): number; stop(): Promise<void> } {
  const all = new Set<string>();
  let createdAt: (t: number) => void = () => undefined;
  const failures: ((err: Error) => void)[] = [];
  const createdP = new Promise<number>((r, reject) => {
    createdAt = r;
    failures.push(reject);
  });
  const bound = new Set<string>();
  const running = new Set<string>();
  const perNode = new Map<string, number>();
  let boundAt: (t: number) => void = () => undefined;
  let runningAt: (t: number) => void = () => undefined;
  const boundP = new Promise<number>((r, reject) => {
    boundAt = r;
    failures.push(reject);
  });
  const runningP = new Promise<number>((r, reject) => {
    runningAt = r;
    failures.push(reject);
  });
  const seen = (pod: Pod): void => {
    const name = pod.metadata?.name ?? '';
    if (!all.has(name)) {
      all.add(name);
      if (all.size === total) createdAt(performance.now());
    }
    const node = pod.spec?.nodeName ?? '';
    if (node !== '' && !bound.has(name)) {
      bound.add(name);
      perNode.set(node, (perNode.get(node) ?? 0) + 1);
      if (bound.size === total) boundAt(performance.now());
    }
    if (pod.status?.phase === 'Running' && !running.has(name)) {
      running.add(name);
      if (running.size === total) runningAt(performance.now());
    }
  };
  const stream = watchPodsLightly(client, seen, (err) => failures.forEach((f) => f(err)));
  return { created: createdP, bound: boundP, running: runningP, perNode, seen: () => all.size, stop: () => stream.stop() };
}

/**
 * The bench's own watch of the namespace's pods, as light as it can be: it shares the machine
 * with what it measures, and an Informer decoding every pod in full cost 16 % of a core. The
 * frames are scanned for the three fields the bench needs (wire.ts in @tsk/apiserver does the
 * same server-side). A stream that ends or reports an error fails the bench: nothing is missed
 * silently.
 */
function watchPodsLightly(client: ApiClient, seen: (pod: Pod) => void, fail: (err: Error) => void): { stop(): Promise<void> } {
  const call = client.raw.makeServerStreamRequest(
    '/tsk.v1.Objects/Watch',
    (req: WatchRequest) => Buffer.from(WatchRequest.encode(req).finish()),
    (b: Buffer) => b,
    // No resourceVersion: ADDED for what exists (nothing yet), then every change.
    { kind: 'Pod', namespace: NAMESPACE, resourceVersion: '', allowBookmarks: false },
  );
  let stopped = false;
  call.on('data', (frame: Buffer) => {
    const event = scanPodEvent(frame);
    if (event.type === 'ERROR') fail(new Error('the bench watch was answered with an ERROR event'));
    if (event.type === 'ADDED' || event.type === 'MODIFIED') {
      seen({ metadata: { name: event.name }, spec: { nodeName: event.nodeName, containers: [] }, status: { phase: event.phase } });
    }
  });
  call.on('end', () => {
    if (!stopped) fail(new Error('the bench watch ended'));
  });
  call.on('error', (err: Error) => {
    if (!stopped) fail(new Error(`the bench watch failed: ${err.message}`));
  });
  return {
    stop: () => {
      stopped = true;
      call.cancel();
      return Promise.resolve();
    },
  };
}

/** The first length-delimited field `field` of the message that ends at `end`, or undefined. */
function find(r: WireReader, end: number, field: number): { start: number; end: number } | undefined {
  for (let tag = r.next(end); tag >= 0; tag = r.next(end)) {
    if (tag === ((field << 3) | WIRE_LEN)) {
      const fieldEnd = r.lenEnd();
      return { start: r.pos, end: fieldEnd };
    }
    r.skip(tag & 7);
  }
  return undefined;
}

/** WatchEvent{type=1, object=2: Object{pod=3: Pod{metadata=3{name=1}, spec=4{nodeName=9}, status=5{phase=1}}}} (proto/tsk/v1). */
function scanPodEvent(b: Buffer): { type: string; name: string; nodeName: string; phase: string } {
  const r = new WireReader(b);
  const at = (from: { start: number; end: number } | undefined, field: number): { start: number; end: number } | undefined => {
    if (from === undefined) return undefined;
    r.pos = from.start;
    return find(r, from.end, field);
  };
  const text = (f: { start: number; end: number } | undefined): string => (f === undefined ? '' : b.toString('utf8', f.start, f.end));
  const whole = { start: 0, end: b.length };
  const pod = at(at(whole, 2), 3);
  const type = text(at(whole, 1));
  return {
    type,
    name: text(at(at(pod, 3), 1)),
    nodeName: text(at(at(pod, 4), 9)),
    phase: text(at(at(pod, 5), 1)),
  };
}

/** The workload as a user applies it: one Deployment of `replicas` (its controllers make the pods). */
function deployment(replicas: number): Deployment {
  const labels = { app: 'web' };
  return {
    metadata: { name: 'web', namespace: NAMESPACE },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx:1.27', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] } },
    },
  };
}

export type E2eMode = 'deployment' | 'pods';

export async function endToEnd(backend: 'sqlite' | 'etcd', podCount: number, nodeCount: number, mode: E2eMode): Promise<E2eResult> {
  const etcd = backend === 'etcd' ? await startEtcd({ fsync: true }) : undefined;
  const server = await startServer({ ...(etcd !== undefined ? { store: etcd.url } : {}), startTimeoutMs: 60_000 });
  const client = connect(server.grpcAddress);
  // 1,000 nodes need 1,000 /24s: the default 10.244.0.0/16 holds 256, so the bench uses a /14.
  const agent = await startAgent(server.grpcAddress, ['--hollow', String(nodeCount), '--node-name', 'hollow', '--cluster-cidr', '10.128.0.0/14']);
  try {
    await waitNodesReady(client, nodeCount);
    await client.create('Namespace', { metadata: { name: NAMESPACE } });
    const watch = track(client, podCount);
    await new Promise((r) => setTimeout(r, 500)); // the watch is open before the first create
    const before = await serverCounters(server.httpAddress);
    const cpuBefore = { server: cpuSeconds(server.pid), agent: cpuSeconds(agent.pid), bench: process.cpuUsage() };
    const started = performance.now();
    if (mode === 'deployment') {
      await client.create('Deployment', deployment(podCount));
      await watch.created;
    } else {
      let next = 0;
      await Promise.all(
        Array.from({ length: CREATE_CONCURRENCY }, async () => {
          while (next < podCount) await client.create('Pod', replica(next++));
        }),
      );
    }
    const created = performance.now();
    const boundAt = await watch.bound;
    const runningAt = await watch.running;
    const benchCpu = process.cpuUsage(cpuBefore.bench);
    const cpu = {
      server: cpuSeconds(server.pid) - cpuBefore.server,
      agent: cpuSeconds(agent.pid) - cpuBefore.agent,
      bench: (benchCpu.user + benchCpu.system) / 1e6,
    };
    const after = await serverCounters(server.httpAddress);
    const rss = rssMiB(server.pid);
    await watch.stop();
    const events = (await client.list<Event>('Event')).items;
    const notReady = events.filter((e) => e.reason === 'NodeNotReady' && e.involvedObject?.kind === 'Node').length;
    return {
      backend: etcd !== undefined ? 'etcd (fsync)' : 'SQLite',
      mode,
      pods: podCount,
      nodes: nodeCount,
      createSeconds: (created - started) / 1000,
      boundSeconds: (boundAt - started) / 1000,
      runningSeconds: (runningAt - started) / 1000,
      rssMiB: rss,
      maxPerNode: Math.max(...watch.perNode.values()),
      scheduledEvents: events.filter((e) => e.reason === 'Scheduled').length,
      nodesNotReady: notReady,
      calls: new Map([...after.calls].map(([m, n]) => [m, n - (before.calls.get(m) ?? 0)] as const).filter(([, n]) => n > 0)),
      writes: after.revision - before.revision,
      podsSeen: watch.seen(),
      cpu,
      eventReasons: events.reduce((m, e) => m.set(e.reason ?? '', (m.get(e.reason ?? '') ?? 0) + 1), new Map<string, number>()),
    };
  } finally {
    // A profiled agent must exit cleanly to write its profile; otherwise the machine just goes.
    await (process.env['TSK_AGENT_NODE_ARGS'] !== undefined ? agent.stop() : agent.kill9());
    client.close();
    await server.stop();
    await etcd?.stop();
  }
}

export function report(r: E2eResult): void {
  const rate = r.pods / r.boundSeconds;
  print(`(b) end to end, ${r.backend}: ${r.pods} pods onto ${r.nodes} hollow nodes (one tsk-agent process)`);
  print(`    background: ${r.nodes} node leases renewed every 2 s (${r.nodes / 2} writes/s), the heal-fast default`);
  if (r.mode === 'deployment') {
    print(`    one Deployment of ${r.pods} replicas; its ReplicaSet controller created every pod ${r.createSeconds.toFixed(2)} s after the apply (${Math.round(r.pods / r.createSeconds)} creates/s)`);
  } else {
    print(`    created by the bench as Pods in ${r.createSeconds.toFixed(2)} s (${Math.round(r.pods / r.createSeconds)} creates/s, ${CREATE_CONCURRENCY} in flight)`);
  }
  print(`    all bound ${r.boundSeconds.toFixed(2)} s after the ${r.mode === 'deployment' ? 'apply' : 'first create'}: ${Math.round(rate)} pods/s; all Running at ${r.runningSeconds.toFixed(2)} s`);
  print(`    at most ${r.maxPerNode} pods on one node; tsk-server RSS holding ${r.pods} pods and ${r.nodes} nodes: ${r.rssMiB.toFixed(0)} MiB`);
  print(`    ${r.scheduledEvents} Scheduled events written (rate-limited, the rest dropped); ${r.nodesNotReady} NodeNotReady transitions during the run`);
  const perPod = (n: number): string => (n / r.pods).toFixed(2);
  const calls = [...r.calls].sort((a, b) => b[1] - a[1]).map(([m, n]) => `${m} ${perPod(n)}`).join(', ');
  print(`    per pod, until all Running: ${perPod(r.writes)} store writes; API calls ${calls}`);
  const busy = (sec: number): string => `${sec.toFixed(1)} s (${Math.round((100 * sec) / r.runningSeconds)} % of a core)`;
  print(`    CPU until all Running: tsk-server ${busy(r.cpu.server)}, tsk-agent ${busy(r.cpu.agent)}, this bench ${busy(r.cpu.bench)}; ${((1000 * r.cpu.server) / r.pods).toFixed(2)} ms of server CPU per pod`);
  if (r.podsSeen !== r.pods) print(`    ${r.podsSeen} pods were seen for ${r.pods} replicas`);
  print(`    Events at the end, by reason: ${[...r.eventReasons].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  print(`    ${(rate / E2E_GOAL_PODS_PER_SECOND).toFixed(2)}x the goal of ${E2E_GOAL_PODS_PER_SECOND} pods/s`);
}
