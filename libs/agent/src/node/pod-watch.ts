/**
 * The pods bound to this agent's nodes, from one list and watch. A real agent holds one node and
 * asks the server to filter (fieldSelector spec.nodeName=NAME); a hollow agent holds many and
 * filters one watch of all pods by its set of names, since one watch costs the server far less
 * than 1,000 (and a filtered watch makes the server decode every event it sends).
 *
 * Not an Informer: a hollow agent sees three events per pod (created, bound, reported Running)
 * and acts on one, so it reads the watch's raw frames, scans out the fields it decides on
 * (pod-scan.ts) and decodes a whole Pod only for the handler that asks for it. Nor does it cache
 * pods: it remembers uid and resourceVersion of its nodes' pods, enough to drop replayed events
 * and to tell, after a relist, which pods vanished. The protocol is an Informer's: list, watch
 * from the list's revision, resume from the last revision seen (bookmarks included) after a
 * dropped stream, relist after 410 Expired.
 */
import { ExpiredError, WatchRequest, type Pod } from '@tsk/api';
import { Backoff, fromGrpcError, sleep, type ApiClient } from '@tsk/client';
import { type Logger } from '@tsk/log';
import { scanPodEvent, ScannedPod } from './pod-scan.js';

export { ScannedPod } from './pod-scan.js';

export interface PodWatchHandlers {
  /** A pod bound to one of the nodes was added or changed (including deletionTimestamp being set). */
  readonly onPod: (pod: ScannedPod, nodeName: string) => void;
  /** A pod of one of the nodes is gone from the server. */
  readonly onGone: (pod: ScannedPod, nodeName: string) => void;
}

const WATCH_PATH = '/tsk.v1.Objects/Watch';
const encodeWatchRequest = (r: WatchRequest): Buffer => Buffer.from(WatchRequest.encode(r).finish());
const rawFrame = (b: Buffer): Buffer => b;

interface Known {
  readonly uid: string;
  readonly resourceVersion: string;
  readonly nodeName: string;
}

/** How a watch stream ended: resume from the last revision, or list again first. */
type Outcome = 'resume' | 'relist' | 'relist-now';

export class NodePodWatch {
  private readonly nodes: ReadonlySet<string>;
  private readonly fieldSelector: string;
  private readonly log: Logger;
  /** "namespace/name" -> the last seen state of each pod bound to one of the nodes. */
  private readonly known = new Map<string, Known>();
  private readonly controller = new AbortController();
  private running: Promise<void> | undefined;
  private cancelStream: (() => void) | undefined;
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private rv = '';

  constructor(
    private readonly client: ApiClient,
    nodeNames: readonly string[],
    private readonly handlers: PodWatchHandlers,
    logger: Logger,
  ) {
    this.nodes = new Set(nodeNames);
    this.fieldSelector = nodeNames.length === 1 ? `spec.nodeName=${nodeNames[0]}` : '';
    this.log = logger.child({ component: 'pod-watch' });
  }

