/**
 * tsctl rollout status|history|undo|restart|pause|resume: kubectl's rollout verbs for
 * Deployments (status and restart for DaemonSets too). The decisions (which template a rollback
 * writes, what a status line says) are @tsk/controllers' pure helpers; this file reads and
 * writes objects and prints kubectl's lines.
 */
import { ExpiredError, type DaemonSet, type Deployment, type KindInfo, type KindObject, type PodTemplateSpec, type ReplicaSet } from '@tsk/api';
import { modify } from '@tsk/client';
import {
  CHANGE_CAUSE_ANNOTATION,
  daemonSetRolloutStatus,
  deploymentRolloutStatus,
  restartTemplate,
  rollbackTemplate,
  rolloutHistory,
  type RolloutStatus,
} from '@tsk/controllers';
import { type Command } from 'commander';
import { type Context } from '../context.js';
import { CliError, ReportedError } from '../errors.js';
import { type ContextFactory } from '../program.js';
import { countFlag, done, namedObjects, orNotFound, type Named } from './scale.js';

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration ("90s", "2m", "1h30m", "0") in ms, as kubectl's --timeout takes it. */
export function parseDuration(flag: string, text: string): number {
  if (text === '0') return 0;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    const why = /^\d+(\.\d+)?$/.test(text) ? `time: missing unit in duration "${text}"` : `time: invalid duration "${text}"`;
    throw new CliError(`invalid argument "${text}" for "--${flag}" flag: ${why}`);
  }
  return parts.reduce((ms, p) => ms + Number(p[1]) * (UNITS[p[2] ?? ''] ?? 0), 0);
}

/** Go's Duration.String: 90000 → "1m30s", 120000 → "2m0s", 500 → "500ms". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${s}s`;
}

/** kubectl's GroupKind form in "not implemented" errors: "Pod", "Job.batch". */
function groupKind(info: KindInfo): string {
  return info.group === '' ? info.kind : `${info.kind}.${info.group}`;
}

/** kubectl's `deployments.apps "web"` form in per-object errors. */
function resourceName(t: Named): string {
  return `${t.info.group === '' ? t.info.plural : `${t.info.plural}.${t.info.group}`} "${t.name}"`;
}

function statusOf(info: KindInfo, object: KindObject): RolloutStatus {
  return info.kind === 'Deployment' ? deploymentRolloutStatus(object as Deployment) : daemonSetRolloutStatus(object as DaemonSet);
}

/** -w=false, --watch=false, -w, or -w swallowing the next word (kubectl's bool flags never take one). */
function watchFlag(value: string | boolean | undefined, args: string[]): boolean {
  if (value === undefined || value === true) return true;
  const v = String(value).replace(/^=/, '').toLowerCase();
  if (['true', 't', '1'].includes(v)) return true;
  if (['false', 'f', '0'].includes(v)) return false;
  args.unshift(String(value));
  return true;
}

/**
 * Prints the rollout's status line each time it changes until done. kubectl prints one per
 * event; repeating an unchanged line says nothing new, so it is printed once.
 */
async function rolloutStatus(ctx: Context, t: Named, watch: boolean, timeoutMs: number): Promise<void> {
  if (t.info.kind !== 'Deployment' && t.info.kind !== 'DaemonSet') throw new CliError(`no status viewer has been implemented for ${groupKind(t.info)}`);
  const client = ctx.client();
  const timeout = new AbortController();
  const timer = timeoutMs > 0 ? setTimeout(() => timeout.abort(), timeoutMs) : undefined;
  const signal = AbortSignal.any([ctx.io.signal, timeout.signal]);
  let last = '';
  /** True when the rollout is over (done, failed, or one look was asked for). */
  const show = (o: KindObject): boolean => {
    const s = statusOf(t.info, o);
    if (s.error !== undefined) throw new CliError(s.error);
    if (s.message !== last) ctx.out(`${s.message}\n`);
    last = s.message;
    return s.done || !watch;
  };
  try {
    let object = await orNotFound(ctx, t, () => client.get(t.info, t.namespace, t.name));
    if (show(object)) return;
    for (;;) {
      try {
        const filter = { namespace: t.namespace, fieldSelector: `metadata.name=${t.name}`, resourceVersion: object.metadata?.resourceVersion ?? '', signal };
        for await (const ev of client.watch(t.info, filter)) {
          if (ev.type === 'BOOKMARK') continue;
          if (ev.type === 'DELETED') throw new CliError('object has been deleted');
          object = ev.object;
          if (show(object)) return;
        }
        if (signal.aborted) break;
        // The client resumes dropped streams itself; should the iteration still end, never exit 0 unfinished.
        object = await orNotFound(ctx, t, () => client.get(t.info, t.namespace, t.name, { signal }));
        if (show(object)) return;
      } catch (err) {
        if (signal.aborted && !(err instanceof CliError)) break;
        // Compacted past our revision: read the object again and watch from there.
        if (!(err instanceof ExpiredError)) throw err;
        object = await orNotFound(ctx, t, () => client.get(t.info, t.namespace, t.name));
        if (show(object)) return;
      }
    }
    if (timeout.signal.aborted) throw new CliError('timed out waiting for the condition');
  } finally {
    clearTimeout(timer);
  }
}

