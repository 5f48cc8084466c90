/**
 * Cluster IPs (10.96.0.0/16) and node ports (30000-32767) for Services, allocated by the API
 * server as Kubernetes does. Each allocation is a store key created if absent
 * (`/registry/allocations/serviceips/10.96.3.7` → "namespace/name"), so two API servers over one
 * etcd can never hand out the same address. There is no release on delete: a taken key whose
 * owner no longer exists (or no longer holds that address) is taken over by compare-and-swap,
 * which also repairs what a crash between reservation and create would leak.
 */
import { InvalidError, kindOf, type Service } from '@tsk/api';
import { type Store } from '@tsk/store';
import { decodeStored } from './codec.js';
import { objectKey } from './keys.js';

/** 10.96.0.0/16: .0.1 is the API's own address and .0.10 the cluster DNS, as in Kubernetes. */
const SERVICE_NET = (10 << 24) | (96 << 16);
const SERVICE_SIZE = 1 << 16;
const RESERVED_OFFSETS = new Set([0, 1, 10, SERVICE_SIZE - 1]);
const NODE_PORT_MIN = 30000;
const NODE_PORT_MAX = 32767;
const PREFIX = '/registry/allocations/';

function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** A start point spread by name, so sequential creates do not all probe the same addresses. */
function startOffset(seed: string, size: number): number {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  return (h >>> 0) % size;
}

export class ServiceAllocator {
  private readonly serviceInfo = kindOf('Service');

  constructor(private readonly store: Store) {}

  /**
   * Fills spec.clusterIP/clusterIPs (unless headless or already set, when the requested address
   * is reserved instead) and every missing nodePort of a NodePort service. Throws InvalidError
   * naming the field when a requested address or port is taken or out of range.
   */
  async allocate(service: Service): Promise<void> {
    const spec = (service.spec ??= {});
    const owner = `${service.metadata?.namespace ?? ''}/${service.metadata?.name ?? ''}`;
    const requested = spec.clusterIP ?? '';
    if (requested !== 'None') {
      if (requested === '') {
        spec.clusterIP = await this.allocateIp(owner);
      } else {
        const n = ipToInt(requested);
        if (n === undefined || (n & 0xffff0000) !== SERVICE_NET) {
          throw new InvalidError(`${requested} is not in the service network 10.96.0.0/16`, 'spec.clusterIP');
        }
        if (!(await this.reserve(`serviceips/${requested}`, owner, (s) => s.spec?.clusterIP === requested))) {
          throw new InvalidError(`${requested}: provided IP is already allocated`, 'spec.clusterIP');
        }
      }
      spec.clusterIPs = [spec.clusterIP ?? ''];
    }
    if ((spec.type ?? '') === 'NodePort') {
      const ports = spec.ports ?? [];
      for (let i = 0; i < ports.length; i++) {
        const port = ports[i]!;
        const protocol = port.protocol || 'TCP';
        const holds = (p: number) => (s: Service) => (s.spec?.ports ?? []).some((q) => q.nodePort === p && (q.protocol || 'TCP') === protocol);
        if (port.nodePort) {
          if (!(await this.reserve(`nodeports/${protocol}/${port.nodePort}`, owner, holds(port.nodePort)))) {
            throw new InvalidError(`${port.nodePort}: provided port is already allocated`, `spec.ports[${i}].nodePort`);
          }
          continue;
        }
        port.nodePort = await this.allocatePort(owner, protocol, holds);
      }
    }
  }

  private async allocateIp(owner: string): Promise<string> {
    const start = startOffset(owner, SERVICE_SIZE);
    for (let i = 0; i < SERVICE_SIZE; i++) {
      const offset = (start + i) % SERVICE_SIZE;
      if (RESERVED_OFFSETS.has(offset)) continue;
      const ip = intToIp((SERVICE_NET | offset) >>> 0);
      if (await this.reserve(`serviceips/${ip}`, owner, (s) => s.spec?.clusterIP === ip)) return ip;
    }
    throw new InvalidError('no cluster IP is free in 10.96.0.0/16', 'spec.clusterIP');
  }

  private async allocatePort(owner: string, protocol: string, holds: (p: number) => (s: Service) => boolean): Promise<number> {
    const size = NODE_PORT_MAX - NODE_PORT_MIN + 1;
    const start = startOffset(`${owner}/${protocol}`, size);
    for (let i = 0; i < size; i++) {
      const port = NODE_PORT_MIN + ((start + i) % size);
      if (await this.reserve(`nodeports/${protocol}/${port}`, owner, holds(port))) return port;
    }
    throw new InvalidError(`no ${protocol} node port is free in ${NODE_PORT_MIN}-${NODE_PORT_MAX}`, 'spec.ports');
  }

  /**
   * Takes `name` for `owner`. True when it was free, already ours, or held by a Service that no
   * longer exists or no longer uses it (`stillHeld` says whether the holder still does).
   */
  private async reserve(name: string, owner: string, stillHeld: (s: Service) => boolean): Promise<boolean> {
    const key = PREFIX + name;
    const value = new TextEncoder().encode(owner);
    const created = await this.store.create(key, value);
    if (created.succeeded) return true;
    const kv = created.kv;
    if (kv === undefined) return false;
    const holder = new TextDecoder().decode(kv.value);
    if (holder === owner) return true;
    const slash = holder.indexOf('/');
    const { kv: svc } = await this.store.get(objectKey(this.serviceInfo, holder.slice(0, slash), holder.slice(slash + 1)));
    if (svc !== undefined && stillHeld(decodeStored(this.serviceInfo, svc) as Service)) return false;
    const taken = await this.store.update(key, value, kv.modRevision);
    return taken.succeeded;
  }
}
