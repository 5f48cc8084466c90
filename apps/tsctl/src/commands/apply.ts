/**
 * tsctl apply -f FILE|DIR|- [-f ...] [--dry-run=server]: parse every document locally (errors
 * name file, document and field), then send them all in ONE Apply request so the server
 * validates everything before it writes anything.
 */
import { displayName, InvalidError, isTskError, TskError } from '@tsk/api';
import { type Command, Option } from 'commander';
import { CliError } from '../errors.js';
import { locateMessage, parseSources, readSources } from '../manifests.js';
import { type ContextFactory } from '../program.js';

export function dryRunOption(): Option {
  return new Option('--dry-run [strategy]', 'only "server": the server validates and defaults, nothing is stored')
    .choices(['server', 'none', 'client'])
    .preset('client');
}

/** True for --dry-run=server; client-side dry runs cannot say created vs configured, so refused. */
export function isServerDryRun(value: unknown): boolean {
  if (value === undefined || value === 'none') return false;
  if (value === 'server') return true;
  throw new CliError('--dry-run=client is not supported; use --dry-run=server');
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerApply(program: Command, context: ContextFactory): void {
  program
    .command('apply')
    .description('Create or update objects from files, a directory or stdin')
    .option('-f, --filename <path>', 'file, directory of .yaml/.yml/.json files, or - for stdin (repeatable)', collect, [])
    .addOption(dryRunOption())
    .action(async (opts: { filename: string[]; dryRun?: string }, cmd: Command) => {
      const ctx = context(cmd);
      const dryRun = isServerDryRun(opts.dryRun);
      const docs = parseSources(await readSources(opts.filename, ctx.io.readStdin));
      if (docs.length === 0) throw new CliError('no objects passed to apply');
      if (ctx.namespaceExplicit) {
        for (const d of docs) {
          const ns = d.object.metadata?.namespace ?? '';
          if (d.info.namespaced && ns !== '' && ns !== ctx.namespace) {
            throw new CliError(
              `${d.file}: document ${d.index}: the namespace from the provided object "${ns}" does not match the namespace "${ctx.namespace}". You must pass '--namespace=${ns}' to perform this operation.`,
            );
          }
        }
      }
      let results;
      try {
        results = await ctx.client().apply(docs, { dryRun, namespace: ctx.namespace });
      } catch (err) {
        if (!isTskError(err)) throw err;
        const message = locateMessage(err.message, docs);
        throw err.code === 'INVALID_ARGUMENT' ? new InvalidError(message) : new TskError(err.code, message, { cause: err });
      }
      const suffix = dryRun ? ' (server dry run)' : '';
      for (const r of results) ctx.out(`${displayName(r.info, r.object.metadata?.name ?? '')} ${r.action}${suffix}\n`);
    });
}
