/**
 * The pods bound to this agent's nodes, from one watch. A real agent holds one node and asks the
 * server to filter (fieldSelector spec.nodeName=NAME); a hollow agent holds many and filters one
 * watch of all pods by its set of names, since one watch costs the server far less than 1,000.
 */
import { type Pod } from '@tsk/api';
import { Informer, type ApiClient } from '@tsk/client';
import { type Logger } from '@tsk/log';

export interface PodWatchHandlers {
  /** A pod bound to one of the nodes was added or changed (including deletionTimestamp being set). */
  readonly onPod: (pod: Pod, nodeName: string) => void;
  /** A pod of one of the nodes is gone from the server. */
  readonly onGone: (pod: Pod, nodeName: string) => void;
}

export class NodePodWatch {
  private readonly informer: Informer<Pod>;
  private readonly nodes: ReadonlySet<string>;

  constructor(client: ApiClient, nodeNames: readonly string[], handlers: PodWatchHandlers, logger: Logger) {
    this.nodes = new Set(nodeNames);
    const only = nodeNames.length === 1 ? nodeNames[0] : undefined;
    this.informer = new Informer<Pod>(client, 'Pod', { logger, ...(only !== undefined ? { fieldSelector: `spec.nodeName=${only}` } : {}) });
    const mine = (pod: Pod): string | undefined => {
      const node = pod.spec?.nodeName ?? '';
      return this.nodes.has(node) ? node : undefined;
    };
    this.informer
      .onAdd((pod) => {
        const node = mine(pod);
        if (node !== undefined) handlers.onPod(pod, node);
      })
      .onUpdate((_old, pod) => {
        const node = mine(pod);
        if (node !== undefined) handlers.onPod(pod, node);
      })
      .onDelete((pod) => {
        const node = mine(pod);
        if (node !== undefined) handlers.onGone(pod, node);
      });
  }

  async start(signal?: AbortSignal): Promise<void> {
    this.informer.start();
    await this.informer.waitForSync(signal);
  }

  /** The cached pods of one node. */
  podsOf(nodeName: string): Pod[] {
    return this.informer.list((p) => p.spec?.nodeName === nodeName);
  }

  stop(): Promise<void> {
    return this.informer.stop();
  }
}
