/** CPU share and quota: "2 cores" is quota 200000 over period 100000. */
import type { Controller, CgroupWrite } from './types.js';

/** runc's conversion of v1 shares (2..262144) to v2 weight (1..10000). */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  return Math.floor(1 + ((shares - 2) * 9999) / 262142);
}

export const cpu: Controller = {
  name: 'cpu',
  v1(r) {
    const c = r.cpu;
    const out: CgroupWrite[] = [];
    if (!c) return out;
    if (c.shares !== undefined) out.push({ controller: 'cpu', file: 'cpu.shares', value: String(c.shares), field: 'linux.resources.cpu.shares' });
    if (c.period !== undefined) out.push({ controller: 'cpu', file: 'cpu.cfs_period_us', value: String(c.period), field: 'linux.resources.cpu.period' });
    if (c.quota !== undefined) out.push({ controller: 'cpu', file: 'cpu.cfs_quota_us', value: String(c.quota), field: 'linux.resources.cpu.quota' });
    return out;
  },
  v2(r) {
    const c = r.cpu;
    const out: CgroupWrite[] = [];
    if (!c) return out;
    if (c.shares !== undefined) out.push({ controller: 'cpu', file: 'cpu.weight', value: String(sharesToWeight(c.shares)), field: 'linux.resources.cpu.shares' });
    if (c.quota !== undefined || c.period !== undefined) {
      const quota = c.quota === undefined || c.quota <= 0 ? 'max' : String(c.quota);
      out.push({ controller: 'cpu', file: 'cpu.max', value: `${quota} ${c.period ?? 100000}`, field: 'linux.resources.cpu.quota' });
    }
    return out;
  },
};
