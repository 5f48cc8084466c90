/**
 * Wiring of @tsk/controllers' ControllerManager into tsk-server (--controllers, on by default):
 * ReplicaSet, Deployment, DaemonSet, Job and the garbage collector, as a client of the server's
 * own gRPC address like every other loop. The node lifecycle controller runs here only when the
 * server's own node lifecycle loop (control-loops.ts, --node-lifecycle) is off, so exactly one
 * of them marks nodes and evicts pods.
 */
import { connect } from '@tsk/client';
import { ALL_CONTROLLERS, ControllerManager } from '@tsk/controllers';
import { type Logger } from '@tsk/log';
import { type ServerConfig } from './flags.js';

export interface RunningControllers {
  stop(): Promise<void>;
}

export async function startControllerManager(cfg: ServerConfig, grpcAddress: string, logger: Logger): Promise<RunningControllers> {
  if (!cfg.controllers) return { stop: () => Promise.resolve() };
  const client = connect(grpcAddress, { logger });
  const manager = new ControllerManager({
    client,
    logger,
    controllers: ALL_CONTROLLERS.filter((c) => c !== 'nodelifecycle' || !cfg.nodeLifecycle),
  });
  await manager.start();
  return {
    async stop() {
      await manager.stop();
      client.close();
    },
  };
}
