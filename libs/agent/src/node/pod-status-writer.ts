/**
 * Pod status reports, written in Batch calls built from the bytes the watch delivered. An
 * UpdateStatus of a pod carries the whole pod; through ApiClient every report decoded the pod,
 * built a new object, encoded all of it again and decoded the whole answer, which was half of
 * a hollow agent's CPU per pod. Here the watched Pod's encoding is reused as it is: its
 * metadata.resourceVersion is cut out (the write is unconditional: the agent owns the status)
 * and its status replaced by the new one, encoded alone; of the answers only the codes are read.
 * What the server gets is exactly what ApiClient.updateStatus would send (same operation, same
 * object, in Batch calls as its write coalescing makes them).
 *
 * Reports wait `delayMs` after the first one so that a burst goes in one call; at most
 * `maxInFlight` calls are out at once. A server without Batch gets ApiClient.updateStatus.
 */
import {
  BatchRequest,
  Pod,
  PodStatus,
  TskError,
  varintLength,
  wireFields as fields,
  WireReader as Reader,
  WIRE_LEN,
  WIRE_VARINT,
  writeVarint,
  type ObjectMeta,
} from '@tsk/api';
import { DEFAULT_DEADLINE_MS, fromGrpcError, type ApiClient } from '@tsk/client';
import { type ScannedPod } from './pod-scan.js';

const BATCH_PATH = '/tsk.v1.Objects/Batch';
/** gRPC's UNIMPLEMENTED: a server older than Batch (it did nothing). */
const UNIMPLEMENTED = 12;
/** Pod: metadata = 3, status = 5 (its last field). ObjectMeta: resourceVersion = 5. */
const POD_METADATA = 3;
const POD_STATUS_TAG = (5 << 3) | WIRE_LEN;
const META_RESOURCE_VERSION = 5;
/** BatchRequest.operations = 1 > BatchOperation.updateStatus = 3 > UpdateRequest.object = 1 > Object.pod = 3. */
const OPERATIONS_TAG = (1 << 3) | WIRE_LEN;
const UPDATE_STATUS_TAG = (3 << 3) | WIRE_LEN;
const OBJECT_TAG = (1 << 3) | WIRE_LEN;
const POD_TAG = (3 << 3) | WIRE_LEN;
const METADATA_TAG = (POD_METADATA << 3) | WIRE_LEN;

export interface PodStatusWriterOptions {
  /** How long the first report of a burst waits for others to join its call. */
  readonly delayMs: number;
  readonly maxInFlight?: number;
  /** Operations per call (the server takes up to 1,000). */
  readonly maxOperations?: number;
}

