/**
 * tsctl delete (-f FILE | KIND NAME... | KIND -l SEL | KIND --all) [--cascade=...]
 * [--grace-period N] [--now]: prints `pod "x" deleted` per object like kubectl; keeps going
 * past a missing object and exits 1 at the end.
 */
import { NotFoundError, type KindInfo } from '@tsk/api';
import { type PropagationPolicy } from '@tsk/client';
import { type Command, Option } from 'commander';
import { CliError, notFoundMessage, quotedName, ReportedError } from '../errors.js';
import { parseTargets } from '../kinds.js';
import { parseSources, readSources } from '../manifests.js';
import { type ContextFactory } from '../program.js';
import { dryRunOption, isServerDryRun } from './apply.js';

const CASCADE: Record<string, PropagationPolicy> = { background: 'Background', foreground: 'Foreground', orphan: 'Orphan', true: 'Background', false: 'Orphan' };

interface DeleteFlags {
  filename: string[];
  cascade?: string;
  gracePeriod?: string;
  now?: boolean;
  force?: boolean;
  selector?: string;
  all?: boolean;
  ignoreNotFound?: boolean;
  dryRun?: string;
  wait?: boolean;
}

interface Victim {
  readonly info: KindInfo;
  readonly namespace: string;
  readonly name: string;
}

function gracePeriod(flags: DeleteFlags): number | undefined {
  if (flags.now === true) return 1; // kubectl: --now is --grace-period=1
  if (flags.gracePeriod === undefined) return flags.force === true ? 0 : undefined;
  const n = Number(flags.gracePeriod);
  if (!Number.isInteger(n)) throw new CliError(`invalid argument "${flags.gracePeriod}" for "--grace-period" flag: expected an integer`);
  // kubectl: a negative value means "the object's own"; 0 means immediately only with --force.
  if (n < 0) return undefined;
  return n === 0 && flags.force !== true ? 1 : n;
}

export function registerDelete(program: Command, context: ContextFactory): void {
  program
    .command('delete')
    .description('Delete objects by file, by kind and name, or by label selector')
    .argument('[kind]', 'kind ("pod", "deploy"...) or KIND/NAME')
    .argument('[names...]', 'names of objects')
    .option('-f, --filename <path>', 'file, directory or - naming the objects to delete (repeatable)', (v: string, p: string[]) => [...p, v], [])
    .addOption(new Option('--cascade [policy]', 'what happens to dependents').choices(['background', 'foreground', 'orphan', 'true', 'false']).preset('background'))
    .option('--grace-period <seconds>', 'seconds the object is given to terminate (-1: its own)')
    .option('--now', 'signal the object to stop at once (grace period 1)')
    .option('--force', 'with --grace-period=0, delete without waiting for the node')
    .option('-l, --selector <selector>', 'delete every object of the kind matching the selector')
    .option('--all', 'delete every object of the kind in the namespace')
    .option('--ignore-not-found', 'treat "not found" as success')
    .option('--wait', 'accepted for kubectl compatibility; deletion is not awaited')
    .addOption(dryRunOption())
    .action(async (kind: string | undefined, names: string[], flags: DeleteFlags, cmd: Command) => {
      const ctx = context(cmd);
      const dryRun = isServerDryRun(flags.dryRun);
      const client = ctx.client();
      const victims: Victim[] = [];
      if (flags.filename.length > 0) {
        if (kind !== undefined) throw new CliError('when -f is given, no KIND or NAME arguments are accepted');
        for (const d of parseSources(await readSources(flags.filename, ctx.io.readStdin))) {
          const ns = d.object.metadata?.namespace ?? '';
          victims.push({ info: d.info, namespace: ns !== '' ? ns : ctx.namespace, name: d.object.metadata?.name ?? '' });
        }
      } else {
        if (kind === undefined) throw new CliError('you must provide one or more resources by argument or filename (-f)');
        for (const t of parseTargets([kind, ...names])) {
          if (t.names.length > 0) {
            for (const name of t.names) victims.push({ info: t.info, namespace: ctx.namespace, name });
            continue;
          }
          if (flags.selector === undefined && flags.all !== true) throw new CliError('resource(s) were provided, but no name was specified');
          const namespace = !t.info.namespaced || ctx.allNamespaces ? '' : ctx.namespace;
          const list = await client.list(t.info, { namespace, ...(flags.selector !== undefined ? { labelSelector: flags.selector } : {}) });
          for (const o of list.items) victims.push({ info: t.info, namespace: o.metadata?.namespace ?? '', name: o.metadata?.name ?? '' });
          if (list.items.length === 0) ctx.err(namespace === '' ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`);
        }
      }
      const policy = flags.cascade === undefined ? undefined : CASCADE[flags.cascade];
      const grace = gracePeriod(flags);
      const errors: string[] = [];
      for (const v of victims) {
        try {
          await client.delete(v.info, v.namespace, v.name, {
            dryRun,
            ...(policy !== undefined ? { propagationPolicy: policy } : {}),
            ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}),
          });
          ctx.out(`${quotedName(v.info, v.name)} deleted${dryRun ? ' (server dry run)' : ''}\n`);
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
          if (flags.ignoreNotFound !== true) errors.push(notFoundMessage(v.info, v.name));
        }
      }
      for (const e of errors) ctx.err(`${e}\n`);
      if (errors.length > 0) throw new ReportedError(errors[0]);
    });
}
