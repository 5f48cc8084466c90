/**
 * The scheduler loop tsk-server runs beside the API service (the controllers, node lifecycle
 * included, are the controller manager's: controller-manager.ts), wired here so main.ts stays a
 * list of steps. Each loop is a client of the API like any other (over gRPC on the server's own
 * address), so it behaves the same in-process or split out.
 */
import { hostname } from 'node:os';
import { connect, InformerFactory } from '@tsk/client';
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
  return {
    async stop() {
      for (const loop of loops) await loop.stop();
      await informers.stop();
      client.close();
      watchClient.close();
    },
  };
}