  /** Starts listing and watching; resolves once the first list has been handed to the handlers. */
  async start(signal?: AbortSignal): Promise<void> {
    this.running ??= this.run();
    if (this.synced || signal?.aborted === true) return;
    await new Promise<void>((resolve) => {
      this.syncWaiters.push(resolve);
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  async stop(): Promise<void> {
    this.controller.abort();
    this.cancelStream?.();
    for (const w of this.syncWaiters) w();
    this.syncWaiters = [];
    await this.running;
  }

  /** The revision the handlers have seen up to. */
  get resourceVersion(): string {
    return this.rv;
  }

  private async run(): Promise<void> {
    const signal = this.controller.signal;
    const backoff = new Backoff();
    let relist = true;
    while (!signal.aborted) {
      try {
        if (relist) {
          await this.list(signal);
          relist = false;
        }
        const outcome = await this.watch(backoff);
        if (outcome === 'relist-now') {
          this.log.info({ resourceVersion: this.rv }, 'watch expired; relisting');
          relist = true;
          continue;
        }
        relist = outcome === 'relist';
      } catch (err) {
        if (signal.aborted) break;
        const e = fromGrpcError(err, this.client.address);
        relist = true;
        if (e instanceof ExpiredError) continue;
        this.log.warn({ err: e.message }, 'pod list/watch failed; retrying');
      }
      await sleep(backoff.next(), signal);
    }
  }

  private async list(signal: AbortSignal): Promise<void> {
    const list = await this.client.list<Pod>('Pod', { ...(this.fieldSelector !== '' ? { fieldSelector: this.fieldSelector } : {}), signal });
    const seen = new Set<string>();
    for (const pod of list.items) {
      const p = ScannedPod.of(pod);
      const key = `${p.namespace}/${p.name}`;
      seen.add(key);
      this.upsert(key, p);
    }
    for (const [key, k] of this.known) {
      if (seen.has(key)) continue;
      this.known.delete(key);
      this.gone(key, k);
    }
    this.rv = list.resourceVersion;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters) w();
      this.syncWaiters = [];
    }
  }

  /** One watch stream from this.rv, its frames handled as they come; settles when it ends. */
  private watch(backoff: Backoff): Promise<Outcome> {
    return new Promise<Outcome>((resolve, reject) => {
      const request: WatchRequest = { kind: 'Pod', namespace: '', labelSelector: '', fieldSelector: this.fieldSelector, resourceVersion: this.rv, allowBookmarks: true };
      const stream = this.client.raw.makeServerStreamRequest(WATCH_PATH, encodeWatchRequest, rawFrame, request);
      let done = false;
      const finish = (settle: () => void): void => {
        if (done) return;
        done = true;
        this.cancelStream = undefined;
        stream.cancel();
        settle();
      };
      this.cancelStream = () => finish(() => resolve('resume'));
      stream.on('data', (frame: Buffer) => {
        if (done) return;
        let outcome: Outcome | undefined;
        try {
          outcome = this.frame(frame);
        } catch (err) {
          finish(() => reject(err));
          return;
        }
        backoff.reset();
        if (outcome !== undefined) finish(() => resolve(outcome));
      });
      stream.on('error', (err) => finish(() => reject(err)));
      stream.on('end', () => finish(() => resolve('resume')));
    });
  }

  /** Handles one frame; returns how the stream must end when it carries an error. */
  private frame(frame: Buffer): Outcome | undefined {
    const ev = scanPodEvent(frame);
    if (ev.type === 'ERROR') {
      // As the client's watch: 410 relists at once, another 4xx relists after a pause, the rest resume.
      const code = ev.errorCode;
      this.log.debug({ code, resourceVersion: this.rv }, 'watch error event');
      return code === 410 ? 'relist-now' : code >= 400 && code < 500 ? 'relist' : 'resume';
    }
    const p = ev.pod;
    if (p === undefined) return undefined;
    // One stream sends revisions in order: the last one seen is the one to resume from (as an Informer keeps it).
    if (p.resourceVersion !== '') this.rv = p.resourceVersion;
    const key = `${p.namespace}/${p.name}`;
    if (ev.type === 'ADDED' || ev.type === 'MODIFIED') {
      this.upsert(key, p);
    } else if (ev.type === 'DELETED') {
      const k = this.known.get(key);
      if (k !== undefined && k.uid === p.uid) {
        this.known.delete(key);
        this.gone(key, k, p);
      }
    }
    return undefined;
  }

  private upsert(key: string, p: ScannedPod): void {
    const old = this.known.get(key);
    if (old !== undefined && old.uid !== p.uid) {
      // A new pod under the old one's name: the old one is gone, whatever we missed between.
      this.known.delete(key);
      this.gone(key, old);
    } else if (old !== undefined && old.resourceVersion === p.resourceVersion) {
      return; // seen at this revision (a relist, or a replayed event)
    }
    if (!this.nodes.has(p.nodeName)) return;
    this.known.set(key, { uid: p.uid, resourceVersion: p.resourceVersion, nodeName: p.nodeName });
    this.emit(() => this.handlers.onPod(p, p.nodeName));
  }

  private gone(key: string, k: Known, last?: ScannedPod): void {
    let p = last;
    if (p === undefined) {
      const slash = key.indexOf('/');
      p = ScannedPod.of({ metadata: { namespace: key.slice(0, slash), name: key.slice(slash + 1), uid: k.uid, resourceVersion: k.resourceVersion }, spec: { nodeName: k.nodeName } });
    }
    const pod = p;
    this.emit(() => this.handlers.onGone(pod, k.nodeName));
  }

  /** A throwing handler is logged, never allowed to stop the watch. */
  private emit(call: () => void): void {
    try {
      call();
    } catch (err) {
      this.log.error({ err }, 'pod watch handler threw');
    }
  }
}
