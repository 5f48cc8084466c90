/** Which CPUs and memory nodes the container may use. */
import type { Controller, CgroupWrite } from './types.js';

const writes = (r: Parameters<Controller['v1']>[0]): CgroupWrite[] => {
  const out: CgroupWrite[] = [];
  if (r.cpu?.cpus) out.push({ controller: 'cpuset', file: 'cpuset.cpus', value: r.cpu.cpus, field: 'linux.resources.cpu.cpus' });
  if (r.cpu?.mems) out.push({ controller: 'cpuset', file: 'cpuset.mems', value: r.cpu.mems, field: 'linux.resources.cpu.mems' });
  return out;
};

export const cpuset: Controller = { name: 'cpuset', v1: writes, v2: writes };
