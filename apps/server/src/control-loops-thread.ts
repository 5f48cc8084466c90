/**
 * The worker thread that runs tsk-server's control loops (see control-loops.ts). They are
 * clients of the API over gRPC on the server's own address, so on their own thread they take
 * their informers' decoding, the scheduler's decisions and the reconciles off the event loop that
 * serves the API: on a 2-core machine the API thread was the bottleneck of a large scale-up
 * while the second core had room.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '@tsk/log';
import { startControlLoops } from './control-loops.js';
import { type ServerConfig } from './flags.js';

const { cfg, grpcAddress } = workerData as { cfg: ServerConfig; grpcAddress: string };
const logger = createLogger({ name: 'tsk-server' });
process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled promise rejection in the control loops'));

const loops = await startControlLoops(cfg, grpcAddress, logger);
parentPort?.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  void loops.stop().then(
    () => parentPort?.postMessage('stopped'),
    (err: unknown) => {
      logger.error({ err }, 'stopping the control loops failed');
      parentPort?.postMessage('stopped');
    },
  );
});
parentPort?.postMessage('started');
