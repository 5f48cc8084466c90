/**
 * A tsk-server with its controllers and hollow-agent processes, for the controller integration
 * tests, plus small builders and waits. Every process started here is stopped by pid in
 * stop(), and killed at process exit even if a test fails before afterAll.
 */
import { type DaemonSet, type Deployment, type Job, type Pod, type PodTemplateSpec } from '@tsk/api';
import { connect, type ApiClient } from '@tsk/client';
import { startServer, type ServerProcess } from '../apiserver/harness.js';
import { eventually, startAgent, type AgentProcess } from '../scheduling/agents.js';

export { eventually };

export interface Cluster {
  readonly server: ServerProcess;
  readonly client: ApiClient;
  readonly agents: AgentProcess[];
  /** Starts another hollow-agent process with `count` nodes named PREFIX-i (extra tsk-agent flags after). */
  addAgent(prefix: string, count: number, extra?: readonly string[]): Promise<AgentProcess>;
  stop(): Promise<void>;
}

export async function startCluster(serverArgs: readonly string[] = []): Promise<Cluster> {
  const server = await startServer({ args: serverArgs });
  const client = connect(server.grpcAddress);
  const agents: AgentProcess[] = [];
  return {
    server,
    client,
    agents,
    async addAgent(prefix, count, extra = []) {
      const a = await startAgent(server.grpcAddress, ['--hollow', String(count), '--node-name', prefix, ...extra]);
      agents.push(a);
      return a;
    },
    async stop() {
      for (const a of agents) await a.kill9().catch(() => undefined);
      client.close();
      await server.stop();
    },
  };
}

export const NS = 'default';

export function template(app: string, image = 'nginx:1.27', restartPolicy?: string): PodTemplateSpec {
  return {
    metadata: { labels: { app } },
    spec: {
      containers: [{ name: 'app', image, resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
      ...(restartPolicy !== undefined ? { restartPolicy } : {}),
    },
  };
}

export function deployment(name: string, replicas: number, opts: { image?: string; strategy?: 'Recreate' | { maxSurge: number; maxUnavailable: number } } = {}): Deployment {
  const s = opts.strategy;
  return {
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: template(name, opts.image),
      ...(s === 'Recreate'
        ? { strategy: { type: 'Recreate' } }
        : s !== undefined
          ? { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: { intVal: s.maxSurge }, maxUnavailable: { intVal: s.maxUnavailable } } } }
          : {}),
    },
  };
}

export function job(name: string, completions: number, parallelism: number): Job {
  return { metadata: { name, namespace: NS }, spec: { completions, parallelism, backoffLimit: 6, template: template(name, 'busybox:1.36', 'Never') } };
}

export function daemonSet(name: string): DaemonSet {
  return { metadata: { name, namespace: NS }, spec: { selector: { matchLabels: { app: name } }, template: template(name) } };
}

export function isReady(p: Pod): boolean {
  return (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function terminating(p: Pod): boolean {
  return (p.metadata?.deletionTimestamp ?? '') !== '';
}

/** The live (not terminating) pods labelled app=NAME. */
export async function podsOf(client: ApiClient, app: string): Promise<Pod[]> {
  return (await client.list<Pod>('Pod', { namespace: NS, labelSelector: `app=${app}` })).items.filter((p) => !terminating(p));
}

/** Waits until exactly `n` live pods of `app` are Running (and returns them). */
export function runningPods(client: ApiClient, app: string, n: number, timeoutMs = 30_000, extra?: (pods: Pod[]) => boolean): Promise<Pod[]> {
  return eventually(
    async () => {
      const pods = await podsOf(client, app);
      return pods.length === n && pods.every((p) => p.status?.phase === 'Running') && (extra === undefined || extra(pods)) ? pods : undefined;
    },
    timeoutMs,
    `${n} Running pods of ${app}`,
  );
}
