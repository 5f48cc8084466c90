/** Process count limit (fork bombs stop here). */
import type { Controller, CgroupWrite } from './types.js';

const writes = (r: Parameters<Controller['v1']>[0]): CgroupWrite[] =>
  r.pids === undefined ? [] : [{ controller: 'pids', file: 'pids.max', value: r.pids.limit > 0 ? String(r.pids.limit) : 'max', field: 'linux.resources.pids.limit' }];

export const pids: Controller = { name: 'pids', v1: writes, v2: writes };
