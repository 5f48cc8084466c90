/**
 * Write coalescing: the writes a client issues while others are on their way go to the server
 * together, as one Batch call, instead of one HTTP/2 stream, one handler run and one answer
 * each. A write issued alone still goes out at once as its own unary call, so an idle client
 * pays nothing; under load (a controller's burst of creates, an agent's status reports, a
 * scheduler's binds) most writes share a call, and the server commits them together.
 *
 * Every write keeps its own outcome: the batch is not a transaction, and a write that fails
 * rejects with the typed error its unary call would have raised. A server without Batch
 * (UNIMPLEMENTED, which means nothing was done) gets the writes one by one from then on.
 */
import { status as Status } from '@grpc/grpc-js';
import { BatchOperation, type BatchResult, type TskObject } from '@tsk/api';

/** Writes per Batch call; the server takes up to 1,000. */
export const MAX_WRITES_PER_CALL = 256;
/** Encoded bytes per Batch call; the server's limit is 16 MiB and one object may be 1.5 MiB. */
export const MAX_BYTES_PER_CALL = 4 * 1024 * 1024;
/** Calls in flight at once; the writes that arrive meanwhile wait and go together. */
export const MAX_CALLS_IN_FLIGHT = 4;

/** How the batcher reaches the server: one write alone, or many encoded ones in one call. */
export interface BatchTransport {
  unary(op: BatchOperation): Promise<TskObject>;
  /**
   * `body` is an encoded BatchRequest; resolves with one result per operation, or with
   * 'unimplemented' when the server has no Batch (and so did nothing).
   */
  batch(body: Buffer, count: number): Promise<BatchResult[] | 'unimplemented'>;
  /** The error a failed operation's status becomes (the same as for its unary call). */
  error(code: number, message: string): unknown;
}

interface Pending {
  readonly op: BatchOperation;
  readonly resolve: (o: TskObject) => void;
  readonly reject: (e: unknown) => void;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  settled: boolean;
}

/** The field-1 (operations) tag of BatchRequest, length-delimited. */
const OPERATIONS_TAG = (1 << 3) | 2;

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

export class WriteBatcher {
  private queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;
  private supported = true;

  constructor(private readonly transport: BatchTransport) {}

  /** Sends `op` (a create, update, status update or delete), alone or with others. */
  write(op: BatchOperation, signal: AbortSignal | undefined): Promise<TskObject> {
    signal?.throwIfAborted();
    return new Promise<TskObject>((resolve, reject) => {
      const p: Pending = { op, resolve, reject, signal, onAbort: undefined, settled: false };
      if (signal !== undefined) {
        // The write may still be done on the server, as with a cancelled unary call.
        p.onAbort = (): void => this.settle(p, undefined, signal.reason);
        signal.addEventListener('abort', p.onAbort, { once: true });
      }
      this.queue.push(p);
      this.schedule();
    });
  }

  /** Flushes after the current turn of the event loop: everything issued in it goes together. */
  private schedule(): void {
    if (this.scheduled || this.inFlight >= MAX_CALLS_IN_FLIGHT) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.queue.length > 0 && this.inFlight < MAX_CALLS_IN_FLIGHT) {
      const live = this.queue.filter((p) => !p.settled);
      this.queue = [];
      if (live.length === 0) return;
      if (live.length === 1 || !this.supported) {
        for (const p of live) this.sendAlone(p);
        return;
      }
      const { taken, body } = this.encode(live);
      this.queue = live.slice(taken.length);
      this.sendBatch(taken, body);
    }
  }

  /** The longest prefix of `pending` that fits one call, as an encoded BatchRequest. */
  private encode(pending: readonly Pending[]): { taken: Pending[]; body: Buffer } {
    const parts: Uint8Array[] = [];
    const taken: Pending[] = [];
    let bytes = 0;
    for (const p of pending) {
      if (taken.length >= MAX_WRITES_PER_CALL) break;
      const encoded = BatchOperation.encode(p.op).finish();
      const header = Uint8Array.from([OPERATIONS_TAG, ...varint(encoded.length)]);
      if (taken.length > 0 && bytes + header.length + encoded.length > MAX_BYTES_PER_CALL) break;
      parts.push(header, encoded);
      bytes += header.length + encoded.length;
      taken.push(p);
    }
    return { taken, body: Buffer.concat(parts, bytes) };
  }

  private sendAlone(p: Pending): void {
    this.inFlight++;
    this.transport.unary(p.op).then(
      (o) => this.settle(p, o),
      (e: unknown) => this.settle(p, undefined, e),
    ).finally(() => this.done());
  }

  private sendBatch(batch: Pending[], body: Buffer): void {
    this.inFlight++;
    this.transport
      .batch(body, batch.length)
      .then(
        (results) => {
          if (results === 'unimplemented') {
            // An older server: send these (and all later writes) one by one.
            this.supported = false;
            this.queue.unshift(...batch);
            return;
          }
          batch.forEach((p, i) => {
            const r = results[i];
            if (r === undefined) this.settle(p, undefined, this.transport.error(Status.INTERNAL, `the server answered ${results.length} of ${batch.length} batched writes`));
            else if ((r.code ?? 0) === Status.OK) this.settle(p, r.object ?? {});
            else this.settle(p, undefined, this.transport.error(r.code ?? Status.UNKNOWN, r.message ?? ''));
          });
        },
        (e: unknown) => {
          for (const p of batch) this.settle(p, undefined, e);
        },
      )
      .finally(() => this.done());
  }

  private done(): void {
    this.inFlight--;
    if (this.queue.length > 0) this.schedule();
  }

  private settle(p: Pending, value: TskObject | undefined, error?: unknown): void {
    if (p.settled) return;
    p.settled = true;
    if (p.onAbort !== undefined) p.signal?.removeEventListener('abort', p.onAbort);
    if (value !== undefined) p.resolve(value);
    else p.reject(error);
  }
}
