/** Every resource controller, in the order limits are written (cpuset before tasks join). */
import { blkio } from './blkio.js';
import { cpu } from './cpu.js';
import { cpuset } from './cpuset.js';
import { devices } from './devices.js';
import { memory } from './memory.js';
import { pids } from './pids.js';
import type { Controller } from './types.js';

export const CONTROLLERS: readonly Controller[] = [cpuset, cpu, memory, pids, blkio, devices];
