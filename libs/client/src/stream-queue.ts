/**
 * A grpc-js server stream as an async iterator with bounded buffering: the stream is paused
 * while the consumer lags, so a slow reader never makes the client hold unbounded memory.
 */
import { type ClientReadableStream } from '@grpc/grpc-js';

const HIGH_WATER = 1000;

type Step<T> = { kind: 'item'; value: T } | { kind: 'end' } | { kind: 'error'; error: unknown };

export class StreamQueue<T> {
  private readonly buffer: T[] = [];
  private done: Step<T> | undefined;
  private waiter: ((step: Step<T>) => void) | undefined;
  private paused = false;
  private cancelled = false;

  constructor(private readonly stream: ClientReadableStream<T>) {
    stream.on('data', (value: T) => {
      if (this.waiter !== undefined) {
        const w = this.waiter;
        this.waiter = undefined;
        w({ kind: 'item', value });
        return;
      }
      this.buffer.push(value);
      if (this.buffer.length >= HIGH_WATER && !this.paused) {
        this.paused = true;
        stream.pause();
      }
    });
    stream.on('error', (error: unknown) => this.finish({ kind: 'error', error }));
    stream.on('end', () => this.finish({ kind: 'end' }));
  }

  private finish(step: Step<T>): void {
    if (this.done !== undefined) return;
    // Our own cancel() surfaces as a CANCELLED error: that is a plain end to the reader.
    this.done = this.cancelled ? { kind: 'end' } : step;
    if (this.waiter !== undefined && this.buffer.length === 0) {
      const w = this.waiter;
      this.waiter = undefined;
      w(this.done);
    }
  }

  /** The next message, or undefined at a clean end; rejects with the stream's error. */
  async next(): Promise<T | undefined> {
    const value = this.buffer.shift();
    if (value !== undefined) {
      if (this.paused && this.buffer.length < HIGH_WATER / 2) {
        this.paused = false;
        this.stream.resume();
      }
      return value;
    }
    const step = this.done ?? (await new Promise<Step<T>>((resolve) => (this.waiter = resolve)));
    if (step.kind === 'item') return step.value;
    if (step.kind === 'error') throw step.error;
    return undefined;
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.stream.cancel();
    this.finish({ kind: 'end' });
  }
}
