/**
 * Memory limit, reservation and memory+swap. OCI's `swap` is memory+swap (v1's memsw); v2's
 * memory.swap.max counts swap alone, hence the subtraction.
 */
import type { Controller, CgroupWrite } from './types.js';

const F = 'linux.resources.memory';

export const memory: Controller = {
  name: 'memory',
  v1(r) {
    const m = r.memory;
    const out: CgroupWrite[] = [];
    if (!m) return out;
    if (m.limit !== undefined) out.push({ controller: 'memory', file: 'memory.limit_in_bytes', value: String(m.limit), field: `${F}.limit` });
    if (m.reservation !== undefined) out.push({ controller: 'memory', file: 'memory.soft_limit_in_bytes', value: String(m.reservation), field: `${F}.reservation` });
    if (m.swap !== undefined) out.push({ controller: 'memory', file: 'memory.memsw.limit_in_bytes', value: String(m.swap), field: `${F}.swap` });
    if (m.disableOOMKiller) out.push({ controller: 'memory', file: 'memory.oom_control', value: '1', field: `${F}.disableOOMKiller` });
    return out;
  },
  v2(r) {
    const m = r.memory;
    const out: CgroupWrite[] = [];
    if (!m) return out;
    const max = (v: number): string => (v < 0 ? 'max' : String(v));
    if (m.limit !== undefined) out.push({ controller: 'memory', file: 'memory.max', value: max(m.limit), field: `${F}.limit` });
    if (m.reservation !== undefined) out.push({ controller: 'memory', file: 'memory.low', value: max(m.reservation), field: `${F}.reservation` });
    if (m.swap !== undefined) {
      const swap = m.swap < 0 ? 'max' : String(Math.max(0, m.swap - (m.limit ?? 0)));
      out.push({ controller: 'memory', file: 'memory.swap.max', value: swap, field: `${F}.swap` });
    }
    return out;
  },
};
