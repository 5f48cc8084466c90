/** tsk-agent's command line, parsed once into a frozen config. */
import { Command, InvalidArgumentError } from 'commander';

export interface AgentConfig {
  readonly server: string;
  readonly nodeName: string | undefined;
  readonly hollow: number | undefined;
  readonly capacity: Readonly<Record<string, string>>;
  readonly clusterCidr: string;
  readonly leaseDurationSeconds: number;
  readonly leaseRenewMs: number;
  readonly statusUpdateMs: number;
}

function positiveInt(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

function positive(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

/** "cpu=2,memory=4Gi,pods=110" -> { cpu: '2', memory: '4Gi', pods: '110' }. */
export function parseCapacity(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const [key, value, ...rest] = part.split('=');
    if (key === undefined || key.trim() === '' || value === undefined || value.trim() === '' || rest.length > 0) {
      throw new InvalidArgumentError(`--capacity: "${part}" is not NAME=QUANTITY`);
    }
    out[key.trim()] = value.trim();
  }
  return out;
}

export function parseFlags(argv: readonly string[], version: string): AgentConfig {
  const program = new Command('tsk-agent')
    .description('The tsk node agent. --hollow N runs N simulated nodes that run nothing (for scale tests).')
    .version(version)
    .option('--server <host:port>', 'tsk-server gRPC address', process.env['TSK_SERVER'] ?? '127.0.0.1:6443')
    .option('--node-name <name>', 'node name (with --hollow: the prefix of PREFIX-0 ... PREFIX-(N-1), default "hollow")')
    .option('--hollow <n>', 'register N hollow nodes from this process', positiveInt('--hollow'))
    .option('--capacity <list>', 'hollow node capacity', parseCapacity, { cpu: '2', memory: '4Gi', pods: '110' })
    .option('--cluster-cidr <cidr>', 'the pod CIDR each node gets a /24 of', '10.244.0.0/16')
    .option('--lease-duration <seconds>', 'node lease duration', positiveInt('--lease-duration'), 8)
    .option('--lease-renew-interval <seconds>', 'how often each node lease is renewed', positive('--lease-renew-interval'), 2)
    .option('--status-update-interval <seconds>', 'how often each node status is rewritten', positive('--status-update-interval'), 60)
    .exitOverride()
    .parse(argv, { from: 'user' });
  const o = program.opts<{
    server: string;
    nodeName?: string;
    hollow?: number;
    capacity: Record<string, string>;
    clusterCidr: string;
    leaseDuration: number;
    leaseRenewInterval: number;
    statusUpdateInterval: number;
  }>();
  return Object.freeze({
    server: o.server,
    nodeName: o.nodeName,
    hollow: o.hollow,
    capacity: Object.freeze({ ...o.capacity }),
    clusterCidr: o.clusterCidr,
    leaseDurationSeconds: o.leaseDuration,
    leaseRenewMs: o.leaseRenewInterval * 1000,
    statusUpdateMs: o.statusUpdateInterval * 1000,
  });
}
