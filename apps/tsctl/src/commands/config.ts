/**
 * tsctl config view: the effective configuration (server, namespace) and where the server
 * address came from, as YAML.
 */
import { type Command } from 'commander';
import { formatJson, formatYaml } from '../output.js';
import { type ContextFactory } from '../program.js';

export function registerConfig(program: Command, context: ContextFactory): void {
  const config = program.command('config').description('Show tsctl configuration (~/.tsk/config)');
  config
    .command('view')
    .description('Print the effective configuration')
    .option('-o, --output <format>', 'yaml (default) or json')
    .action((opts: { output?: string }, cmd: Command) => {
      const ctx = context(cmd);
      const c = ctx.config;
      const value = { server: c.server, namespace: c.namespace };
      if (opts.output === 'json') {
        ctx.out(formatJson(value));
        return;
      }
      ctx.out(`# ${c.configPath}; server from ${c.serverSource}\n${formatYaml(value)}`);
    });
}
