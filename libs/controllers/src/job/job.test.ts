import { describe, expect, it } from 'vitest';
import { type Pod } from '@tsk/api';
import { type Action, actionsOf, mutatingActions, statusUpdateOf } from '../actions.js';
import { at, job, ownerRef, pod, stamp } from '../testing/builders.js';
import { World } from '../testing/world.js';
import { reconcileJob } from './job.js';

const J = ownerRef('Job', 'pi', 'uid-pi', 'batch/v1');
const LABELS = { 'batch.kubernetes.io/controller-uid': 'uid-pi', 'batch.kubernetes.io/job-name': 'pi' };

function jobPod(name: string, phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed', extra: { restarts?: number; finishedAt?: number } = {}): Pod {
  const p = pod(name, { owner: J, labels: LABELS, phase, node: 'n1', ...(extra.restarts !== undefined ? { restarts: extra.restarts } : {}) });
  if (extra.finishedAt !== undefined) p.status!.containerStatuses = [{ name: 'c', state: { terminated: { exitCode: 1, finishedAt: stamp(extra.finishedAt) } } }];
  return p;
}

const started = { startTime: stamp(0) };

describe('reconcileJob', () => {
  it.each([
    { name: 'starts parallelism pods', completions: 5, parallelism: 2, pods: [] as Pod[], creates: 2, deletes: 0 },
    { name: 'never more than the remaining completions', completions: 3, parallelism: 5, pods: [jobPod('a', 'Succeeded'), jobPod('b', 'Succeeded')], creates: 1, deletes: 0 },
    { name: 'keeps running pods', completions: 4, parallelism: 2, pods: [jobPod('a', 'Running'), jobPod('b', 'Running')], creates: 0, deletes: 0 },
    { name: 'deletes over parallelism', completions: 4, parallelism: 1, pods: [jobPod('a', 'Running'), jobPod('b', 'Pending')], creates: 0, deletes: 1 },
  ])('$name', ({ completions, parallelism, pods, creates, deletes }) => {
    const actions = reconcileJob({ job: job('pi', { completions, parallelism, status: started }), pods, now: at(1) });
    expect(actionsOf(actions, 'CreatePod')).toHaveLength(creates);
    expect(actionsOf(actions, 'DeletePod')).toHaveLength(deletes);
  });

  it('creates pods <job>-xxxxx with the template and the Job as controller, and sets startTime', () => {
    const actions = reconcileJob({ job: job('pi'), pods: [], now: at(3) });
    const [create] = actionsOf(actions, 'CreatePod');
    expect(create?.pod.metadata?.name).toMatch(/^pi-[a-z0-9]{5}$/);
    expect(create?.pod.metadata?.labels).toEqual(LABELS);
    expect(create?.pod.spec?.restartPolicy).toBe('Never');
    expect(create?.pod.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Job', apiVersion: 'batch/v1', controller: true });
    expect(statusUpdateOf(actions, 'Job')?.startTime).toBe(stamp(3));
  });

  it('completes when completions succeeded: Complete condition and completionTime', () => {
    const actions = reconcileJob({ job: job('pi', { completions: 2, status: started }), pods: [jobPod('a', 'Succeeded'), jobPod('b', 'Succeeded')], now: at(9) });
    const status = statusUpdateOf(actions, 'Job');
    expect(status).toMatchObject({ succeeded: 2, active: 0, failed: 0, completionTime: stamp(9) });
    expect(status?.conditions).toContainEqual(expect.objectContaining({ type: 'Complete', status: 'True' }));
    expect(actionsOf(actions, 'CreatePod')).toEqual([]);
  });

  it('work queue (no completions): complete once one succeeded and none is active', () => {
    const running = reconcileJob({ job: job('pi', { workQueue: true, parallelism: 2, status: started }), pods: [jobPod('a', 'Succeeded'), jobPod('b', 'Running')], now: at(1) });
    expect(actionsOf(running, 'CreatePod')).toEqual([]);
    expect(statusUpdateOf(running, 'Job')?.conditions ?? []).toEqual([]);
    const done = reconcileJob({ job: job('pi', { workQueue: true, parallelism: 2, status: started }), pods: [jobPod('a', 'Succeeded'), jobPod('b', 'Succeeded')], now: at(1) });
    expect(statusUpdateOf(done, 'Job')?.conditions).toContainEqual(expect.objectContaining({ type: 'Complete' }));
  });

  it('Never: failed pods count toward backoffLimit; past it the Job fails and active pods are deleted', () => {
    const pods = [jobPod('a', 'Failed', { finishedAt: 1 }), jobPod('b', 'Failed', { finishedAt: 2 }), jobPod('c', 'Running')];
    const actions = reconcileJob({ job: job('pi', { backoffLimit: 1, status: started }), pods, now: at(100) });
    const status = statusUpdateOf(actions, 'Job');
    expect(status?.conditions).toContainEqual(expect.objectContaining({ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }));
    expect(status?.failed).toBe(3);
    expect(actionsOf(actions, 'DeletePod').map((d) => d.name)).toEqual(['c']);
  });

  it('Never: waits with exponential backoff before replacing a failed pod', () => {
    const pods = [jobPod('a', 'Failed', { finishedAt: 10 }), jobPod('b', 'Failed', { finishedAt: 12 })];
    const early = reconcileJob({ job: job('pi', { status: started }), pods, now: at(20) });
    expect(actionsOf(early, 'CreatePod')).toEqual([]);
    expect(actionsOf(early, 'RequeueAfter')).toEqual([{ type: 'RequeueAfter', ms: 12_000 }]); // 12 + 20 s - 20 s
    const later = reconcileJob({ job: job('pi', { status: started }), pods, now: at(32) });
    expect(actionsOf(later, 'CreatePod')).toHaveLength(1);
  });

  it('OnFailure: container restarts count toward backoffLimit', () => {
    const j = job('pi', { backoffLimit: 3, restartPolicy: 'OnFailure', status: started });
    expect(statusUpdateOf(reconcileJob({ job: j, pods: [jobPod('a', 'Running', { restarts: 2 })], now: at(1) }), 'Job')?.conditions ?? []).toEqual([]);
    const failed = reconcileJob({ job: j, pods: [jobPod('a', 'Running', { restarts: 3 })], now: at(1) });
    expect(statusUpdateOf(failed, 'Job')?.conditions).toContainEqual(expect.objectContaining({ reason: 'BackoffLimitExceeded' }));
  });

  it('activeDeadlineSeconds: requeues until the deadline, then fails with DeadlineExceeded', () => {
    const j = job('pi', { activeDeadlineSeconds: 30, status: started });
    const before = reconcileJob({ job: j, pods: [jobPod('a', 'Running')], now: at(10) });
    expect(actionsOf(before, 'RequeueAfter')).toEqual([{ type: 'RequeueAfter', ms: 20_000 }]);
    const after = reconcileJob({ job: j, pods: [jobPod('a', 'Running')], now: at(30) });
    expect(statusUpdateOf(after, 'Job')?.conditions).toContainEqual(expect.objectContaining({ type: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' }));
    expect(actionsOf(after, 'DeletePod').map((d) => d.name)).toEqual(['a']);
    expect(actionsOf(after, 'Event')).toContainEqual(expect.objectContaining({ eventType: 'Warning', reason: 'DeadlineExceeded' }));
  });

  it.each([
    { now: 50, expect: [{ type: 'RequeueAfter', ms: 10_000 }] },
    { now: 60, expect: [{ type: 'DeleteObject', target: { kind: 'Job', namespace: 'default', name: 'pi', uid: 'uid-pi' }, propagationPolicy: 'Foreground', reason: 'ttlSecondsAfterFinished (20s) expired' }] },
  ])('ttlSecondsAfterFinished at $now s', ({ now, expect: want }) => {
    const j = job('pi', {
      ttlSecondsAfterFinished: 20,
      status: { ...started, completionTime: stamp(40), succeeded: 1, conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: stamp(40) }] },
    });
    expect(reconcileJob({ job: j, pods: [jobPod('a', 'Succeeded')], now: at(now) })).toEqual(want);
  });

  it('runs to completion in a world and is then idle', () => {
    const world = new World(at(0));
    world.add('Job', job('pi', { completions: 3, parallelism: 2 }));
    const run = (): Action[] => {
      const actions = reconcileJob({ job: world.list(world.jobs)[0]!, pods: world.list(world.pods), now: world.now, seed: 3 });
      world.apply(actions);
      return actions;
    };
    for (let i = 0; i < 10; i++) {
      world.now += 1000;
      run();
      // Every pod started in the previous round succeeds now.
      for (const p of world.pods.values()) if (p.status?.phase === 'Pending') p.status.phase = 'Succeeded';
    }
    const status = world.jobs.get('pi')!.status!;
    expect(status.succeeded).toBe(3);
    expect(status.conditions).toContainEqual(expect.objectContaining({ type: 'Complete', status: 'True' }));
    expect(world.pods.size).toBe(3);
    expect(mutatingActions(run())).toEqual([]);
  });
});
