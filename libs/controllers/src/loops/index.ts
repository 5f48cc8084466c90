/** The I/O side of the controllers: informers → work queues → reconcilers → the applier. */
export { WorkQueue, backoffDelayMs, BASE_BACKOFF_MS, MAX_BACKOFF_MS, type WorkQueueOptions } from './queue.js';
export { Applier, withDefaultTolerations, type ApplierOptions, type ApplyResult } from './applier.js';
export { Controller, type ControllerOptions, type ControllerMetrics } from './controller.js';
export { ByNamespace } from './by-namespace.js';
export {
  ControllerManager,
  ALL_CONTROLLERS,
  NODE_LEASE_NAMESPACE,
  NODES_KEY,
  GC_KEY,
  type ControllerManagerOptions,
  type ControllerName,
} from './manager.js';
