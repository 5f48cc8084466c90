/**
 * Device access (v1 devices controller). The config's rules come first (runc spec denies all),
 * then the devices every container gets in /dev are allowed, as runc does. v2 needs an eBPF
 * device program, which tsk does not load: there the missing CAP_MKNOD and the /dev tmpfs
 * with only standard nodes are the guard.
 */
import type { Controller, CgroupWrite } from './types.js';

export const DEFAULT_DEVICE_RULES: readonly string[] = [
  'c *:* m', 'b *:* m',
  'c 1:3 rwm', 'c 1:5 rwm', 'c 1:7 rwm', 'c 1:8 rwm', 'c 1:9 rwm', 'c 5:0 rwm',
  'c 5:1 rwm', 'c 5:2 rwm', 'c 136:* rwm', 'c 10:200 rwm',
];

export const devices: Controller = {
  name: 'devices',
  v1(r) {
    const out: CgroupWrite[] = [];
    (r.devices ?? []).forEach((d, i) => {
      const rule = `${d.type ?? 'a'} ${d.major ?? '*'}:${d.minor ?? '*'} ${d.access ?? 'rwm'}`;
      out.push({ controller: 'devices', file: d.allow ? 'devices.allow' : 'devices.deny', value: rule, field: `linux.resources.devices[${i}]` });
    });
    for (const rule of DEFAULT_DEVICE_RULES) out.push({ controller: 'devices', file: 'devices.allow', value: rule, field: 'default devices' });
    return out;
  },
  v2() {
    return [];
  },
};
