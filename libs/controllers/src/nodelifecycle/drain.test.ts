import { describe, expect, it } from 'vitest';
import { actionsOf } from '../actions.js';
import { deployment, node, ownerRef, pod, replicaSet } from '../testing/builders.js';
import { planDrain } from './drain.js';

const D = deployment('web', { replicas: 3, maxSurge: 1, maxUnavailable: 1 });
const RS = replicaSet('web-abc', { replicas: 3, owner: ownerRef('Deployment', 'web') });
const RS_OWNER = ownerRef('ReplicaSet', 'web-abc');

describe('planDrain', () => {
  it('cordons and evicts within the rolling-update budget', () => {
    const pods = ['a', 'b', 'c'].map((x) => pod(`web-${x}`, { owner: RS_OWNER, node: 'n1', readyAt: 0 }));
    const plan = planDrain({ node: node('n1'), pods, replicaSets: [RS], deployments: [D] });
    expect(plan.actions[0]).toEqual({ type: 'SetNodeUnschedulable', name: 'n1', unschedulable: true });
    expect(actionsOf(plan.actions, 'DeletePod').map((d) => d.name)).toEqual(['web-a']);
    expect(plan.blocked.map((b) => b.pod)).toEqual(['web-b', 'web-c']);
    expect(plan.blocked[0]?.reason).toBe('evicting it would leave deployment web below its minimum of ready pods');
    expect(plan.done).toBe(false);

    // The evicted pod was replaced and is Ready on n2: one more may go.
    const next = [pod('web-a', { owner: RS_OWNER, node: 'n1', readyAt: 0, deleting: true }), pods[1]!, pods[2]!, pod('web-d', { owner: RS_OWNER, node: 'n2', readyAt: 5 })];
    const cordoned = node('n1', { unschedulable: true });
    const plan2 = planDrain({ node: cordoned, pods: next, replicaSets: [RS], deployments: [D] });
    expect(actionsOf(plan2.actions, 'SetNodeUnschedulable')).toEqual([]);
    expect(actionsOf(plan2.actions, 'DeletePod').map((d) => d.name)).toEqual(['web-b']);
  });

  it('ignores DaemonSet pods, needs force for bare pods, deletes finished pods, and says when done', () => {
    const pods = [
      pod('agent-x', { owner: ownerRef('DaemonSet', 'agent'), node: 'n1', readyAt: 0 }),
      pod('bare', { node: 'n1', readyAt: 0 }),
      pod('job-done', { owner: ownerRef('Job', 'pi', 'uid-pi', 'batch/v1'), node: 'n1', phase: 'Succeeded' }),
    ];
    const plan = planDrain({ node: node('n1'), pods, replicaSets: [], deployments: [] });
    expect(plan.ignored).toEqual(['agent-x']);
    expect(plan.blocked).toEqual([{ pod: 'bare', namespace: 'default', reason: 'not managed by a controller (use --force)' }]);
    expect(actionsOf(plan.actions, 'DeletePod').map((d) => d.name)).toEqual(['job-done']);
    const forced = planDrain({ node: node('n1'), pods, replicaSets: [], deployments: [], force: true });
    expect(actionsOf(forced.actions, 'DeletePod').map((d) => d.name)).toEqual(['bare', 'job-done']);
    expect(planDrain({ node: node('n1', { unschedulable: true }), pods: [pods[0]!], replicaSets: [], deployments: [] })).toMatchObject({ actions: [], done: true });
  });
});
