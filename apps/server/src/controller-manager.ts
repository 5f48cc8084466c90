/**
 * Wiring of @tsk/controllers' ControllerManager into tsk-server, as a client of the server's own
 * gRPC address like every other loop: the ReplicaSet, Deployment, DaemonSet, Job and garbage
 * collector controllers (--no-controllers turns them off) and the node lifecycle controller
 * (--no-node-lifecycle turns it off, e.g. while another server runs it).
 */
import { connect } from '@tsk/client';
import { ALL_CONTROLLERS, ControllerManager } from '@tsk/controllers';
import { type Logger } from '@tsk/log';
import { type ServerConfig } from './flags.js';

export interface RunningControllers {
  stop(): Promise<void>;
}

export async function startControllerManager(cfg: ServerConfig, grpcAddress: string, logger: Logger): Promise<RunningControllers> {
  const controllers = ALL_CONTROLLERS.filter((c) => (c === 'nodelifecycle' ? cfg.nodeLifecycle : cfg.controllers));
  if (controllers.length === 0) return { stop: () => Promise.resolve() };
  const client = connect(grpcAddress, { logger });
  const manager = new ControllerManager({ client, logger, controllers });
  await manager.start();
  return {
    async stop() {
      await manager.stop();
      client.close();
    },
  };
}
