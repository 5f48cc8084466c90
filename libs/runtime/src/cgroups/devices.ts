/**
 * Device access. The config's rules come first (runc spec denies all), then the devices every
 * container gets in /dev are allowed, as runc does. v1 writes them to devices.allow/deny; v2
 * has no such files and checks devices with an eBPF program compiled from the same rules
 * (devices-bpf.ts), loaded and attached by devices-v2.ts, not by file writes.
 */
import type { Resources } from '../spec.js';
import { normalizeDeviceRule, parseDeviceRule, type DeviceRuleN } from './devices-bpf.js';
import type { Controller, CgroupWrite } from './types.js';

export const DEFAULT_DEVICE_RULES: readonly string[] = [
  'c *:* m', 'b *:* m',
  'c 1:3 rwm', 'c 1:5 rwm', 'c 1:7 rwm', 'c 1:8 rwm', 'c 1:9 rwm', 'c 5:0 rwm',
  'c 5:1 rwm', 'c 5:2 rwm', 'c 136:* rwm', 'c 10:200 rwm',
];

/** The config's rules, checked, then the defaults: the list both versions enforce, in order. */
export function deviceRules(r: Resources): DeviceRuleN[] {
  return [
    ...(r.devices ?? []).map((d, i) => normalizeDeviceRule(d, `linux.resources.devices[${i}]`)),
    ...DEFAULT_DEVICE_RULES.map((rule) => parseDeviceRule(true, rule, 'default devices')),
  ];
}

export const devices: Controller = {
  name: 'devices',
  v1(r) {
    return deviceRules(r).map((d): CgroupWrite => ({
      controller: 'devices',
      file: d.allow ? 'devices.allow' : 'devices.deny',
      value: `${d.type} ${d.major ?? '*'}:${d.minor ?? '*'} ${d.access}`,
      field: d.field,
    }));
  },
  v2() {
    return [];
  },
};
