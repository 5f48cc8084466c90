/**
 * tsctl get KIND [NAME...] [-o wide|json|yaml|name] [-l SEL] [--field-selector S] [-w] [-A]
 * [--no-headers]: kubectl's tables and formats; -w streams each change as a row.
 */
import { ExpiredError, NotFoundError, type KindInfo, type KindObject } from '@tsk/api';
import { keyOf, laterVersion } from '@tsk/client';
import { type Command } from 'commander';
import { type Context } from '../context.js';
import { notFoundMessage, ReportedError } from '../errors.js';
import { parseTargets, type Target } from '../kinds.js';
import { formatJson, formatObjects, formatYaml, manifestOf, nameOf, parseOutput, tableOf, UsageError, type Item, type OutputFormat } from '../output.js';
import { columnWidths, formatRows } from '../table.js';
import { type ContextFactory } from '../program.js';

interface GetOptions {
  output?: string;
  selector?: string;
  fieldSelector?: string;
  watch?: boolean;
  watchOnly?: boolean;
  headers: boolean;
  showLabels?: boolean;
}

interface Fetched {
  readonly target: Target;
  readonly objects: KindObject[];
  readonly resourceVersion: string;
}

function listNamespace(ctx: Context, info: KindInfo): string {
  return !info.namespaced || ctx.allNamespaces ? '' : ctx.namespace;
}

async function fetch(ctx: Context, target: Target, opts: GetOptions, errors: string[]): Promise<Fetched> {
  const client = ctx.client();
  const { info, names } = target;
  if (names.length === 0) {
    const list = await client.list(info, {
      namespace: listNamespace(ctx, info),
      ...(opts.selector !== undefined ? { labelSelector: opts.selector } : {}),
      ...(opts.fieldSelector !== undefined ? { fieldSelector: opts.fieldSelector } : {}),
    });
    return { target, objects: list.items, resourceVersion: list.resourceVersion };
  }
  const objects: KindObject[] = [];
  for (const name of names) {
    try {
      objects.push(await client.get(info, ctx.namespace, name));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      errors.push(notFoundMessage(info, name));
    }
  }
  // Each object's own revision is its latest: watching from the highest misses none of them.
  const resourceVersion = objects.map((o) => o.metadata?.resourceVersion ?? '').reduce(laterVersion, '');
  return { target, objects, resourceVersion };
}

function withLabels(headers: string[], rows: string[][], objects: readonly KindObject[]): void {
  headers.push('LABELS');
  rows.forEach((row, i) => {
    const labels = Object.entries(objects[i]?.metadata?.labels ?? {}).map(([k, v]) => `${k}=${v}`);
    row.push(labels.length > 0 ? labels.join(',') : '<none>');
  });
}

function emptyMessage(ctx: Context, targets: readonly Target[]): string {
  const namespaced = targets.some((t) => t.info.namespaced);
  return namespaced && !ctx.allNamespaces ? `No resources found in ${ctx.namespace} namespace.\n` : 'No resources found\n';
}

function printTables(ctx: Context, fetched: readonly Fetched[], format: OutputFormat, opts: GetOptions): number[] {
  let widths: number[] = [];
  const several = fetched.length > 1;
  let first = true;
  for (const f of fetched) {
    if (f.objects.length === 0) continue;
    const { headers, rows } = tableOf(f.target.info, f.objects, {
      wide: format === 'wide',
      namespaceColumn: ctx.allNamespaces && f.target.info.namespaced,
      kindPrefix: several,
      now: ctx.io.now(),
    });
    if (opts.showLabels === true) withLabels(headers, rows, f.objects);
    const all = opts.headers ? [headers, ...rows] : rows;
    widths = columnWidths(all);
    if (!first) ctx.out('\n');
    first = false;
    ctx.out(formatRows(all, widths));
  }
  return widths;
}

/** Prints one watched object in the chosen format, growing the table's widths as needed. */
class WatchPrinter {
  constructor(
    private readonly ctx: Context,
    private readonly info: KindInfo,
    private readonly format: OutputFormat,
    private readonly opts: GetOptions,
    private widths: number[],
    private printedHeader: boolean,
  ) {}

  print(object: KindObject): void {
    const { ctx, info, format, opts } = this;
    const item: Item = { info, object };
    if (format === 'json') ctx.out(formatJson(manifestOf(item)));
    else if (format === 'yaml') ctx.out(`---\n${formatYaml(manifestOf(item))}`);
    else if (format === 'name') ctx.out(`${nameOf(item)}\n`);
    else {
      const { headers, rows } = tableOf(info, [object], {
        wide: format === 'wide',
        namespaceColumn: ctx.allNamespaces && info.namespaced,
        kindPrefix: false,
        now: ctx.io.now(),
      });
      if (opts.showLabels === true) withLabels(headers, rows, [object]);
      const lines = !this.printedHeader && opts.headers ? [headers, ...rows] : rows;
      this.printedHeader = true;
      this.widths = columnWidths(lines, this.widths);
      ctx.out(formatRows(lines, this.widths));
    }
  }
}

