/**
 * Pod CIDRs: one /24 per node out of the cluster CIDR (10.244.0.0/16 by default, as DESIGN.md
 * says), and pod IPs inside a node's /24. There is no node IPAM in tsk-server yet, so the agent
 * picks the lowest /24 no registered node holds, the way kube-controller-manager's range
 * allocator does; a node that is already registered keeps the /24 it has.
 */

export const DEFAULT_CLUSTER_CIDR = '10.244.0.0/16';
const NODE_MASK = 24;

export interface Ipv4Net {
  readonly base: number;
  readonly prefix: number;
}

export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(text: string): Ipv4Net | undefined {
  const [ip, bits] = text.split('/');
  const base = parseIpv4(ip ?? '');
  const prefix = Number(bits);
  if (base === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (base & mask) >>> 0, prefix };
}

/** How many node /24s the cluster CIDR holds (256 for a /16). */
export function nodeBlockCount(cluster: Ipv4Net): number {
  return cluster.prefix > NODE_MASK ? 0 : 2 ** (NODE_MASK - cluster.prefix);
}

/** Hands out the lowest free /24s of the cluster CIDR, skipping those already in use. */
export class NodeCidrAllocator {
  private readonly used = new Set<number>();
  private next = 0;

  constructor(private readonly cluster: Ipv4Net) {}

  markUsed(cidr: string): void {
    const net = parseCidr(cidr);
    if (net !== undefined) this.used.add(net.base);
  }

  /** The next free /24 as "a.b.c.0/24", or undefined once the cluster CIDR is exhausted. */
  allocate(): string | undefined {
    const count = nodeBlockCount(this.cluster);
    for (; this.next < count; this.next++) {
      const base = (this.cluster.base + this.next * 256) >>> 0;
      if (this.used.has(base)) continue;
      this.used.add(base);
      this.next++;
      return `${formatIpv4(base)}/${NODE_MASK}`;
    }
    return undefined;
  }

  free(): number {
    let n = 0;
    const count = nodeBlockCount(this.cluster);
    for (let i = 0; i < count; i++) if (!this.used.has((this.cluster.base + i * 256) >>> 0)) n++;
    return n;
  }
}

/**
 * Pod IPs of one node: .2 to .254 of its /24 (.1 is the node's bridge). Reuses freed addresses
 * lowest first, so a pod's address is predictable in tests.
 */
export class PodIpPool {
  private readonly base: number;
  private readonly used = new Set<number>();

  constructor(podCidr: string) {
    this.base = parseCidr(podCidr)?.base ?? 0;
  }

  /** Marks an address (a pod that already has it, after an agent restart) as taken. */
  claim(ip: string): void {
    const n = parseIpv4(ip);
    if (n !== undefined && n - this.base >= 2 && n - this.base <= 254) this.used.add(n - this.base);
  }

  allocate(): string | undefined {
    for (let host = 2; host <= 254; host++) {
      if (this.used.has(host)) continue;
      this.used.add(host);
      return formatIpv4((this.base + host) >>> 0);
    }
    return undefined;
  }

  release(ip: string): void {
    const n = parseIpv4(ip);
    if (n !== undefined) this.used.delete(n - this.base);
  }
}
