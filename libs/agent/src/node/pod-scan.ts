/**
 * Reads the few fields an agent acts on out of an encoded WatchEvent carrying a Pod, without
 * decoding the Pod. A hollow agent watches every pod, and most events need no action (a pod
 * created but not yet bound, the echo of its own Running report): decoding each into objects
 * was a tenth of the agent's CPU and much of its garbage. The full Pod is decoded only when it
 * is needed (ScannedPod.pod()). Field numbers are those of proto/tsk/v1 (api, pod, meta).
 */
import { Pod } from '@tsk/api';
import { fields, Reader, WIRE_LEN, WIRE_VARINT } from './wire.js';


/** WatchEvent: string type = 1; Object object = 2; Status status = 3. Object: Pod pod = 3. */
const EVENT_TYPE = 1;
const EVENT_OBJECT = 2;
const EVENT_STATUS = 3;
const OBJECT_POD = 3;
/** Pod: ObjectMeta metadata = 3; PodSpec spec = 4; PodStatus status = 5. */
const POD_METADATA = 3;
const POD_SPEC = 4;
const POD_STATUS = 5;
/** ObjectMeta: name = 1, namespace = 3, uid = 4, resourceVersion = 5, deletionTimestamp = 8. */
const META_NAME = 1;
const META_NAMESPACE = 3;
const META_UID = 4;
const META_RESOURCE_VERSION = 5;
const META_DELETION_TIMESTAMP = 8;
/** PodSpec: nodeName = 9. PodStatus: phase = 1, podIP = 6. Status (meta.proto): int32 code = 1. */
const SPEC_NODE_NAME = 9;
const STATUS_PHASE = 1;
const STATUS_POD_IP = 6;
const ERROR_CODE = 1;

/** The fields of a pod an agent decides on; pod() decodes the whole object (once). */
export class ScannedPod {
  name = '';
  namespace = '';
  uid = '';
  resourceVersion = '';
  deletionTimestamp = '';
  nodeName = '';
  phase = '';
  podIP = '';
  private decoded: Pod | undefined;

  constructor(
    /** The encoded Pod, when scanned from a frame. */
    readonly raw: Uint8Array | undefined,
    decoded?: Pod,
  ) {
    this.decoded = decoded;
  }

  /** From an already decoded pod (a List's items). */
  static of(pod: Pod): ScannedPod {
    const s = new ScannedPod(undefined, pod);
    const m = pod.metadata;
    s.name = m?.name ?? '';
    s.namespace = m?.namespace ?? '';
    s.uid = m?.uid ?? '';
    s.resourceVersion = m?.resourceVersion ?? '';
    s.deletionTimestamp = m?.deletionTimestamp ?? '';
    s.nodeName = pod.spec?.nodeName ?? '';
    s.phase = pod.status?.phase ?? '';
    s.podIP = pod.status?.podIP ?? '';
    return s;
  }

  /** The whole Pod, as the generated decoder makes it. */
  pod(): Pod {
    this.decoded ??= Pod.decode(this.raw ?? new Uint8Array());
    return this.decoded;
  }
}

export interface ScannedEvent {
  readonly type: string;
  /** Absent when the event carries no pod (a bookmark may carry none). */
  readonly pod: ScannedPod | undefined;
  /** An ERROR event's code (410: the resourceVersion was compacted). */
  readonly errorCode: number;
}

function scanPod(r: Reader, end: number): ScannedPod {
  const start = r.pos;
  const p = new ScannedPod(r.b.subarray(start, end));
  fields(r, end, (n, wt) => {
    if (wt !== WIRE_LEN) return false;
    if (n === POD_METADATA) {
      fields(r, r.lenEnd(), (m, mwt) => {
        if (mwt !== WIRE_LEN) return false;
        if (m === META_NAME) p.name = r.string();
        else if (m === META_NAMESPACE) p.namespace = r.string();
        else if (m === META_UID) p.uid = r.string();
        else if (m === META_RESOURCE_VERSION) p.resourceVersion = r.string();
        else if (m === META_DELETION_TIMESTAMP) p.deletionTimestamp = r.string();
        else return false;
        return true;
      });
      return true;
    }
    if (n === POD_SPEC) {
      fields(r, r.lenEnd(), (m, mwt) => {
        if (mwt !== WIRE_LEN || m !== SPEC_NODE_NAME) return false;
        p.nodeName = r.string();
        return true;
      });
      return true;
    }
    if (n === POD_STATUS) {
      fields(r, r.lenEnd(), (m, mwt) => {
        if (mwt !== WIRE_LEN) return false;
        if (m === STATUS_PHASE) p.phase = r.string();
        else if (m === STATUS_POD_IP) p.podIP = r.string();
        else return false;
        return true;
      });
      return true;
    }
    return false;
  });
  return p;
}

/** Scans an encoded tsk.v1.WatchEvent of a Pod watch. */
export function scanPodEvent(bytes: Uint8Array): ScannedEvent {
  const r = new Reader(bytes);
  let type = '';
  let pod: ScannedPod | undefined;
  let errorCode = 0;
  fields(r, r.b.length, (n, wt) => {
    if (wt !== WIRE_LEN) return false;
    if (n === EVENT_TYPE) {
      type = r.string();
    } else if (n === EVENT_OBJECT) {
      fields(r, r.lenEnd(), (m, mwt) => {
        if (mwt !== WIRE_LEN || m !== OBJECT_POD) return false;
        const end = r.lenEnd();
        pod = scanPod(r, end);
        return true;
      });
    } else if (n === EVENT_STATUS) {
      fields(r, r.lenEnd(), (m, mwt) => {
        if (mwt !== WIRE_VARINT || m !== ERROR_CODE) return false;
        errorCode = r.int32();
        return true;
      });
    } else {
      return false;
    }
    return true;
  });
  return { type, pod, errorCode };
}
