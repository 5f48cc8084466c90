/**
 * tsk-server's command line, parsed once into a frozen config. The hidden flags exist for tests
 * and benchmarks that need compaction or bookmarks to happen within seconds.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { join } from 'node:path';

export interface ServerConfig {
  readonly dataDir: string;
  readonly storeUrl: string;
  readonly listen: string;
  readonly httpListen: string;
  readonly agent: boolean;
  readonly scheduler: boolean;
  readonly schedulingStrategy: 'LeastAllocated' | 'MostAllocated';
  /** Seeds the scheduler's tie-breaking, so a run on the same cluster places pods the same way. */
  readonly schedulerSeed: number;
  /** Mark silent nodes Unknown, taint them unreachable and evict their pods. */
  readonly nodeLifecycle: boolean;
  /** Run the ReplicaSet, Deployment, DaemonSet, Job and garbage-collector controllers. */
  readonly controllers: boolean;
  readonly compactionIntervalMs: number;
  readonly compactionRetainRevisions: number;
  readonly compactionRetainMs: number;
  readonly bookmarkIntervalMs: number;
  /** Tests: shut down when stdin closes, so a killed test runner never leaks a server. */
  readonly exitOnStdinClose: boolean;
}

function positive(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

export function parseFlags(argv: readonly string[], version: string): ServerConfig {
  const program = new Command('tsk-server')
    .description('The tsk control plane: the API server over an embedded SQLite store or etcd.')
    .version(version)
    .option('--data-dir <dir>', 'state directory', '/var/lib/tsk')
    .option('--store <url>', 'store URL: sqlite://PATH (default DATA_DIR/state.db) or etcd://HOST:PORT[,HOST:PORT...]')
    .option('--listen <host:port>', 'gRPC API address', '127.0.0.1:6443')
    .option('--http-listen <host:port>', 'HTTP address for /healthz, /metrics, the registry and the dashboard', '127.0.0.1:6444')
    .option('--agent', 'also run a node agent in this process (not implemented yet)', false)
    .option('--no-scheduler', 'do not run the scheduler in this process')
    .option('--no-node-lifecycle', 'do not run the node lifecycle controller (marks silent nodes, evicts their pods) in this process')
    .option('--controllers', 'run the workload controllers and garbage collector (default)', true)
    .option('--no-controllers', 'do not run the workload controllers and garbage collector in this process')
    .addOption(new Option('--scheduling-strategy <name>', 'node scoring: spread (LeastAllocated) or bin-pack (MostAllocated)').choices(['LeastAllocated', 'MostAllocated']).default('LeastAllocated'))
    .addOption(new Option('--scheduler-seed <n>').argParser(positive('--scheduler-seed')).default(1).hideHelp())
    .addOption(new Option('--compaction-interval <seconds>').argParser(positive('--compaction-interval')).default(60).hideHelp())
    .addOption(new Option('--compaction-retain <revisions>').argParser(positive('--compaction-retain')).default(10_000).hideHelp())
    .addOption(new Option('--compaction-retain-time <seconds>').argParser(positive('--compaction-retain-time')).default(300).hideHelp())
    .addOption(new Option('--bookmark-interval <seconds>').argParser(positive('--bookmark-interval')).default(5).hideHelp())
    .addOption(new Option('--exit-on-stdin-close').default(false).hideHelp())
    .exitOverride()
    .parse(argv, { from: 'user' });
  const o = program.opts<{
    dataDir: string;
    store?: string;
    listen: string;
    httpListen: string;
    agent: boolean;
    scheduler: boolean;
    schedulingStrategy: 'LeastAllocated' | 'MostAllocated';
    schedulerSeed: number;
    nodeLifecycle: boolean;
    controllers: boolean;
    compactionInterval: number;
    compactionRetain: number;
    compactionRetainTime: number;
    bookmarkInterval: number;
    exitOnStdinClose: boolean;
  }>();
  return Object.freeze({
    dataDir: o.dataDir,
    storeUrl: o.store ?? `sqlite://${join(o.dataDir, 'state.db')}`,
    listen: o.listen,
    httpListen: o.httpListen,
    agent: o.agent,
    scheduler: o.scheduler,
    schedulingStrategy: o.schedulingStrategy,
    schedulerSeed: o.schedulerSeed,
    nodeLifecycle: o.nodeLifecycle,
    controllers: o.controllers,
    compactionIntervalMs: o.compactionInterval * 1000,
    compactionRetainRevisions: o.compactionRetain,
    compactionRetainMs: o.compactionRetainTime * 1000,
    bookmarkIntervalMs: o.bookmarkInterval * 1000,
    exitOnStdinClose: o.exitOnStdinClose,
  });
}
