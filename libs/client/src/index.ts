/**
 * @tsk/client: the typed gRPC client of the Objects service, resumable watches and informers,
 * shared by tsctl, controllers, the scheduler and node agents.
 */
export { ApiClient, connect, resolveKind, DEFAULT_DEADLINE_MS } from './client.js';
export { Informer, keyOf, type InformerOptions, type AddHandler, type UpdateHandler, type DeleteHandler } from './informer.js';
export { InformerFactory } from './factory.js';
export { modify, type ModifyOptions } from './conflict.js';
export { fromGrpcError, isRetryable } from './errors.js';
export { Backoff, sleep, type BackoffOptions } from './backoff.js';
export { laterVersion } from './watch.js';
export { FakeObjectsServer, type FakeServerOptions } from './fake-server.js';
export * from './types.js';
export { Limiter } from './limiter.js';
export { EventRecorder, eventTimestamp, DEFAULT_EVENT_QPS, type EventRecorderOptions, type EventRecorderMetrics, type RecordedEvent } from './events.js';
export { type CorrelatorOptions } from './event-correlator.js';
