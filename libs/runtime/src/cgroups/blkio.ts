/** Block I/O weight and throttling per device ("Disk I/O 100 MB/s"): v1 blkio, v2 io. */
import type { Controller, CgroupWrite } from './types.js';
import type { ThrottleDevice } from '../spec.js';

const F = 'linux.resources.blockIO';
const KINDS = [
  ['throttleReadBpsDevice', 'blkio.throttle.read_bps_device', 'rbps'],
  ['throttleWriteBpsDevice', 'blkio.throttle.write_bps_device', 'wbps'],
  ['throttleReadIOPSDevice', 'blkio.throttle.read_iops_device', 'riops'],
  ['throttleWriteIOPSDevice', 'blkio.throttle.write_iops_device', 'wiops'],
] as const;

export const blkio: Controller = {
  name: 'blkio',
  v1(r) {
    const b = r.blockIO;
    const out: CgroupWrite[] = [];
    if (!b) return out;
    if (b.weight !== undefined) out.push({ controller: 'blkio', file: 'blkio.weight', value: String(b.weight), field: `${F}.weight` });
    for (const [key, file] of KINDS) {
      for (const d of b[key] ?? []) out.push({ controller: 'blkio', file, value: `${d.major}:${d.minor} ${d.rate}`, field: `${F}.${key}` });
    }
    return out;
  },
  v2(r) {
    const b = r.blockIO;
    const out: CgroupWrite[] = [];
    if (!b) return out;
    // v1 weight 10..1000 → v2 io.weight 1..10000, as runc converts.
    if (b.weight !== undefined) out.push({ controller: 'io', file: 'io.weight', value: String(Math.max(1, Math.round(1 + ((b.weight - 10) * 9999) / 990))), field: `${F}.weight` });
    const perDevice = new Map<string, string[]>();
    for (const [key, , name] of KINDS) {
      for (const d of (b[key] ?? []) as ThrottleDevice[]) {
        const dev = `${d.major}:${d.minor}`;
        perDevice.set(dev, [...(perDevice.get(dev) ?? []), `${name}=${d.rate}`]);
      }
    }
    for (const [dev, limits] of perDevice) out.push({ controller: 'io', file: 'io.max', value: `${dev} ${limits.join(' ')}`, field: `${F}.throttle*` });
    return out;
  },
};
