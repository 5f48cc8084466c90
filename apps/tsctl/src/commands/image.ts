/**
 * tsctl image build|bootstrap|ls|inspect|tag|rm|pull|push|import|save|prune: the local image store
 * (`--root DIR`, else $TSK_IMAGE_ROOT, else /var/lib/tsk/images), printed as Docker prints it.
 * Progress of pull and push goes to stdout as Docker's does: in place on a terminal, plain lines
 * otherwise. `push NAME` with no destination sends NAME to the cluster's own registry (tsk-server's
 * embedded one; see clusterRegistry).
 */
import { homedir } from 'node:os';
import { Command, Option } from 'commander';
import { createLogger, levelFromEnv, type Logger } from '@tsk/log';
import {
  bootstrap,
  build,
  familiarName,
  familiarRepo,
  formatBytes,
  ImageStore,
  importArchive,
  parseReference,
  PlainProgress,
  prune,
  pull,
  push,
  saveArchive,
  TtyProgress,
  type ArchiveFormat,
  type Credentials,
  type ImageRecord,
  type ProgressReporter,
} from '@tsk/images';
import { normalizeServer, resolveConfig } from '../config.js';

export const DEFAULT_IMAGE_ROOT = '/var/lib/tsk/images';
/** tsk-server's default --http-listen port, which carries its embedded registry. */
export const DEFAULT_REGISTRY_PORT = 6444;

/** What the image verbs need of tsctl's I/O (tsctl's Io satisfies it). */
export interface ImageIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** Whether stdout is a terminal (progress is drawn in place then). */
  readonly isTTY?: boolean;
}

function processIo(): ImageIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    isTTY: process.stdout.isTTY === true,
  };
}

interface ImageFlags {
  root?: string;
  insecure?: boolean;
  creds?: string;
  /** tsctl's global --server, for the cluster registry's host. */
  server?: string;
}

export function imageRoot(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag ?? (env['TSK_IMAGE_ROOT'] !== undefined && env['TSK_IMAGE_ROOT'] !== '' ? env['TSK_IMAGE_ROOT'] : DEFAULT_IMAGE_ROOT);
}

/**
 * The cluster registry (tsk-server's embedded one) as HOST:PORT: `--registry`, else
 * $TSK_REGISTRY, else the host of the tsk-server tsctl talks to (--server, $TSK_SERVER,
 * ~/.tsk/config, 127.0.0.1) on port 6444, tsk-server's default --http-listen port. A server whose
 * --http-listen port is not the default needs --registry or $TSK_REGISTRY.
 */
export function clusterRegistry(flags: { registry?: string | undefined; server?: string | undefined }, env: NodeJS.ProcessEnv, home: string): string {
  if (flags.registry !== undefined && flags.registry !== '') return normalizeServer(flags.registry, '--registry');
  const fromEnv = env['TSK_REGISTRY'];
  if (fromEnv !== undefined && fromEnv !== '') return normalizeServer(fromEnv, '$TSK_REGISTRY');
  const server = resolveConfig({ server: flags.server }, env, home).server;
  return `${server.slice(0, server.lastIndexOf(':'))}:${DEFAULT_REGISTRY_PORT}`;
}

/**
 * Where `image push NAME` goes with no destination: NAME (familiar form, e.g. busybox:latest) in
 * the cluster registry; undefined when NAME names a registry itself (Docker's rule: a first
 * component with a dot or a port, or localhost, as in docker.io/library/busybox), which then
 * says where it goes, as with docker push.
 */
export function defaultPushDestination(name: string, registry: string): string | undefined {
  const slash = name.indexOf('/');
  const first = slash >= 0 ? name.slice(0, slash) : '';
  if (first.includes('.') || first.includes(':') || first === 'localhost') return undefined;
  return `${registry}/${familiarName(parseReference(name))}`;
}

