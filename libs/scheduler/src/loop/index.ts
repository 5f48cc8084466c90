/** The scheduling loop: the I/O around the pure core (informers, queue, binds, events, leader election). */
export { SchedulerLoop, DEFAULT_SEED, DEFAULT_PARALLELISM, type SchedulerLoopOptions, type SchedulerMetrics } from './loop.js';
export { SchedulingQueue, backoffMs, INITIAL_BACKOFF_MS, MAX_BACKOFF_MS, type QueueClock } from './queue.js';
export { LeaderElector, LEADER_LEASE_NAMESPACE, SCHEDULER_LEASE_NAME, type LeaderElectionOptions } from './leader.js';
export { DEFAULT_SCHEDULER_NAME, isPendingFor, unschedulableStatus } from './pods.js';