/**
 * Streams changes as rows until ^C. A watch that expires (410) lists again and prints what
 * changed meanwhile, so a long-running `get -w` never stops or skips a change.
 */
async function watchChanges(ctx: Context, f: Fetched, printer: WatchPrinter, opts: GetOptions): Promise<void> {
  const { info, names } = f.target;
  const fieldSelector = [opts.fieldSelector, names.length === 1 ? `metadata.name=${names[0]}` : undefined].filter((s) => s !== undefined && s !== '').join(',');
  const filter = {
    namespace: names.length > 0 ? ctx.namespace : listNamespace(ctx, info),
    ...(opts.selector !== undefined ? { labelSelector: opts.selector } : {}),
    ...(fieldSelector !== '' ? { fieldSelector } : {}),
  };
  const wanted = (o: KindObject): boolean => names.length <= 1 || names.includes(o.metadata?.name ?? '');
  const seen = new Map<string, string>(f.objects.map((o) => [keyOf(o), o.metadata?.resourceVersion ?? '']));
  let resourceVersion = f.resourceVersion;
  while (!ctx.io.signal.aborted) {
    try {
      for await (const ev of ctx.client().watch(info, { ...filter, ...(resourceVersion !== '' ? { resourceVersion } : {}), signal: ctx.io.signal })) {
        if (ev.type === 'BOOKMARK' || !wanted(ev.object)) continue;
        seen.set(keyOf(ev.object), ev.object.metadata?.resourceVersion ?? '');
        printer.print(ev.object);
      }
      return;
    } catch (err) {
      if (!(err instanceof ExpiredError)) throw err;
      const list = await ctx.client().list(info, filter);
      for (const o of list.items.filter(wanted)) {
        if (seen.get(keyOf(o)) === o.metadata?.resourceVersion) continue;
        seen.set(keyOf(o), o.metadata?.resourceVersion ?? '');
        printer.print(o);
      }
      resourceVersion = list.resourceVersion;
    }
  }
}

export function registerGet(program: Command, context: ContextFactory): void {
  program
    .command('get')
    .description('Display one or many objects')
    .argument('<kind>', 'kind ("pods", "po", "deploy", "pods,svc") or KIND/NAME')
    .argument('[names...]', 'names of objects (default: all)')
    .option('-o, --output <format>', 'wide, json, yaml or name')
    .option('-l, --selector <selector>', 'label selector, e.g. "app=web,tier!=db"')
    .option('--field-selector <selector>', 'field selector, e.g. "status.phase=Running"')
    .option('-w, --watch', 'after listing, watch for changes')
    .option('--watch-only', 'watch for changes without listing first')
    .option('--no-headers', 'do not print headers')
    .option('--show-labels', 'add a LABELS column')
    .action(async (kind: string, names: string[], opts: GetOptions, cmd: Command) => {
      const ctx = context(cmd);
      const format = parseOutput(opts.output);
      const targets = parseTargets([kind, ...names]);
      if (ctx.allNamespaces && targets.some((t) => t.names.length > 0)) {
        throw new UsageError('a resource cannot be retrieved by name across all namespaces');
      }
      const watching = opts.watch === true || opts.watchOnly === true;
      if (watching && targets.length > 1) throw new UsageError('you may only specify a single resource type with --watch');
      const errors: string[] = [];
      const fetched: Fetched[] = [];
      for (const t of targets) fetched.push(await fetch(ctx, t, opts, errors));
      const items: Item[] = fetched.flatMap((f) => f.objects.map((object) => ({ info: f.target.info, object })));
      let widths: number[] = [];
      if (opts.watchOnly !== true) {
        if (format === 'json' || format === 'yaml' || format === 'name') {
          const single = targets.length === 1 && targets[0]!.names.length === 1;
          if (items.length > 0 || (format !== 'name' && errors.length === 0)) ctx.out(formatObjects(format, items, single && errors.length === 0));
        } else {
          widths = printTables(ctx, fetched, format, opts);
        }
        if (items.length === 0 && errors.length === 0 && format !== 'json' && format !== 'yaml' && !watching) ctx.err(emptyMessage(ctx, targets));
      }
      for (const e of errors) ctx.err(`${e}\n`);
      if (errors.length > 0) throw new ReportedError(errors[0]);
      if (watching) {
        const printer = new WatchPrinter(ctx, fetched[0]!.target.info, format, opts, widths, items.length > 0 && opts.watchOnly !== true);
        await watchChanges(ctx, fetched[0]!, printer, opts);
      }
    });
}
