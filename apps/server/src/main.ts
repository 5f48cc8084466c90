#!/usr/bin/env node
/**
 * tsk-server: parses flags, opens the store, starts the API server, and shuts down gracefully on
 * SIGTERM/SIGINT (stop accepting, end watches, close the store). All logic lives in libs/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { ApiServer } from '@tsk/apiserver';
import { createLogger } from '@tsk/log';
import { openStore, parseStoreUrl } from '@tsk/store';
import { startControlLoopsThread } from './control-loops.js';
import { parseFlags, type ServerConfig } from './flags.js';
import { mountRegistry } from './registry.js';

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

let config: ServerConfig;
try {
  config = parseFlags(process.argv.slice(2), version);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  throw err;
}

const logger = createLogger({ name: 'tsk-server' });
process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled promise rejection'));

async function main(cfg: ServerConfig): Promise<void> {
  const location = parseStoreUrl(cfg.storeUrl);
  if (location.backend === 'sqlite') mkdirSync(cfg.dataDir, { recursive: true });
  if (cfg.agent) logger.warn('--agent: the node agent is not implemented yet; running the control plane only');
  const store = await openStore(cfg.storeUrl, { logger: logger.child({ component: 'store' }) });
  const server = await ApiServer.start({
    store,
    logger,
    listen: cfg.listen,
    httpListen: cfg.httpListen,
    version,
    gitCommit: process.env['TSK_GIT_COMMIT'] ?? '',
    compaction: { intervalMs: cfg.compactionIntervalMs, keepRevisions: cfg.compactionRetainRevisions, keepMs: cfg.compactionRetainMs },
    watch: { bookmarkIntervalMs: cfg.bookmarkIntervalMs },
  });
  // Mounted before "tsk-server listening" is logged, which scripts and tests wait for.
  await mountRegistry(server.http, cfg.dataDir, logger);
  const loops = await startControlLoopsThread(cfg, server.grpcAddress, logger);
  logger.info({ grpc: server.grpcAddress, http: server.httpAddress, store: store.backend, pid: process.pid }, 'tsk-server listening');

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // A store that does not answer must not keep the process alive forever.
    setTimeout(() => {
      logger.error('shutdown took over 15 s; exiting');
      logger.flush();
      process.exit(1);
    }, 15_000).unref();
    void (async () => {
      await loops.stop();
      await server.stop();
      await store.close();
      logger.info('stopped');
      logger.flush();
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  if (cfg.exitOnStdinClose) {
    process.stdin.on('close', () => shutdown('stdin closed'));
    process.stdin.resume();
  }
}

main(config).catch((err: unknown) => {
  logger.fatal({ err }, 'tsk-server failed to start');
  logger.flush();
  setTimeout(() => process.exit(1), 100);
});
