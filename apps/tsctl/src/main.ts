#!/usr/bin/env node
/**
 * tsctl's process entry: real stdin/stdout/stderr, SIGINT ends watches, exit status from run().
 */
import { homedir } from 'node:os';
import { createLogger, levelFromEnv } from '@tsk/log';
import { run } from './program.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

const interrupt = new AbortController();
process.once('SIGINT', () => interrupt.abort());
process.once('SIGTERM', () => interrupt.abort());
// `tsctl get -o name | head -1` closes our stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const code = await run(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin,
  env: process.env,
  home: process.env['HOME'] ?? homedir(),
  now: () => Date.now(),
  signal: interrupt.signal,
  logger: createLogger({ name: 'tsctl', level: levelFromEnv('warn'), pretty: false }),
});
// Exit now: an idle gRPC channel must not keep a finished command alive.
process.exit(code);
