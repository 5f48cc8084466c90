/**
 * tsctl describe KIND [NAME...] [-l SEL]: kubectl's detailed view of objects and their Events.
 */
import { NotFoundError, type Event, type KindObject } from '@tsk/api';
import { type Command } from 'commander';
import { describeObject } from '../describe.js';
import { notFoundMessage, ReportedError } from '../errors.js';
import { kindArg } from '../kinds.js';
import { type ContextFactory } from '../program.js';

export function registerDescribe(program: Command, context: ContextFactory): void {
  program
    .command('describe')
    .description('Show details of objects, with their events')
    .argument('<kind>', 'kind ("pod", "deploy"...) or KIND/NAME')
    .argument('[names...]', 'names (default: every object of the kind)')
    .option('-l, --selector <selector>', 'label selector')
    .action(async (kindText: string, names: string[], opts: { selector?: string }, cmd: Command) => {
      const ctx = context(cmd);
      const slash = kindText.indexOf('/');
      const info = kindArg(slash > 0 ? kindText.slice(0, slash) : kindText);
      const wanted = slash > 0 ? [kindText.slice(slash + 1), ...names] : names;
      const client = ctx.client();
      const namespace = info.namespaced && !ctx.allNamespaces ? ctx.namespace : '';
      const errors: string[] = [];
      let objects: KindObject[] = [];
      if (wanted.length === 0) {
        objects = (await client.list(info, { namespace, ...(opts.selector !== undefined ? { labelSelector: opts.selector } : {}) })).items;
      } else {
        for (const name of wanted) {
          try {
            objects.push(await client.get(info, ctx.namespace, name));
          } catch (err) {
            if (!(err instanceof NotFoundError)) throw err;
            errors.push(notFoundMessage(info, name));
          }
        }
      }
      if (objects.length > 0) {
        // Events of namespaced objects live in their namespace; of cluster-scoped ones, anywhere.
        const events = (await client.list<Event>('Event', { namespace: wanted.length > 0 ? namespace : '' })).items;
        ctx.out(objects.map((o) => describeObject(info, o, events, ctx.io.now())).join('\n\n'));
      } else if (errors.length === 0) {
        ctx.err(info.namespaced && !ctx.allNamespaces ? `No resources found in ${ctx.namespace} namespace.\n` : 'No resources found\n');
      }
      for (const e of errors) ctx.err(`${e}\n`);
      if (errors.length > 0) throw new ReportedError(errors[0]);
    });
}