async function replicaSetsOf(ctx: Context, d: Deployment): Promise<ReplicaSet[]> {
  return (await ctx.client().list<ReplicaSet>('ReplicaSet', { namespace: d.metadata?.namespace ?? ctx.namespace })).items;
}

function deploymentsOnly(t: Named, what: string): void {
  if (t.info.kind !== 'Deployment') throw new CliError(`no ${what} has been implemented for ${groupKind(t.info)}`);
}

/** kubectl's tabwriter (padding 2) for REVISION  CHANGE-CAUSE. */
function historyTable(rows: readonly [string, string][]): string {
  const width = Math.max(...rows.map((r) => r[0].length)) + 2;
  return rows.map(([a, b]) => `${a.padEnd(width)}${b}\n`).join('');
}

function templateText(t: PodTemplateSpec): string {
  const pairs = (m: Record<string, string> | undefined, sep: string): string[] => Object.entries(m ?? {}).map(([k, v]) => `${k}${sep}${v}`);
  const block = (key: string, values: string[], indent: string): string =>
    values.length === 0 ? `${indent}${key}:\t<none>\n` : values.map((v, i) => (i === 0 ? `${indent}${key}:\t${v}\n` : `${indent}\t${v}\n`)).join('');
  let out = 'Pod Template:\n' + block('Labels', pairs(t.metadata?.labels, '='), '  ') + block('Annotations', pairs(t.metadata?.annotations, ': '), '  ') + '  Containers:\n';
  for (const c of t.spec?.containers ?? []) {
    out += `   ${c.name ?? ''}:\n    Image:\t${c.image ?? ''}\n`;
    const ports = (c.ports ?? []).map((p) => `${p.containerPort ?? 0}/${p.protocol ?? 'TCP'}`);
    out += `    Port:\t${ports.length > 0 ? ports.join(', ') : '<none>'}\n`;
    out += block('Environment', (c.env ?? []).map((e) => `${e.name ?? ''}:\t${e.value ?? ''}`), '    ');
  }
  return out;
}

async function history(ctx: Context, t: Named, revision: number): Promise<void> {
  deploymentsOnly(t, 'history viewer');
  const d = await orNotFound(ctx, t, () => ctx.client().get<Deployment>(t.info, t.namespace, t.name));
  const entries = rolloutHistory(d, await replicaSetsOf(ctx, d));
  if (revision > 0) {
    const entry = entries.find((e) => e.revision === revision);
    if (entry === undefined) throw new CliError('unable to find the specified revision');
    ctx.out(done(t, `with revision #${revision}`) + templateText(entry.template) + '\n');
    return;
  }
  if (entries.length === 0) {
    ctx.out(done(t, '') + 'No rollout history found.\n');
    return;
  }
  const rows: [string, string][] = [['REVISION', 'CHANGE-CAUSE'], ...entries.map((e): [string, string] => [String(e.revision), e.changeCause === '' ? '<none>' : e.changeCause])];
  // kubectl's name line ends with the space before its (multi-line) "operation", and a blank line follows.
  ctx.out(done(t, '') + historyTable(rows) + '\n');
}

async function undo(ctx: Context, t: Named, toRevision: number): Promise<void> {
  deploymentsOnly(t, 'rollbacker');
  const client = ctx.client();
  let result = 'rolled back';
  await orNotFound(ctx, t, async () => {
    const first = await client.get<Deployment>(t.info, t.namespace, t.name);
    const rss = await replicaSetsOf(ctx, first);
    return modify<Deployment>(client, t.info, t.namespace, t.name, (d) => {
      if (d.spec?.paused === true) throw new CliError("you cannot rollback a paused deployment; resume it first with 'tsctl rollout resume' and try again");
      const r = rollbackTemplate(d, rss, toRevision);
      if (!r.ok) {
        if (!r.skipped) throw new CliError(r.message === 'no previous revision found' || r.message === 'no rollout history found' ? `no rollout history found for deployment "${t.name}"` : r.message);
        result = r.message;
        return false;
      }
      result = 'rolled back';
      // The restored revision's change-cause comes back with it, as kubectl's rollback patch does.
      const from = rolloutHistory(d, rss).find((e) => e.revision === r.revision)?.replicaSet;
      const cause = rss.find((rs) => rs.metadata?.name === from)?.metadata?.annotations?.[CHANGE_CAUSE_ANNOTATION];
      if (cause !== undefined) d.metadata = { ...d.metadata, annotations: { ...(d.metadata?.annotations ?? {}), [CHANGE_CAUSE_ANNOTATION]: cause } };
      d.spec = { ...d.spec, template: r.template };
      return d;
    });
  });
  ctx.out(done(t, result));
}

