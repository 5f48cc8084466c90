/**
 * The Batch verb: many independent writes in one call. Each operation runs through the very
 * function its unary verb runs (same checks, same errors), all of them at once, so their store
 * writes land in one group commit; each gets its own status back, in request order. One
 * failing operation does not stop or undo the others: it is not a transaction.
 */
import { status as Status, type StatusObject } from '@grpc/grpc-js';
import {
  InvalidError,
  type BatchOperation,
  type BatchRequest,
  type BatchResponse,
  type BatchResult,
  type CreateRequest,
  type DeleteRequest,
  type TskObject,
  type UpdateRequest,
} from '@tsk/api';

/** More than this in one call is refused whole: a client should not hold 1,000 writes back. */
export const MAX_BATCH_OPERATIONS = 1000;

type Verb<Req> = (req: Req, signal: AbortSignal) => Promise<TskObject>;

/** The unary verbs a batch operation may name, as the Objects service implements them. */
export interface BatchVerbs {
  readonly Create: Verb<CreateRequest>;
  readonly Update: Verb<UpdateRequest>;
  readonly UpdateStatus: Verb<UpdateRequest>;
  readonly Delete: Verb<DeleteRequest>;
}

export interface BatchHooks {
  /** The error-to-status mapping of the unary calls (it logs what it must). */
  toStatus(err: unknown, method: string): StatusObject;
  /** Called once per operation, as a unary call would be counted. */
  observe(method: string, code: string, seconds: number): void;
}

function dispatch(op: BatchOperation, index: number, verbs: BatchVerbs, signal: AbortSignal): { method: string; run: () => Promise<TskObject> } {
  if (op.create !== undefined) return { method: 'Create', run: () => verbs.Create(op.create!, signal) };
  if (op.update !== undefined) return { method: 'Update', run: () => verbs.Update(op.update!, signal) };
  if (op.updateStatus !== undefined) return { method: 'UpdateStatus', run: () => verbs.UpdateStatus(op.updateStatus!, signal) };
  if (op.delete !== undefined) return { method: 'Delete', run: () => verbs.Delete(op.delete!, signal) };
  return {
    method: 'Batch',
    run: () => Promise.reject(new InvalidError('names no operation (one of create, update, updateStatus, delete)', `operations[${index}]`)),
  };
}

export async function runBatch(req: BatchRequest, verbs: BatchVerbs, hooks: BatchHooks, signal: AbortSignal): Promise<BatchResponse> {
  const ops = req.operations ?? [];
  if (ops.length > MAX_BATCH_OPERATIONS) {
    throw new InvalidError(`${ops.length} operations in one batch; at most ${MAX_BATCH_OPERATIONS}`, 'operations');
  }
  const results = await Promise.all(
    ops.map(async (op, i): Promise<BatchResult> => {
      const started = performance.now();
      const { method, run } = dispatch(op, i, verbs, signal);
      try {
        const object = await run();
        hooks.observe(method, 'OK', (performance.now() - started) / 1000);
        return { code: Status.OK, message: '', object };
      } catch (err) {
        const s = hooks.toStatus(err, method);
        hooks.observe(method, Status[s.code] ?? String(s.code), (performance.now() - started) / 1000);
        return { code: s.code, message: s.details };
      }
    }),
  );
  return { results };
}
