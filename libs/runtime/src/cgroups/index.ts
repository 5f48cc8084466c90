export type { CgroupLayout, CgroupManager, CgroupStats, CgroupWrite, Controller } from './types.js';
export { detectCgroupLayout, openCgroup, parseMountinfo } from './detect.js';
export { CgroupV1 } from './v1.js';
export { CgroupV2 } from './v2.js';
export { sharesToWeight } from './cpu.js';
export { compileDeviceProgram, type DeviceRuleN } from './devices-bpf.js';
export { applyDeviceProgram, deviceProgramIds } from './devices-v2.js';
export { deviceRules } from './devices.js';