interface Pending {
  /** The operation, encoded; all that is kept of the pod and its status while the write waits. */
  readonly frame: Buffer;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * One BatchRequest `operations` entry: an updateStatus of the pod encoded as `pod` (pieces to
 * be joined), built around it without copying it twice.
 */
export function operationFrame(pod: readonly Uint8Array[]): Buffer {
  let podLen = 0;
  for (const p of pod) podLen += p.length;
  const objectLen = 1 + varintLength(podLen) + podLen;
  const requestLen = 1 + varintLength(objectLen) + objectLen;
  const opLen = 1 + varintLength(requestLen) + requestLen;
  const out = Buffer.allocUnsafe(1 + varintLength(opLen) + opLen);
  let pos = 0;
  out[pos++] = OPERATIONS_TAG;
  pos = writeVarint(out, pos, opLen);
  out[pos++] = UPDATE_STATUS_TAG;
  pos = writeVarint(out, pos, requestLen);
  out[pos++] = OBJECT_TAG;
  pos = writeVarint(out, pos, objectLen);
  out[pos++] = POD_TAG;
  pos = writeVarint(out, pos, podLen);
  for (const p of pod) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/**
 * The pieces of an encoded Pod with metadata.resourceVersion left out and its status replaced by
 * `status` (encoded). Fields keep their order, and status is the Pod's last field, so for a
 * canonically encoded pod this is the encoding of the changed pod.
 */
export function podWithStatusPieces(raw: Uint8Array, status: Uint8Array): Uint8Array[] {
  const r = new Reader(raw);
  const pieces: Uint8Array[] = [];
  while (r.pos < r.b.length) {
    const fieldStart = r.pos;
    const tag = r.varint();
    const n = Math.floor(tag / 8);
    const wt = tag & 7;
    if (n === 5 && wt === WIRE_LEN) {
      r.skip(wt); // the old status
    } else if (n === POD_METADATA && wt === WIRE_LEN) {
      const end = r.lenEnd();
      const kept: Uint8Array[] = [];
      let keptLen = 0;
      let runStart = r.pos;
      fields(r, end, (m, mwt) => {
        if (m !== META_RESOURCE_VERSION || mwt !== WIRE_LEN) return false;
        const at = r.pos - 1; // its one-byte tag
        if (at > runStart) kept.push(r.b.subarray(runStart, at));
        r.skip(mwt);
        runStart = r.pos;
        return true;
      });
      if (end > runStart) kept.push(r.b.subarray(runStart, end));
      for (const k of kept) keptLen += k.length;
      const header = Buffer.allocUnsafe(1 + varintLength(keptLen));
      header[0] = METADATA_TAG;
      writeVarint(header, 1, keptLen);
      pieces.push(header, ...kept);
    } else {
      r.skip(wt);
      pieces.push(r.b.subarray(fieldStart, r.pos));
    }
  }
  const header = Buffer.allocUnsafe(1 + varintLength(status.length));
  header[0] = POD_STATUS_TAG;
  writeVarint(header, 1, status.length);
  pieces.push(header, status);
  return pieces;
}

/** The codes and messages of an encoded BatchResponse; the answered objects are skipped. */
export function scanBatchResults(bytes: Uint8Array): { code: number; message: string }[] {
  const r = new Reader(bytes);
  const results: { code: number; message: string }[] = [];
  fields(r, r.b.length, (n, wt) => {
    if (n !== 1 || wt !== WIRE_LEN) return false;
    const result = { code: 0, message: '' };
    fields(r, r.lenEnd(), (m, mwt) => {
      if (m === 1 && mwt === WIRE_VARINT) result.code = r.int32();
      else if (m === 2 && mwt === WIRE_LEN) result.message = r.string();
      else return false;
      return true;
    });
    results.push(result);
    return true;
  });
  return results;
}

export class PodStatusWriter {
  private queue: Pending[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private supported = true;

  constructor(
    private readonly client: ApiClient,
    private readonly options: PodStatusWriterOptions,
  ) {}

  /**
   * Replaces the pod's status with `status`, unconditionally (no resourceVersion). Rejects with
   * the typed error the write's unary call would have raised (NotFoundError for a gone pod).
   */
  write(pod: ScannedPod, status: PodStatus): Promise<void> {
    if (!this.supported) {
      const { resourceVersion: _rv, ...meta } = pod.pod().metadata ?? {};
      return this.client.updateStatus<Pod>('Pod', { ...pod.pod(), metadata: meta, status }).then(() => undefined);
    }
    const encodedStatus = PodStatus.encode(status).finish();
    const pieces = pod.raw !== undefined ? podWithStatusPieces(pod.raw, encodedStatus) : [Pod.encode(withoutVersion(pod.pod(), status)).finish()];
    const frame = operationFrame(pieces);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ frame, resolve, reject });
      this.timer ??= setTimeout(() => this.flush(), this.options.delayMs);
    });
  }

  /** Fails what waits (the agent is stopping). */
  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const queue = this.queue;
    this.queue = [];
    for (const p of queue) p.reject(new TskError('UNAVAILABLE', 'the status writer was closed'));
  }

  private flush(): void {
    this.timer = undefined;
    const max = this.options.maxOperations ?? 256;
    while (this.queue.length > 0 && this.inFlight < (this.options.maxInFlight ?? 4)) {
      const batch = this.queue.slice(0, max);
      this.queue = this.queue.slice(batch.length);
      this.send(batch);
    }
  }

  private send(batch: Pending[]): void {
    if (!this.supported) {
      // Rare (a server older than Batch): the pod is decoded back from its operation.
      for (const p of batch) {
        const op = BatchRequest.decode(p.frame).operations?.[0]?.updateStatus?.object?.pod ?? {};
        this.client.updateStatus<Pod>('Pod', op).then(() => p.resolve(), p.reject);
      }
      return;
    }
    this.inFlight++;
    const body = Buffer.concat(batch.map((p) => p.frame));
    this.client.raw.makeUnaryRequest(
      BATCH_PATH,
      (b: Buffer) => b,
      scanBatchResults,
      body,
      { deadline: new Date(Date.now() + DEFAULT_DEADLINE_MS) },
      (err, results) => {
        this.inFlight--;
        if (err !== null && err.code === UNIMPLEMENTED) {
          this.supported = false;
          this.send(batch);
        } else if (err !== null || results === undefined) {
          const e = fromGrpcError(err ?? new Error('no answer'), this.client.address);
          for (const p of batch) p.reject(e);
        } else {
          batch.forEach((p, i) => {
            const res = results[i];
            if (res === undefined) p.reject(new TskError('INTERNAL', `the server answered ${results.length} of ${batch.length} batched writes`));
            else if (res.code === 0) p.resolve();
            else p.reject(fromGrpcError(Object.assign(new Error(res.message), { code: res.code, details: res.message }), this.client.address));
          });
        }
        // Reports that waited for a free call go now.
        if (this.queue.length > 0 && this.timer === undefined) this.flush();
      },
    );
  }
}

function withoutVersion(pod: Pod, status: PodStatus): Pod {
  const { resourceVersion: _rv, ...meta }: ObjectMeta = pod.metadata ?? {};
  return { ...pod, metadata: meta, status };
}