/** Docker's "2 hours ago" (go-units HumanDuration). */
export function ago(created: string | undefined, now: number): string {
  if (created === undefined) return 'N/A';
  const t = Date.parse(created);
  if (Number.isNaN(t)) return 'N/A';
  const s = Math.max(0, Math.round((now - t) / 1000));
  const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'} ago`;
  if (s < 1) return 'Less than a second ago';
  if (s < 60) return plural(s, 'second');
  const m = Math.round(s / 60);
  if (m === 1) return 'About a minute ago';
  if (m < 60) return plural(m, 'minute');
  const h = Math.round(s / 3600);
  if (h === 1) return 'About an hour ago';
  if (h < 48) return plural(h, 'hour');
  if (h < 24 * 7 * 2) return plural(Math.floor(h / 24), 'day');
  if (h < 24 * 30 * 2) return plural(Math.floor(h / 24 / 7), 'week');
  if (h < 24 * 365 * 2) return plural(Math.floor(h / 24 / 30), 'month');
  return plural(Math.floor(h / 24 / 365), 'year');
}

/** Docker's table writer: min width 10, padding 3, last column unpadded. */
function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, 10, c.length + 3)));
  return rows.map((r) => `${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('')}\n`).join('');
}

function imageSize(image: ImageRecord): number {
  return image.manifest.layers.reduce((n, l) => n + l.size, image.manifest.config.size);
}

function repoTag(name: string): [string, string] {
  const familiar = familiarName(parseReference(name));
  const i = familiar.lastIndexOf(':');
  return [familiar.slice(0, i), familiar.slice(i + 1)];
}

/** Commander's way of a repeatable option: each use appends. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function credentials(flag: string | undefined): Credentials | undefined {
  if (flag === undefined) return undefined;
  const i = flag.indexOf(':');
  if (i < 0) throw new Error('--creds must be USERNAME:PASSWORD');
  return { username: flag.slice(0, i), password: flag.slice(i + 1) };
}

/** The inspect document, in Docker's field names. */
function inspectDoc(image: ImageRecord, size: number): Record<string, unknown> {
  return {
    Id: image.id,
    Digest: image.digest,
    RepoTags: image.names.map((n) => familiarName(parseReference(n))),
    RepoDigests: [...new Set(image.names.map((n) => `${familiarRepo(parseReference(n))}@${image.digest}`))],
    Created: image.config.created ?? '',
    Architecture: image.config.architecture,
    Os: image.config.os,
    Config: image.config.config ?? {},
    RootFS: { Type: 'layers', Layers: image.config.rootfs.diff_ids },
    History: image.config.history ?? [],
    Size: size,
    ManifestMediaType: image.mediaType,
  };
}

