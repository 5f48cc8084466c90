// `npm run bench -- scheduler [--pods N] [--nodes N] [--runs N] [--profile LeastAllocated|MostAllocated] [--no-constrained]
//   [--e2e-pods N] [--e2e-nodes N] [--backends sqlite,etcd] [--e2e-direct] [--no-e2e]`
//
// (a) The scheduling core alone: N pods (default 100,000, in Deployments of 100 replicas) onto
//     N nodes (default 5,000; 4 cpu, 16Gi, 110 pods; three zones), decide() + assume() per pod
//     on one snapshot, as the scheduling loop will do. Goal on a 2-core machine: 20,000 pods/s.
//     Reference, not measured here: kube-scheduler's CI floor of about 680 pods/s on 5,000 nodes
//     (scheduler_perf SchedulingBasic, in-process API server and fake nodes).
//     Then, for context: 10,000 replicas with a zone spread constraint or hostname anti-affinity.
// (b) End to end through tsk-server (scheduler on) and its store, SQLite then etcd: 10,000 replicas
//     onto 1,000 hollow nodes of one tsk-agent process, as one Deployment, from its apply until every pod is
//     bound; pods/s against the 2,000 pods/s goal, and tsk-server's RSS. [--e2e-pods N]
//     [--e2e-nodes N] [--backends sqlite,etcd] [--e2e-direct: Pods from the bench, no Deployment] [--no-e2e]
import { type Node, type Pod } from '@tsk/api';
import { assume, buildSnapshot, createScheduler, makeProfile, type ScoringStrategy } from '@tsk/scheduler';
import { endToEnd, report, type E2eResult } from './_scheduler-e2e.js';

const GOAL_PODS_PER_SECOND = 20_000;
const KUBE_SCHEDULER_CI_FLOOR = 680;

