/**
 * @tsk/api: the wire types (generated from proto/ by ts-proto, in gen/), the kind registry,
 * strict Kubernetes-shaped YAML/JSON conversion, selectors, validation and defaults.
 */
export * from './gen/tsk/v1/meta.js';
export * from './gen/tsk/v1/pod.js';
export * from './gen/tsk/v1/core.js';
export * from './gen/tsk/v1/workloads.js';
export {
  Object as TskObject,
  ObjectsService,
  ObjectsClient,
  type ObjectsServer,
  GetRequest,
  ListRequest,
  ListResponse,
  CreateRequest,
  UpdateRequest,
  DeleteRequest,
  ApplyRequest,
  ApplyResult,
  ApplyResponse,
  ApplyManifestRequest,
  WatchRequest,
  WatchEvent,
  VersionRequest,
  VersionResponse,
  BatchRequest,
  BatchOperation,
  BatchResult,
  BatchResponse,
} from './gen/tsk/v1/api.js';
export * from './errors.js';
export * from './kinds.js';
export { unwrap, wrap, metaOf, objectRef, encodeObject, decodeObject, cloneObject, type Unwrapped } from './object.js';
export * from './convert.js';
export * from './manifest.js';
export * from './selectors.js';
export type { FieldSchema, MessageSchema, FieldType } from './schema-types.js';
export * from './quantity.js';
export { validateObject, type ValidateOptions } from './validation/index.js';
export { applyDefaults, carryOverAllocated, DEFAULT_NAMESPACE, defaultPullPolicy, JOB_CONTROLLER_UID_LABEL, JOB_NAME_LABEL, NAMESPACE_NAME_LABEL } from './defaults/index.js';
export { threeWayMerge, LAST_APPLIED_ANNOTATION, lastAppliedConfiguration, setLastApplied, getLastApplied } from './apply/index.js';
export { fields as wireFields, Reader as WireReader, varintLength, WireError, WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT, writeVarint } from './wire.js';
