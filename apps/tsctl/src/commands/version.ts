/**
 * tsctl version [--client] [-o json|yaml]: the client's version, then the server's, as kubectl
 * prints them; an unreachable server still shows the client's line before the error.
 */
import { readFileSync } from 'node:fs';
import { type VersionResponse } from '@tsk/api';
import { type Command } from 'commander';
import { CliError } from '../errors.js';
import { formatJson, formatYaml } from '../output.js';
import { type ContextFactory } from '../program.js';

export function clientVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return `v${pkg.version ?? '0.0.0'}`;
  } catch {
    return 'v0.0.0-unknown';
  }
}

export function registerVersion(program: Command, context: ContextFactory): void {
  program
    .command('version')
    .description('Print the client and server versions')
    .option('--client', 'only the client version (no server needed)')
    .option('-o, --output <format>', 'json or yaml')
    .action(async (opts: { client?: boolean; output?: string }, cmd: Command) => {
      const ctx = context(cmd);
      if (opts.output !== undefined && opts.output !== 'json' && opts.output !== 'yaml') {
        throw new CliError(`--output must be 'yaml' or 'json'`);
      }
      const client = { gitVersion: clientVersion(), platform: `${process.platform}/${process.arch}`, nodeVersion: process.version };
      let server: VersionResponse | undefined;
      let failure: unknown;
      if (opts.client !== true) {
        try {
          server = await ctx.client().version();
        } catch (err) {
          failure = err;
        }
      }
      if (opts.output !== undefined) {
        const value = { clientVersion: client, ...(server !== undefined ? { serverVersion: server } : {}) };
        ctx.out(opts.output === 'json' ? formatJson(value) : formatYaml(value));
      } else {
        ctx.out(`Client Version: ${client.gitVersion}\n`);
        if (server !== undefined) ctx.out(`Server Version: ${server.version ?? ''}\nStore Backend: ${server.storeBackend ?? ''}\n`);
      }
      if (failure !== undefined) throw failure;
    });
}