type WithTemplate = KindObject & { spec?: { template?: PodTemplateSpec | undefined; paused?: boolean | undefined } | undefined };

async function restart(ctx: Context, t: Named): Promise<void> {
  if (t.info.kind !== 'Deployment' && t.info.kind !== 'DaemonSet') throw new CliError(`${resourceName(t)} restarting is not supported`);
  await orNotFound(ctx, t, () =>
    modify<WithTemplate>(ctx.client(), t.info, t.namespace, t.name, (o) => {
      if (o.spec?.paused === true) throw new CliError(`${resourceName(t)} can't restart paused deployment (run rollout resume first)`);
      o.spec = { ...(o.spec ?? {}), template: restartTemplate(o.spec?.template, ctx.io.now()) };
    }),
  );
  ctx.out(done(t, 'restarted'));
}

async function setPaused(ctx: Context, t: Named, paused: boolean): Promise<void> {
  if (t.info.kind !== 'Deployment') throw new CliError(`${resourceName(t)} ${paused ? 'pausing' : 'resuming'} is not supported`);
  await orNotFound(ctx, t, () =>
    modify<Deployment>(ctx.client(), t.info, t.namespace, t.name, (d) => {
      if ((d.spec?.paused === true) === paused) throw new CliError(`${resourceName(t)} ${paused ? 'is already paused' : 'is not paused'}`);
      d.spec = { ...d.spec, paused };
    }),
  );
  ctx.out(done(t, paused ? 'paused' : 'resumed'));
}

/** Runs `fn` on every named object, reporting each failure and exiting 1 at the end (as kubectl). */
async function each(ctx: Context, targets: readonly Named[], fn: (t: Named) => Promise<void>): Promise<void> {
  let failed: unknown;
  for (const t of targets) {
    try {
      await fn(t);
    } catch (err) {
      if (targets.length === 1) throw err;
      if (!(err instanceof ReportedError)) ctx.err(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      failed ??= err;
    }
  }
  if (failed !== undefined) throw new ReportedError('some objects failed');
}

interface Flags {
  selector?: string;
  watch?: string | boolean;
  timeout?: string;
  revision?: string;
  toRevision?: string;
}

export function registerRollout(program: Command, context: ContextFactory): void {
  const rollout = program.command('rollout').description('Manage the rollout of Deployments and DaemonSets').helpCommand(false);
  const verb = (name: string, description: string, allWhenUnnamed: boolean, fn: (ctx: Context, t: Named, flags: Flags) => Promise<void>): Command =>
    rollout
      .command(name)
      .description(description)
      .argument('[args...]', 'KIND NAME or KIND/NAME (several allowed)')
      .option('-l, --selector <selector>', 'act on every object of the kind matching the selector')
      .action(async (args: string[], flags: Flags, cmd: Command) => {
        const ctx = context(cmd);
        const targets = await namedObjects(ctx, args, flags, allWhenUnnamed);
        await each(ctx, targets, (t) => fn(ctx, t, flags));
      });

  verb('history', 'View rollout history (REVISION and CHANGE-CAUSE)', false, (ctx, t, f) => history(ctx, t, countFlag('revision', f.revision) ?? 0)).option(
    '--revision <n>',
    'show the pod template of this revision',
  );
  verb('undo', 'Roll back to the previous revision (or --to-revision N)', false, (ctx, t, f) => undo(ctx, t, countFlag('to-revision', f.toRevision) ?? 0)).option(
    '--to-revision <n>',
    'the revision to roll back to (default: the previous one)',
  );
  verb('restart', 'Restart every pod by a new rollout', true, restart);
  verb('pause', 'Pause a Deployment: template changes wait until resume', false, (ctx, t) => setPaused(ctx, t, true));
  verb('resume', 'Resume a paused Deployment', false, (ctx, t) => setPaused(ctx, t, false));

  rollout
    .command('status')
    .description('Watch a rollout until it finishes')
    .argument('[args...]', 'KIND NAME or KIND/NAME')
    .option('-w, --watch [bool]', 'watch until done (-w=false: print the status once)')
    .option('--timeout <duration>', 'give up after this long, e.g. 2m (0: never)', '0s')
    .action(async (args: string[], flags: Flags, cmd: Command) => {
      const ctx = context(cmd);
      const watch = watchFlag(flags.watch, args);
      const timeoutMs = parseDuration('timeout', flags.timeout ?? '0s');
      if (args.length === 0) throw new CliError('required resource not specified');
      const targets = await namedObjects(ctx, args, {});
      if (targets.length !== 1) throw new CliError(`rollout status is only supported on individual resources and resource collections, but ${targets.length} resources were found`);
      await rolloutStatus(ctx, targets[0]!, watch, timeoutMs);
    });
}