function flag(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

function hollowNode(i: number): Node {
  const name = `node-${i}`;
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': `zone-${i % 3}` } },
    spec: {},
    status: {
      allocatable: { cpu: '4', memory: '16Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}

function replica(i: number, replicasPerOwner: number): Pod {
  const owner = Math.floor(i / replicasPerOwner);
  return {
    metadata: {
      name: `web-${owner}-${i}`,
      namespace: 'default',
      uid: `pod-uid-${i}`,
      labels: { app: `web-${owner}` },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `web-${owner}`, uid: `rs-uid-${owner}`, controller: true }],
    },
    spec: { containers: [{ name: 'web', image: 'nginx:1.27', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
  };
}

type Constraint = 'none' | 'zone-spread' | 'hostname-anti-affinity';

/** A replica whose template asks for a zone spread (maxSkew 1) or one replica per node. */
function constrainedReplica(i: number, replicasPerOwner: number, constraint: Constraint): Pod {
  const pod = replica(i, replicasPerOwner);
  const app = pod.metadata!.labels!['app']!;
  const selector = { matchLabels: { app } };
  if (constraint === 'zone-spread') {
    pod.spec!.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: selector }];
  } else if (constraint === 'hostname-anti-affinity') {
    pod.spec!.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: selector, topologyKey: 'kubernetes.io/hostname' }] } };
  }
  return pod;
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function coreAlone(podCount: number, nodeCount: number, strategy: ScoringStrategy, runCount: number): Promise<void> {
  const nodes = Array.from({ length: nodeCount }, (_, i) => hollowNode(i));
  const pods = Array.from({ length: podCount }, (_, i) => replica(i, 100));
  const scheduler = createScheduler(makeProfile({ scoringStrategy: strategy }));

  // Warm-up on a throwaway snapshot, so the measured run is not the JIT's first pass.
  const warm = buildSnapshot(nodes, []);
  for (let i = 0; i < Math.min(5_000, podCount); i++) {
    const d = scheduler.decide(warm, pods[i]!, 1);
    if (d.kind === 'Scheduled') assume(warm, pods[i]!, d.node);
  }

  // Several runs on fresh snapshots; the best is reported (other work on a shared 2-core machine
  // only ever slows a run down), with the CPU time the process used, which is what it costs.
  const runs: { seconds: number; cpuSeconds: number; scheduled: number; maxPerNode: number }[] = [];
  for (let r = 0; r < runCount; r++) {
    const snapshot = buildSnapshot(nodes, []);
    let scheduled = 0;
    const cpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    for (const pod of pods) {
      const d = scheduler.decide(snapshot, pod, 1);
      if (d.kind === 'Scheduled') {
        assume(snapshot, pod, d.node);
        scheduled++;
      }
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = process.cpuUsage(cpuBefore);
    let maxPerNode = 0;
    for (const n of snapshot.nodes) maxPerNode = Math.max(maxPerNode, n.pods.length);
    runs.push({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, scheduled, maxPerNode });
  }
  runs.sort((a, b) => a.seconds - b.seconds);
  const best = runs[0]!;
  const { seconds, scheduled, maxPerNode } = best;
  const unschedulable = podCount - scheduled;
  const rate = podCount / seconds;
  const rates = runs.map((r) => Math.round(podCount / r.seconds)).join(', ');

  print(`(a) scheduler core, ${strategy}: ${podCount} pods onto ${nodeCount} nodes`);
  print(`    ${scheduled} scheduled, ${unschedulable} unschedulable, at most ${maxPerNode} pods on one node`);
  print(`    best of ${runCount} runs: ${seconds.toFixed(2)} s, ${Math.round(rate)} pods/s (${((seconds * 1e6) / podCount).toFixed(1)} µs per pod)`);
  print(`    all runs (pods/s): ${rates}; CPU time of the best run ${best.cpuSeconds.toFixed(2)} s (${Math.round(podCount / best.cpuSeconds)} pods per CPU-second)`);
  print(`    ${(rate / GOAL_PODS_PER_SECOND).toFixed(2)}x the goal of ${GOAL_PODS_PER_SECOND} pods/s`);
  print(`    ${(rate / KUBE_SCHEDULER_CI_FLOOR).toFixed(1)}x kube-scheduler's CI floor of ~${KUBE_SCHEDULER_CI_FLOOR} pods/s on 5,000 nodes (quoted, not measured here)`);
  await Promise.resolve();
}

/**
 * For context, not a goal: pods whose constraints make PreFilter count matching pods per domain
 * (kube-scheduler's scheduler_perf has the same kinds of cases, slower than SchedulingBasic).
 */
async function constrained(podCount: number, nodeCount: number): Promise<void> {
  const nodes = Array.from({ length: nodeCount }, (_, i) => hollowNode(i));
  const scheduler = createScheduler();
  for (const constraint of ['zone-spread', 'hostname-anti-affinity'] as const) {
    const pods = Array.from({ length: podCount }, (_, i) => constrainedReplica(i, 100, constraint));
    const snapshot = buildSnapshot(nodes, []);
    let scheduled = 0;
    const started = process.hrtime.bigint();
    for (const pod of pods) {
      const d = scheduler.decide(snapshot, pod, 1);
      if (d.kind === 'Scheduled') {
        assume(snapshot, pod, d.node);
        scheduled++;
      }
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    print(`    with ${constraint}: ${podCount} pods (${scheduled} scheduled) onto ${nodeCount} nodes, ${Math.round(podCount / seconds)} pods/s`);
  }
  await Promise.resolve();
}

export default async function bench(args: string[]): Promise<void> {
  const pods = Number(flag(args, 'pods', '100000'));
  const nodes = Number(flag(args, 'nodes', '5000'));
  const strategy = flag(args, 'profile', 'LeastAllocated') === 'MostAllocated' ? 'MostAllocated' : 'LeastAllocated';
  const runs = Math.max(1, Number(flag(args, 'runs', '3')));
  await coreAlone(pods, nodes, strategy, runs);
  if (!args.includes('--no-constrained')) await constrained(Math.min(pods, 10_000), nodes);

  // (b) End to end through tsk-server and the store, with SQLite and with etcd.
  if (!args.includes('--no-e2e')) {
    const e2ePods = Number(flag(args, 'e2e-pods', '10000'));
    const e2eNodes = Number(flag(args, 'e2e-nodes', '1000'));
    const backends = flag(args, 'backends', 'sqlite,etcd').split(',');
    // tsk-server runs the Deployment and ReplicaSet controllers: apply one Deployment, as a user
    // would. --e2e-direct creates the Pods from the bench instead (the scheduler path alone).
    const mode = args.includes('--e2e-direct') ? 'pods' : 'deployment';
    const results: E2eResult[] = [];
    for (const backend of backends) {
      if (backend !== 'sqlite' && backend !== 'etcd') continue;
      const r = await endToEnd(backend, e2ePods, e2eNodes, mode);
      report(r);
      results.push(r);
    }
    const [a, b] = results;
    if (a !== undefined && b !== undefined) print(`    ${a.backend} / ${b.backend}: ${(b.boundSeconds / a.boundSeconds).toFixed(2)}x the rate`);
  }
}
