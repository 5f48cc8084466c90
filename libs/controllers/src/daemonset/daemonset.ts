/**
 * DaemonSet reconcile (Kubernetes' daemon_controller.go and update.go): one pod per eligible node,
 * pods of nodes that no longer fit (or are gone) deleted, failed pods replaced, and a rolling
 * update by template hash bounded by maxUnavailable, or by maxSurge (new pod beside the old one,
 * the old one deleted once the new one is available).
 */
import { type DaemonSet, type DaemonSetStatus, type Node, type Pod, fromLabelSelector } from '@tsk/api';
import { type Action, type DeletePod, requeueAfter } from '../actions.js';
import { sameContent, templateHash } from '../common/hash.js';
import { nameGenerator } from '../common/names.js';
import { claim, controllerRef, refOf } from '../common/owners.js';
import { selectorProblem } from '../common/selector-guard.js';
import { podFromTemplate } from '../common/pod-template.js';
import { isAvailable, isReady, msUntilAvailable, phaseOf, podName } from '../common/pods.js';
import { parseTime } from '../common/time.js';
import { type NodePods, daemonPodNode, nodeFit, pinToNode } from './node-fit.js';
import { rollingUpdate } from './rolling.js';

/** The label with the template hash of a daemon pod (Kubernetes puts the ControllerRevision's hash here). */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

export interface DaemonSetInput {
  readonly daemonSet: DaemonSet;
  readonly nodes: readonly Node[];
  /** Pods of the DaemonSet's namespace. */
  readonly pods: readonly Pod[];
  readonly now: number;
  readonly seed?: number;
}


function oldestFirst(a: Pod, b: Pod): number {
  return (parseTime(a.metadata?.creationTimestamp) ?? 0) - (parseTime(b.metadata?.creationTimestamp) ?? 0) || podName(a).localeCompare(podName(b));
}

export function reconcileDaemonSet(input: DaemonSetInput): Action[] {
  const ds = input.daemonSet;
  const ref = refOf('DaemonSet', ds);
  const problem = selectorProblem(ds.spec?.selector, ds.spec?.template);
  if (problem !== undefined) return [{ type: 'Event', involvedObject: ref, eventType: 'Warning', reason: 'SelectorInvalid', message: problem }];
  const namespace = ds.metadata?.namespace ?? '';
  const hash = templateHash(ds.spec?.template, CONTROLLER_REVISION_HASH_LABEL);
  const minReadySeconds = ds.spec?.minReadySeconds ?? 0;
  const candidates = input.pods.filter((p) => (p.metadata?.namespace ?? '') === namespace && (p.metadata?.deletionTimestamp ?? '') === '');
  const claimed = claim(candidates, { owner: ds, ownerApiVersion: 'apps/v1', ownerKind: 'DaemonSet', dependentKind: 'Pod', selector: fromLabelSelector(ds.spec?.selector) });
  const actions: Action[] = [...claimed.actions];
  if ((ds.metadata?.deletionTimestamp ?? '') !== '') return actions;

  const deletions: DeletePod[] = [];
  const del = (p: Pod, reason: string): void => {
    deletions.push({ type: 'DeletePod', namespace, name: podName(p), uid: p.metadata?.uid ?? '', reason });
  };
  const byNode = new Map<string, Pod[]>();
  for (const p of claimed.owned) {
    const n = daemonPodNode(p);
    if (phaseOf(p) === 'Failed') {
      // A failed daemon pod is deleted and replaced, as Kubernetes does.
      del(p, `failed daemon pod on node ${n}`);
      actions.push({ type: 'Event', involvedObject: ref, eventType: 'Warning', reason: 'FailedDaemonPod', message: `Found failed daemon pod ${namespace}/${podName(p)} on node ${n}, will try to kill it` });
      continue;
    }
    if (phaseOf(p) === 'Succeeded') continue;
    byNode.set(n, [...(byNode.get(n) ?? []), p]);
  }

  const surge = ds.spec?.updateStrategy?.type !== 'OnDelete' && hasSurge(ds);
  const nodes = [...input.nodes].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  const nodeNames = new Set(nodes.map((n) => n.metadata?.name ?? ''));
  const toCreate: string[] = [];
  const placed: NodePods[] = [];
  for (const [n, pods] of byNode) {
    if (!nodeNames.has(n)) for (const p of pods) del(p, `node ${n} is gone`);
  }
  for (const node of nodes) {
    const name = node.metadata?.name ?? '';
    const fit = nodeFit(ds, node);
    const pods = (byNode.get(name) ?? []).sort(oldestFirst);
    if (!fit.shouldContinueRunning) {
      for (const p of pods) del(p, `node ${name} no longer fits`);
      continue;
    }
    if (pods.length === 0) {
      if (fit.shouldRun) toCreate.push(name);
      placed.push({ node: name, shouldRun: fit.shouldRun, pods: [] });
      continue;
    }
    placed.push({ node: name, shouldRun: fit.shouldRun, pods: keepOnNode(pods, hash, surge, del) });
  }

  if (ds.spec?.updateStrategy?.type !== 'OnDelete') {
    const desired = placed.filter((p) => p.shouldRun).length;
    const r = rollingUpdate(ds, placed, hash, desired, input.now);
    for (const p of r.deletePods) del(p, 'rolling update');
    toCreate.push(...r.createOnNodes);
  }

  const names = nameGenerator(input.seed ?? 0, ds.metadata?.uid ?? '', input.pods.map(podName));
  const owner = controllerRef(ds, 'apps/v1', 'DaemonSet');
  for (const nodeName of toCreate) {
    const pod = podFromTemplate(ds.spec?.template, {
      name: names.next(ds.metadata?.name ?? ''),
      namespace,
      owner,
      extraLabels: { [CONTROLLER_REVISION_HASH_LABEL]: hash },
      editSpec: (spec) => pinToNode(spec, nodeName),
    });
    actions.push({ type: 'CreatePod', pod });
    actions.push({ type: 'Event', involvedObject: ref, eventType: 'Normal', reason: 'SuccessfulCreate', message: `Created pod: ${podName(pod)}` });
  }
  const seen = new Set<string>();
  for (const d of deletions) {
    if (seen.has(d.name)) continue;
    seen.add(d.name);
    actions.push(d);
    actions.push({ type: 'Event', involvedObject: ref, eventType: 'Normal', reason: 'SuccessfulDelete', message: `Deleted pod: ${d.name}` });
  }

  const status = calculateStatus(ds, placed, byNode, hash, minReadySeconds, input.now);
  if (!sameContent(status, ds.status ?? {})) actions.push({ type: 'UpdateStatus', target: { ...ref, kind: 'DaemonSet' }, status });
  actions.push(...requeueAfter(...placed.flatMap((p) => p.pods.map((pod) => msUntilAvailable(pod, minReadySeconds, input.now)))));
  return actions;
}

