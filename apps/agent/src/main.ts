#!/usr/bin/env node
/**
 * tsk-agent: parses flags and runs the node agent. Only hollow mode exists so far (the runtime
 * backend comes with the agent issue); all logic lives in @tsk/agent.
 */
import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { HollowAgent } from '@tsk/agent';
import { connect } from '@tsk/client';
import { createLogger } from '@tsk/log';
import { parseFlags, type AgentConfig } from './flags.js';

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

let config: AgentConfig;
try {
  config = parseFlags(process.argv.slice(2), version);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  throw err;
}

if (config.hollow === undefined) {
  process.stderr.write('tsk-agent: only --hollow is implemented yet\n');
  process.exit(1);
}

const logger = createLogger({ name: 'tsk-agent' });
process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled promise rejection'));

async function main(cfg: AgentConfig, count: number): Promise<void> {
  // Writes and the pod watch on separate connections (heartbeats have a thread and one of their own).
  const client = connect(cfg.server, { logger });
  const watchClient = connect(cfg.server, { logger });
  const agent = new HollowAgent({
    client,
    watchClient,
    logger,
    count,
    prefix: cfg.nodeName ?? 'hollow',
    capacity: cfg.capacity,
    clusterCidr: cfg.clusterCidr,
    leaseDurationSeconds: cfg.leaseDurationSeconds,
    leaseRenewMs: cfg.leaseRenewMs,
    statusUpdateMs: cfg.statusUpdateMs,
  });
  const started = await agent.start();
  if (!started.ok) {
    process.stderr.write(`tsk-agent: ${started.reason}\n`);
    process.exit(1);
  }
  logger.info({ nodes: started.nodes, server: cfg.server, pid: process.pid }, 'tsk-agent running');
  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    void agent.stop().finally(() => {
      for (const c of [client, watchClient]) c.close();
      logger.flush();
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main(config, config.hollow).catch((err: unknown) => {
  logger.fatal({ err }, 'tsk-agent failed to start');
  logger.flush();
  setTimeout(() => process.exit(1), 100);
});
