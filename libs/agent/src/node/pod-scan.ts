/**
 * Reads the few fields an agent acts on out of an encoded WatchEvent carrying a Pod, without
 * decoding the Pod. A hollow agent watches every pod, and most events need no action (a pod
 * created but not yet bound, the echo of its own Running report): decoding each into objects
 * was a tenth of the agent's CPU and much of its garbage. The full Pod is decoded only when it
 * is needed (ScannedPod.pod()). Field numbers are those of proto/tsk/v1 (api, pod, meta).
 */
import { Pod, PodStatus, wireFields as fields, WireReader as Reader, WIRE_LEN, WIRE_VARINT } from '@tsk/api';


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
/** PodSpec: containers = 3. Container: name = 1, image = 2. */
const SPEC_CONTAINERS = 3;
const CONTAINER_NAME = 1;
const CONTAINER_IMAGE = 2;

/** A container as a status report needs it. */
export interface ContainerRef {
  readonly name: string;
  readonly image: string;
}

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
  /** Where spec and status lie in `raw` (-1: absent; a field sent twice forces a full decode). */
  specStart = -1;
  specEnd = -1;
  statusStart = -1;
  statusEnd = -1;
  split = false;

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

  /** The pod's status alone, decoded without the rest of the pod. */
  status(): PodStatus | undefined {
    if (this.decoded !== undefined || this.raw === undefined || this.split) return this.pod().status;
    return this.statusStart < 0 ? undefined : PodStatus.decode(this.raw.subarray(this.statusStart, this.statusEnd));
  }

  /** Name and image of each container (spec.containers), read without decoding the spec. */
  containers(): ContainerRef[] {
    if (this.decoded !== undefined || this.raw === undefined || this.split) return (this.pod().spec?.containers ?? []).map((c) => ({ name: c.name ?? '', image: c.image ?? '' }));
    const out: ContainerRef[] = [];
    if (this.specStart < 0) return out;
    const r = new Reader(this.raw);
    r.pos = this.specStart;
    fields(r, this.specEnd, (n, wt) => {
      if (n !== SPEC_CONTAINERS || wt !== WIRE_LEN) return false;
      let name = '';
      let image = '';
      fields(r, r.lenEnd(), (m, mwt) => {
        if (mwt !== WIRE_LEN) return false;
        if (m === CONTAINER_NAME) name = r.string();
        else if (m === CONTAINER_IMAGE) image = r.string();
        else return false;
        return true;
      });
      out.push({ name, image });
      return true;
    });
    return out;
  }
}

export interface ScannedEvent {
  readonly type: string;
  /** Absent when the event carries no pod (a bookmark may carry none). */
  readonly pod: ScannedPod | undefined;
  /** An ERROR event's code (410: the resourceVersion was compacted). */
  readonly errorCode: number;
}

// The scans below are plain loops over Reader.next (no closures): they run for every event.

function scanMeta(r: Reader, end: number, p: ScannedPod): void {
  for (let tag = r.next(end); tag >= 0; tag = r.next(end)) {
    const n = Math.floor(tag / 8);
    if ((tag & 7) !== WIRE_LEN) r.skip(tag & 7);
    else if (n === META_NAME) p.name = r.string();
    else if (n === META_NAMESPACE) p.namespace = r.string();
    else if (n === META_UID) p.uid = r.string();
    else if (n === META_RESOURCE_VERSION) p.resourceVersion = r.string();
    else if (n === META_DELETION_TIMESTAMP) p.deletionTimestamp = r.string();
    else r.skip(WIRE_LEN);
  }
}

function scanSpec(r: Reader, end: number, p: ScannedPod): void {
  for (let tag = r.next(end); tag >= 0; tag = r.next(end)) {
    if (tag === ((SPEC_NODE_NAME << 3) | WIRE_LEN)) p.nodeName = r.string();
    else r.skip(tag & 7);
  }
}

function scanStatus(r: Reader, end: number, p: ScannedPod): void {
  for (let tag = r.next(end); tag >= 0; tag = r.next(end)) {
    if (tag === ((STATUS_PHASE << 3) | WIRE_LEN)) p.phase = r.string();
    else if (tag === ((STATUS_POD_IP << 3) | WIRE_LEN)) p.podIP = r.string();
    else r.skip(tag & 7);
  }
}

function scanPod(r: Reader, end: number): ScannedPod {
  const start = r.pos;
  const p = new ScannedPod(r.b.subarray(start, end));
  for (let tag = r.next(end); tag >= 0; tag = r.next(end)) {
    const n = Math.floor(tag / 8);
    if ((tag & 7) !== WIRE_LEN) {
      r.skip(tag & 7);
      continue;
    }
    const fieldEnd = r.lenEnd();
    if (n === POD_METADATA) {
      scanMeta(r, fieldEnd, p);
    } else if (n === POD_SPEC) {
      p.split ||= p.specStart >= 0;
      p.specStart = r.pos - start;
      p.specEnd = fieldEnd - start;
      scanSpec(r, fieldEnd, p);
    } else if (n === POD_STATUS) {
      p.split ||= p.statusStart >= 0;
      p.statusStart = r.pos - start;
      p.statusEnd = fieldEnd - start;
      scanStatus(r, fieldEnd, p);
    } else {
      r.pos = fieldEnd;
    }
  }
  return p;
}

/** Scans an encoded tsk.v1.WatchEvent of a Pod watch. */
export function scanPodEvent(bytes: Uint8Array): ScannedEvent {
  const r = new Reader(bytes);
  const end = r.b.length;
  let type = '';
  let pod: ScannedPod | undefined;
  let errorCode = 0;
  for (let tag = r.next(end); tag >= 0; tag = r.next(end)) {
    if (tag === ((EVENT_TYPE << 3) | WIRE_LEN)) {
      type = r.string();
    } else if (tag === ((EVENT_OBJECT << 3) | WIRE_LEN)) {
      const objectEnd = r.lenEnd();
      for (let t = r.next(objectEnd); t >= 0; t = r.next(objectEnd)) {
        if (t === ((OBJECT_POD << 3) | WIRE_LEN)) pod = scanPod(r, r.lenEnd());
        else r.skip(t & 7);
      }
    } else if (tag === ((EVENT_STATUS << 3) | WIRE_LEN)) {
      const statusEnd = r.lenEnd();
      for (let t = r.next(statusEnd); t >= 0; t = r.next(statusEnd)) {
        if (t === ((ERROR_CODE << 3) | WIRE_VARINT)) errorCode = r.int32();
        else r.skip(t & 7);
      }
    } else {
      r.skip(tag & 7);
    }
  }
  return { type, pod, errorCode };
}