function hasSurge(ds: DaemonSet): boolean {
  const s = ds.spec?.updateStrategy?.rollingUpdate?.maxSurge;
  return s !== undefined && ((s.intVal ?? 0) > 0 || /^[1-9]\d*%?$/.test(s.strVal ?? ''));
}

/**
 * More than one pod for a node: without surge keep the oldest; with surge keep the oldest old
 * pod and the newest updated pod (the rolling update then retires the old one).
 */
function keepOnNode(pods: Pod[], hash: string, surge: boolean, del: (p: Pod, reason: string) => void): Pod[] {
  if (pods.length <= 1) return pods;
  let keep: Pod[];
  if (!surge) {
    keep = pods.slice(0, 1);
  } else {
    const updated = pods.filter((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash);
    const old = pods.filter((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] !== hash);
    keep = [...old.slice(0, 1), ...updated.slice(-1)];
  }
  for (const p of pods) if (!keep.includes(p)) del(p, 'more than one daemon pod on the node');
  return keep;
}

function calculateStatus(ds: DaemonSet, placed: readonly NodePods[], byNode: ReadonlyMap<string, Pod[]>, hash: string, minReadySeconds: number, now: number): DaemonSetStatus {
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  for (const p of placed) {
    if (p.shouldRun) desired++;
    if (p.pods.length === 0) continue;
    if (!p.shouldRun) {
      misscheduled++;
      continue;
    }
    current++;
    if (p.pods.some(isReady)) ready++;
    if (p.pods.some((pod) => isAvailable(pod, minReadySeconds, now))) available++;
    if (p.pods.some((pod) => pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash)) updated++;
  }
  // Pods for nodes that no longer exist or no longer fit are misscheduled until deleted.
  const placedNodes = new Set(placed.map((p) => p.node));
  for (const [n, pods] of byNode) if (!placedNodes.has(n) && pods.length > 0) misscheduled++;
  return {
    desiredNumberScheduled: desired,
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    numberReady: ready,
    numberAvailable: available,
    numberUnavailable: Math.max(0, desired - available),
    updatedNumberScheduled: updated,
    observedGeneration: ds.metadata?.generation ?? 0,
  };
}
