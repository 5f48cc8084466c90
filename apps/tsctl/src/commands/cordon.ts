/**
 * tsctl cordon|uncordon NODE... (or -l SEL): sets or clears spec.unschedulable, printing
 * kubectl's `node/n1 cordoned`, or `node/n1 already cordoned` when there is nothing to do.
 */
import { kindOf, type Node } from '@tsk/api';
import { modify } from '@tsk/client';
import { type Command } from 'commander';
import { type Context } from '../context.js';
import { CliError } from '../errors.js';
import { type ContextFactory } from '../program.js';
import { done, namedObjects, orNotFound, type Named } from './scale.js';

const NODE = kindOf('Node');

/** Cordons (or uncordons) one node and prints what happened; drain cordons through this too. */
export async function setUnschedulable(ctx: Context, name: string, unschedulable: boolean): Promise<void> {
  const target: Named = { info: NODE, namespace: '', name };
  let changed = false;
  await orNotFound(ctx, target, () =>
    modify<Node>(ctx.client(), NODE, '', name, (n) => {
      // Set on every attempt: a conflict retry may find someone else already did it.
      changed = (n.spec?.unschedulable === true) !== unschedulable;
      if (!changed) return false;
      // Uncordon clears the field rather than writing false, as kubectl's patch does.
      const { unschedulable: _old, ...rest } = n.spec ?? {};
      n.spec = unschedulable ? { ...rest, unschedulable: true } : rest;
      return n;
    }),
  );
  const verb = unschedulable ? 'cordoned' : 'uncordoned';
  ctx.out(done(target, changed ? verb : `already ${verb}`));
}

function register(program: Command, context: ContextFactory, verb: 'cordon' | 'uncordon'): void {
  const cordon = verb === 'cordon';
  program
    .command(verb)
    .description(cordon ? 'Mark nodes as unschedulable' : 'Mark nodes as schedulable')
    .argument('[nodes...]', 'node names')
    .option('-l, --selector <selector>', `${verb} every node matching the selector`)
    .action(async (nodes: string[], flags: { selector?: string }, cmd: Command) => {
      const ctx = context(cmd);
      if (nodes.length === 0 && flags.selector === undefined) throw new CliError('resource(s) were provided, but no name was specified');
      if (nodes.length > 0 && flags.selector !== undefined) throw new CliError('cannot specify both a node name and a --selector option');
      const targets = flags.selector !== undefined ? await namedObjects(ctx, ['nodes'], flags) : nodes.map((name) => ({ info: NODE, namespace: '', name }));
      for (const t of targets) await setUnschedulable(ctx, t.name, cordon);
    });
}

export function registerCordon(program: Command, context: ContextFactory): void {
  register(program, context, 'cordon');
}

export function registerUncordon(program: Command, context: ContextFactory): void {
  register(program, context, 'uncordon');
}
