/** A Job run with random pod outcomes: its bounds hold on every step and it always finishes. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mutatingActions } from '../actions.js';
import { findCondition } from '../common/conditions.js';
import { seededRandom } from '../common/names.js';
import { isActive } from '../common/pods.js';
import { formatTime } from '../common/time.js';
import { at, job } from '../testing/builders.js';
import { World } from '../testing/world.js';
import { reconcileJob } from './job.js';

describe('reconcileJob (property)', () => {
  it('never runs more than parallelism pods or succeeds more than completions, and finishes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer(),
        (completions, parallelism, backoffLimit, seed) => {
          const world = new World(at(0));
          world.add('Job', job('pi', { completions, parallelism, backoffLimit }));
          const random = seededRandom(seed);
          const run = (): ReturnType<typeof reconcileJob> => {
            const actions = reconcileJob({ job: world.list(world.jobs)[0]!, pods: world.list(world.pods), now: world.now, seed });
            world.apply(actions);
            return actions;
          };
          let finished: string | undefined;
          for (let step = 0; step < 200 && finished === undefined; step++) {
            world.now += 30_000;
            // Every pod that started last step finishes now: 70% succeed.
            for (const p of world.pods.values()) {
              if (p.status?.phase !== 'Pending' || (p.metadata?.deletionTimestamp ?? '') !== '') continue;
              const ok = random() < 0.7;
              p.status = { phase: ok ? 'Succeeded' : 'Failed', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: ok ? 0 : 1, finishedAt: formatTime(world.now) } } }] };
            }
            world.reapDeletedPods();
            run();
            const pods = [...world.pods.values()];
            expect(pods.filter(isActive).length).toBeLessThanOrEqual(parallelism);
            expect(pods.filter((p) => p.status?.phase === 'Succeeded').length).toBeLessThanOrEqual(completions);
            const status = world.jobs.get('pi')!.status ?? {};
            if (findCondition(status.conditions, 'Complete')?.status === 'True') finished = 'Complete';
            if (findCondition(status.conditions, 'Failed')?.status === 'True') finished = 'Failed';
          }
          expect(finished).toBeDefined();
          const status = world.jobs.get('pi')!.status ?? {};
          if (finished === 'Complete') expect(status.succeeded).toBe(completions);
          else expect(status.failed ?? 0).toBeGreaterThan(backoffLimit);
          expect(mutatingActions(run())).toEqual([]);
        },
      ),
      { numRuns: 100 },
    );
  });
});
