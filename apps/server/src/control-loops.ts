/**
 * The control loops tsk-server runs beside the API service, wired here so main.ts stays a list of
 * steps: the scheduler (--no-scheduler turns it off), the workload controllers and garbage
 * collector (--no-controllers) and the node lifecycle controller (--no-node-lifecycle, e.g. while
 * another server runs it). Each loop is a client of the API like any other (over gRPC on the
 * server's own address), so it behaves the same in-process or split out; they share one set of
 * informers, so the scheduler and the controllers cost one Pod watch, not two. main.ts runs them
 * on a worker thread (startControlLoopsThread), off the event loop that serves the API.
 */
import { hostname } from 'node:os';
import { Worker } from 'node:worker_threads';
import { connect, InformerFactory } from '@tsk/client';
import { ALL_CONTROLLERS, ControllerManager } from '@tsk/controllers';
import { type Logger } from '@tsk/log';
import { makeProfile, SchedulerLoop } from '@tsk/scheduler';
import { type ServerConfig } from './flags.js';

export interface ControlLoops {
  stop(): Promise<void>;
}

export async function startControlLoops(cfg: ServerConfig, grpcAddress: string, logger: Logger): Promise<ControlLoops> {
  // Watches and writes on separate connections: on one HTTP/2 connection a bind's reply would
  // queue behind the watch events streaming to the informers.
  const watchClient = connect(grpcAddress, { logger });
  const client = connect(grpcAddress, { logger });
  const informers = new InformerFactory(watchClient, { logger });
  // Stopped in reverse order of start.
  const loops: { stop(): Promise<void> }[] = [];
  if (cfg.scheduler) {
    const scheduler = new SchedulerLoop({
      client,
      logger,
      informers,
      profile: makeProfile({ scoringStrategy: cfg.schedulingStrategy }),
      seed: cfg.schedulerSeed,
      // The identity names the host and API address, so a restarted server takes its own lease
      // back at once while a second server on another address stands by.
      leaderElection: { identity: `${hostname()}/${cfg.listen}` },
    });
    loops.push(scheduler);
    await scheduler.start();
    logger.info({ component: 'scheduler', strategy: cfg.schedulingStrategy, seed: cfg.schedulerSeed }, 'scheduler started');
  }
  const controllers = ALL_CONTROLLERS.filter((c) => (c === 'nodelifecycle' ? cfg.nodeLifecycle : cfg.controllers));
  if (controllers.length > 0) {
    const manager = new ControllerManager({ client, logger, informers, controllers });
    loops.push(manager);
    await manager.start();
  }
  return {
    async stop() {
      for (const loop of loops.reverse()) await loop.stop();
      await informers.stop();
      client.close();
      watchClient.close();
    },
  };
}

/**
 * Runs the control loops on their own thread (control-loops-thread.ts). The thread failing is
 * this process failing: it logs and exits, to be restarted whole, rather than serve an API that
 * nothing schedules or heals.
 */
export async function startControlLoopsThread(cfg: ServerConfig, grpcAddress: string, logger: Logger): Promise<ControlLoops> {
  if (!cfg.scheduler && !cfg.controllers && !cfg.nodeLifecycle) return { stop: () => Promise.resolve() };
  const worker = new Worker(new URL('./control-loops-thread.js', import.meta.url), { workerData: { cfg, grpcAddress } });
  let stopping = false;
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the control loops thread exited (${code}) before it started`)));
  });
  worker.on('error', (err) => {
    logger.fatal({ err }, 'the control loops thread failed');
    logger.flush();
    process.exit(1);
  });
  worker.on('exit', (code) => {
    if (stopping) return;
    logger.fatal({ code }, 'the control loops thread exited');
    logger.flush();
    process.exit(1);
  });
  return {
    async stop() {
      stopping = true;
      const stopped = new Promise<void>((resolve) => {
        worker.on('message', (m) => m === 'stopped' && resolve());
        worker.once('exit', () => resolve());
      });
      worker.postMessage('stop');
      await stopped;
      await worker.terminate();
    },
  };
}
