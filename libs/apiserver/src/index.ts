/**
 * @tsk/apiserver: the tsk.v1.Objects API over a Store: verbs with Kubernetes semantics, the watch
 * cache, namespace lifecycle, compaction, and the gRPC and HTTP listeners.
 */
export { ApiServer, splitHostPort, MAX_RECEIVE_BYTES, type ApiServerOptions } from './server.js';
export { HttpServer, type HttpHandler } from './http.js';
export { Storage, type ListQuery, type ListPage, type WriteCallOptions } from './storage.js';
export { deleteObject, SYSTEM_NAMESPACES, type DeleteOptions, type PropagationPolicy } from './deletion.js';
export { applyObjects, type ApplyAction, type ApplyInput, type ApplyOutput, type ApplyOptions } from './apply.js';
export { objectKey, listPrefix, kindPrefix } from './keys.js';
export { MemoryStore } from './testing/memory-store.js';