export function imageCommand(io: ImageIo = processIo()): Command {
  const cmd = new Command('image').description('Manage images in the local image store').option('--root <dir>', `image store directory (else $TSK_IMAGE_ROOT, else ${DEFAULT_IMAGE_ROOT})`);
  // Made on first use: tsctl builds every verb's command tree on each run, image verbs or not.
  let made: Logger | undefined;
  const log = (): Logger => (made ??= createLogger({ name: 'tsctl', level: levelFromEnv('warn') }));
  const open = (c: Command): Promise<ImageStore> => ImageStore.open(imageRoot(c.optsWithGlobals<ImageFlags>().root, io.env), { logger: log() });
  const progress = (): ProgressReporter => (io.isTTY === true ? new TtyProgress(io.stdout) : new PlainProgress(io.stdout));

  cmd
    .command('build')
    .description('Build an image from a Containerfile or Dockerfile')
    .argument('<context>', 'build context directory')
    .option('-t, --tag <name>', 'name the image (repeatable)', collect, [])
    .option('-f, --file <file>', 'Containerfile (default CONTEXT/Containerfile, else CONTEXT/Dockerfile)')
    .option('--build-arg <key=value>', 'set a build argument (repeatable)', collect, [])
    .option('--no-cache', 'do not reuse cached steps')
    .action(async (context: string, opts: { tag?: string[]; file?: string; buildArg?: string[]; cache?: boolean }, c: Command) => {
      const buildArgs: Record<string, string> = {};
      for (const kv of opts.buildArg ?? []) {
        const eq = kv.indexOf('=');
        if (eq > 0) buildArgs[kv.slice(0, eq)] = kv.slice(eq + 1);
        else if (io.env[kv] !== undefined) buildArgs[kv] = io.env[kv] ?? '';
      }
      const epoch = io.env['SOURCE_DATE_EPOCH'];
      const image = await build(await open(c), {
        contextDir: context,
        ...(opts.file !== undefined ? { file: opts.file } : {}),
        tags: opts.tag ?? [],
        buildArgs,
        noCache: opts.cache === false,
        output: (line) => io.stdout(`${line}\n`),
        ...(epoch !== undefined && /^\d+$/.test(epoch) ? { sourceDateEpoch: Number(epoch) } : {}),
      });
      for (const n of image.names) io.stdout(`Successfully tagged ${familiarName(parseReference(n))}\n`);
      io.stdout(`${image.id.slice(7)}\n`);
    });

  cmd
    .command('bootstrap')
    .description('Make a base image from the host (busybox)')
    .argument('<name>', 'busybox[:tag]')
    .action(async (name: string, _o: unknown, c: Command) => {
      const image = await bootstrap(await open(c), name);
      io.stdout(`${image.names.map((n) => familiarName(parseReference(n))).join(', ')}\n${image.id}\n`);
    });

  cmd
    .command('ls')
    .alias('list')
    .description('List images')
    .option('-a, --all', 'also unnamed images (always shown, as <none>)')
    .option('-q, --quiet', 'only image IDs')
    .addOption(new Option('-o, --output <format>', 'json').choices(['json']))
    .action(async (opts: { quiet?: boolean; output?: string }, c: Command) => {
      const images = await (await open(c)).images();
      if (opts.output === 'json') {
        const docs = images.map((i) => ({ Id: i.id, Digest: i.digest, RepoTags: i.names.map((n) => familiarName(parseReference(n))), Created: i.config.created ?? '', Size: imageSize(i) }));
        io.stdout(`${JSON.stringify(docs, null, 2)}\n`);
        return;
      }
      if (opts.quiet === true) {
        io.stdout([...new Set(images.map((i) => i.id.slice(7, 19)))].map((id) => `${id}\n`).join(''));
        return;
      }
      const now = Date.now();
      const rows: string[][] = [];
      for (const i of images) {
        const names = i.names.length > 0 ? i.names.map(repoTag) : [['<none>', '<none>'] as [string, string]];
        for (const [repo, tag] of names) rows.push([repo, tag, i.id.slice(7, 19), ago(i.config.created, now), formatBytes(imageSize(i))]);
      }
      rows.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? '') || (a[1] ?? '').localeCompare(b[1] ?? ''));
      io.stdout(table([['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], ...rows]));
    });

  cmd
    .command('inspect')
    .description('Show images in detail (JSON)')
    .argument('<image...>')
    .action(async (refs: string[], _o: unknown, c: Command) => {
      const store = await open(c);
      const docs = [];
      for (const r of refs) {
        const image = await store.resolve(r, 'inspect');
        docs.push(inspectDoc(image, imageSize(image)));
      }
      io.stdout(`${JSON.stringify(docs, null, 4)}\n`);
    });

  cmd
    .command('tag')
    .description('Give an image another name')
    .argument('<source>')
    .argument('<target>')
    .action(async (source: string, target: string, _o: unknown, c: Command) => {
      await (await open(c)).tag(source, target);
    });

  cmd
    .command('rm')
    .alias('rmi')
    .description('Remove images (untag a name; an ID removes the image)')
    .argument('<image...>')
    .option('-f, --force', 'remove an image with several names by ID')
    .action(async (refs: string[], opts: { force?: boolean }, c: Command) => {
      const store = await open(c);
      for (const r of refs) {
        const { untagged, deleted } = await store.remove(r, { force: opts.force === true });
        for (const u of untagged) io.stdout(`Untagged: ${familiarName(parseReference(u))}\n`);
        for (const d of deleted) io.stdout(`Deleted: ${d}\n`);
      }
    });

  cmd
    .command('pull')
    .description('Pull an image from a registry')
    .argument('<image>')
    .option('--insecure', 'skip TLS verification (falling back to plain HTTP)')
    .option('--creds <user:password>', 'registry credentials')
    .option('--platform <os/arch>', 'platform to pick from a multi-platform image', 'linux/amd64')
    .action(async (ref: string, opts: { platform: string }, c: Command) => {
      const flags = c.optsWithGlobals<ImageFlags>();
      const [os, architecture] = opts.platform.split('/');
      const parsed = parseReference(ref);
      io.stdout(`${parsed.tag ?? parsed.digest ?? 'latest'}: Pulling from ${familiarRepo(parsed)}\n`);
      const creds = credentials(flags.creds);
      const image = await pull(await open(c), ref, {
        insecure: flags.insecure === true,
        ...(creds !== undefined ? { credentials: creds } : {}),
        platform: { os: os ?? 'linux', architecture: architecture ?? 'amd64' },
        progress: progress(),
        logger: log(),
      });
      io.stdout(`Digest: ${image.digest}\nStatus: Downloaded image for ${familiarName(parsed)}\n${image.names[0] ?? image.digest}\n`);
    });

  cmd
    .command('push')
    .description('Push an image to a registry (with no destination: to the cluster registry, tsk-server\'s embedded one)')
    .argument('<image>')
    .argument('[destination]', 'where to push (default: IMAGE in the cluster registry, unless IMAGE names a registry)')
    .option('--insecure', 'skip TLS verification (falling back to plain HTTP)')
    .option('--creds <user:password>', 'registry credentials')
    .option('--chunk-size <bytes>', 'upload blobs in chunks of this size')
    .option('--registry <host:port>', `the cluster registry (else $TSK_REGISTRY, else the --server host on port ${DEFAULT_REGISTRY_PORT})`)
    .action(async (ref: string, dest: string | undefined, opts: { chunkSize?: string; registry?: string }, c: Command) => {
      const flags = c.optsWithGlobals<ImageFlags>();
      const store = await open(c);
      const toCluster = dest === undefined ? defaultPushDestination(ref, clusterRegistry({ registry: opts.registry, server: flags.server }, io.env, io.env['HOME'] ?? homedir())) : undefined;
      const destination = dest ?? toCluster;
      const target = parseReference(destination ?? ref);
      io.stdout(`The push refers to repository [${target.registry}/${target.repository}]\n`);
      const creds = credentials(flags.creds);
      const digest = await push(store, ref, destination, {
        // The embedded registry speaks plain HTTP only (tsk's client uses it for loopback hosts
        // anyway); elsewhere this lets the client fall back to it instead of failing on TLS.
        insecure: flags.insecure === true || toCluster !== undefined,
        ...(creds !== undefined ? { credentials: creds } : {}),
        ...(opts.chunkSize !== undefined ? { chunkSize: Number(opts.chunkSize) } : {}),
        progress: progress(),
        logger: log(),
      });
      const size = (await store.blobs.read(digest)).length;
      io.stdout(`${target.tag ?? 'latest'}: digest: ${digest} size: ${size}\n`);
    });

  cmd
    .command('import')
    .alias('load')
    .description('Load images from a docker-save or OCI-layout archive')
    .argument('<file>')
    .option('-t, --tag <name>', 'name the (single) imported image (repeatable)', collect, [])
    .action(async (file: string, opts: { tag?: string[] }, c: Command) => {
      const images = await importArchive(await open(c), file, { names: opts.tag ?? [] });
      for (const i of images) {
        if (i.names.length === 0) io.stdout(`Loaded image ID: ${i.id}\n`);
        for (const n of i.names) io.stdout(`Loaded image: ${familiarName(parseReference(n))}\n`);
      }
    });

  cmd
    .command('save')
    .description('Write images to an archive')
    .argument('<image...>')
    .requiredOption('-o, --output <file>', 'archive to write')
    .addOption(new Option('--format <format>', 'archive format').choices(['docker-archive', 'oci-archive']).default('docker-archive'))
    .action(async (refs: string[], opts: { output: string; format: ArchiveFormat }, c: Command) => {
      await saveArchive(await open(c), refs, opts.output, opts.format);
    });

  cmd
    .command('prune')
    .description('Remove unnamed images (with -a, every image) and unreferenced blobs and layers')
    .option('-a, --all', 'remove all images, not only unnamed ones')
    .option('-f, --force', 'do not prompt (tsctl never prompts)')
    .action(async (opts: { all?: boolean }, c: Command) => {
      const result = await prune(await open(c), { all: opts.all === true });
      if (result.removed.length > 0) {
        io.stdout('Deleted Images:\n');
        for (const i of result.removed) {
          for (const n of i.names) io.stdout(`untagged: ${familiarName(parseReference(n))}\n`);
          io.stdout(`deleted: ${i.digest}\n`);
        }
        io.stdout('\n');
      }
      io.stdout(`Total reclaimed space: ${formatBytes(result.freed)}\n`);
    });

  cmd.commands.forEach((sub) => sub.option('--root <dir>', 'image store directory'));
  return cmd;
}
