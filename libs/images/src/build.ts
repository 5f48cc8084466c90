/**
 * `build`: runs a Containerfile's instructions on top of its FROM image. COPY and ADD make a
 * layer each; ENV, ARG, WORKDIR, USER, EXPOSE, LABEL, ENTRYPOINT, CMD, SHELL, STOPSIGNAL and
 * VOLUME change the config. Each step's cache key chains the parent's key, the instruction
 * (after substitution) and the digest of what it copies, so an unchanged rebuild reuses every
 * step and says CACHED. Times are fixed (SOURCE_DATE_EPOCH, else the base image's creation
 * time), so a COPY-only build gives the same digest every time. RUN runs in a container of
 * tsk's runtime (build-run.ts) and its changes become a layer; its key is the parent's key, the
 * instruction text and the build args in scope (what the shell sees besides ENV, which is in
 * the parent key already).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type Digest, sha256 } from './digest.js';
import { ImageError } from './errors.js';
import { createImage, writeLayer, type WrittenLayer } from './create.js';
import { archiveEntries, contentDigest, copyEntries, expandSource, IgnoreRules, isArchive, walk, type ContextFile, type Ownership } from './context.js';
import { type TarSourceEntry } from './tar.js';
import { keyValues, parseContainerfile, substitute, words, type Instruction } from './containerfile.js';
import { type ContainerConfig, type HistoryEntry } from './oci.js';
import { pull, type PullOptions } from './pull.js';
import { type ImageRecord, type ImageStore } from './store.js';
import { runStep } from './build-run.js';
import { cleanPath } from './unpack.js';

export interface BuildOptions {
  readonly contextDir: string;
  /** The Containerfile; default CONTEXT/Containerfile, else CONTEXT/Dockerfile. */
  readonly file?: string;
  readonly tags?: readonly string[];
  readonly buildArgs?: Readonly<Record<string, string>>;
  readonly noCache?: boolean;
  /** Receives the step lines ("STEP 1/4: FROM busybox", "--> CACHED", ...). */
  readonly output?: (line: string) => void;
  /** Used when the FROM image is not in the store. */
  readonly pull?: PullOptions;
  /** Seconds since the epoch for every time the build writes (SOURCE_DATE_EPOCH). */
  readonly sourceDateEpoch?: number;
}

interface State {
  layers: WrittenLayer[];
  config: ContainerConfig;
  history: HistoryEntry[];
  env: Map<string, string>;
  args: Map<string, string>;
  shell: string[];
  key: string;
  created: string;
}

interface CacheEntry {
  layer?: WrittenLayer;
}

async function findContainerfile(options: BuildOptions): Promise<string> {
  if (options.file !== undefined) return path.resolve(options.contextDir, options.file);
  for (const name of ['Containerfile', 'Dockerfile']) {
    const p = path.join(options.contextDir, name);
    if (await fs.access(p).then(() => true, () => false)) return p;
  }
  throw new ImageError('NOT_FOUND', 'build', options.contextDir, 'no Containerfile or Dockerfile in the context (use -f)');
}

class Builder {
  private readonly cacheDir: string;
  private ignore = IgnoreRules.parse('');
  private readonly usedArgs = new Set<string>();

  constructor(
    private readonly store: ImageStore,
    private readonly options: BuildOptions,
    private label: string,
  ) {
    this.cacheDir = path.join(store.root, 'build-cache');
  }

  private say(line: string): void {
    this.options.output?.(line);
  }

  private async cached(key: string): Promise<CacheEntry | undefined> {
    if (this.options.noCache === true) return undefined;
    const text = await fs.readFile(path.join(this.cacheDir, `${key.slice(7)}.json`), 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    const entry = JSON.parse(text) as CacheEntry;
    if (entry.layer !== undefined && !(await this.store.blobs.has(entry.layer.descriptor.digest))) return undefined;
    return entry;
  }

  private async remember(key: string, entry: CacheEntry): Promise<void> {
    await fs.mkdir(this.cacheDir, { recursive: true });
    const tmp = this.store.blobs.tempPath('cache');
    await fs.writeFile(tmp, JSON.stringify(entry));
    await fs.rename(tmp, path.join(this.cacheDir, `${key.slice(7)}.json`));
  }

  private vars(state: State): Map<string, string> {
    return new Map([...state.args, ...state.env]);
  }

  private sub(state: State, text: string): string {
    return substitute(text, this.vars(state));
  }

  async run(): Promise<ImageRecord> {
    const file = await findContainerfile(this.options);
    this.label = path.basename(file);
    const steps = parseContainerfile(await fs.readFile(file, 'utf8'), this.label);
    this.ignore = await IgnoreRules.load(this.options.contextDir);
    const globalArgs = new Map<string, string>();
    let state: State | undefined;
    let n = 0;
    const total = steps.length - Math.max(0, steps.findIndex((s) => s.keyword === 'FROM'));
    for (const step of steps) {
      try {
        if (state === undefined) {
          if (step.keyword === 'ARG') {
            for (const [k, v] of this.argValues(step, globalArgs)) globalArgs.set(k, v);
            continue;
          }
          if (step.keyword !== 'FROM') throw this.fail(step, 'the first instruction must be FROM (or ARG)');
          this.say(`STEP ${++n}/${total}: ${step.original}`);
          state = await this.from(step, globalArgs);
          continue;
        }
        this.say(`STEP ${++n}/${total}: ${step.original}`);
        await this.step(state, step);
      } catch (err) {
        if (err instanceof ImageError && err.ref.startsWith(`${this.label}:`)) throw err;
        const detail = err instanceof Error ? err.message : String(err);
        throw new ImageError(err instanceof ImageError ? err.code : 'INVALID_ARGUMENT', 'build', `${this.label}:${step.line}`, `${step.keyword}: ${detail}`, { cause: err });
      }
    }
    if (state === undefined) throw new ImageError('INVALID_ARGUMENT', 'build', this.label, 'no FROM instruction');
    for (const name of Object.keys(this.options.buildArgs ?? {})) {
      if (!this.usedArgs.has(name)) this.say(`WARNING: build arg ${name} was not consumed by any ARG`);
    }
    const image = await createImage(this.store, { layers: state.layers, config: state.config, created: state.created, history: state.history, names: this.options.tags ?? [] });
    this.say(`COMMIT ${(this.options.tags ?? []).join(' ')}`.trimEnd());
    this.say(`--> ${image.id.slice(7, 19)}`);
    return image;
  }

  private fail(step: Instruction, detail: string, code: ImageError['code'] = 'INVALID_ARGUMENT'): ImageError {
    return new ImageError(code, 'build', `${this.label}:${step.line}`, `${step.keyword}: ${detail}`);
  }

  private argValues(step: Instruction, known: Map<string, string>): [string, string][] {
    return keyValues(substitute(step.args, known), false).map(([k, v]) => {
      const given = this.options.buildArgs?.[k];
      if (given !== undefined) this.usedArgs.add(k);
      const hasDefault = step.args.includes(`${k}=`);
      return [k, given ?? (hasDefault ? v : (known.get(k) ?? ''))];
    });
  }

  private async from(step: Instruction, globalArgs: Map<string, string>): Promise<State> {
    const name = substitute(words(step.args)[0] ?? '', globalArgs);
    if (words(step.args).length > 1) throw this.fail(step, 'multi-stage builds (FROM ... AS name) are not supported yet', 'UNIMPLEMENTED');
    if (name === '') throw this.fail(step, 'needs an image or scratch');
    const epoch = this.options.sourceDateEpoch;
    const fixed = epoch !== undefined ? new Date(epoch * 1000).toISOString() : undefined;
    if (name === 'scratch') {
      return { layers: [], config: {}, history: [], env: new Map(), args: new Map(), shell: ['/bin/sh', '-c'], key: sha256('scratch'), created: fixed ?? new Date(0).toISOString() };
    }
    const base = (await this.store.find(name)) ?? (await pull(this.store, name, this.options.pull ?? {}));
    const env = new Map<string, string>();
    for (const e of base.config.config?.Env ?? []) {
      const eq = e.indexOf('=');
      env.set(eq < 0 ? e : e.slice(0, eq), eq < 0 ? '' : e.slice(eq + 1));
    }
    return {
      layers: base.manifest.layers.map((d, i) => ({ descriptor: d, diffId: base.config.rootfs.diff_ids[i] as Digest })),
      config: structuredClone(base.config.config ?? {}),
      history: [...(base.config.history ?? [])],
      env,
      args: new Map(),
      shell: ['/bin/sh', '-c'],
      key: sha256(`from ${base.digest}`),
      created: fixed ?? base.config.created ?? new Date(0).toISOString(),
    };
  }

  private command(state: State, step: Instruction): string[] {
    return step.json !== undefined ? [...step.json] : [...state.shell, step.args];
  }

  private async step(state: State, step: Instruction): Promise<void> {
    const k = step.keyword;
    if (k === 'RUN') {
      await this.runInstruction(state, step);
      return;
    }
    if (k === 'COPY' || k === 'ADD') {
      await this.copy(state, step);
      return;
    }
    const c = state.config;
    switch (k) {
      case 'ENV':
        for (const [name, value] of keyValues(this.sub(state, step.args), true)) state.env.set(name, value);
        c.Env = [...state.env].map(([name, value]) => `${name}=${value}`);
        break;
      case 'ARG':
        for (const [name, value] of this.argValues(step, this.vars(state))) state.args.set(name, value);
        break;
      case 'WORKDIR': {
        const dir = this.sub(state, step.args);
        c.WorkingDir = path.posix.resolve(c.WorkingDir ?? '/', dir);
        break;
      }
      case 'USER':
        c.User = this.sub(state, step.args);
        break;
      case 'EXPOSE':
        c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
        for (const p of words(this.sub(state, step.args))) {
          if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/.test(p)) throw this.fail(step, `bad port "${p}"`);
          c.ExposedPorts[p.includes('/') ? p : `${p}/tcp`] = {};
        }
        break;
      case 'LABEL':
        c.Labels = { ...(c.Labels ?? {}) };
        for (const [name, value] of keyValues(this.sub(state, step.args), false)) c.Labels[name] = value;
        break;
      case 'ENTRYPOINT':
        c.Entrypoint = this.command(state, step);
        c.Cmd = null; // Docker: a new ENTRYPOINT drops the base image's CMD
        break;
      case 'CMD':
        c.Cmd = this.command(state, step);
        break;
      case 'SHELL':
        if (step.json === undefined || step.json.length === 0) throw this.fail(step, 'needs the JSON form, e.g. SHELL ["/bin/sh", "-c"]');
        state.shell = [...step.json];
        break;
      case 'STOPSIGNAL':
        c.StopSignal = this.sub(state, step.args);
        break;
      case 'VOLUME':
        c.Volumes = { ...(c.Volumes ?? {}) };
        for (const v of step.json ?? words(this.sub(state, step.args))) c.Volumes[v] = {};
        break;
      case 'FROM':
        throw this.fail(step, 'multi-stage builds are not supported yet', 'UNIMPLEMENTED');
      default:
        throw this.fail(step, `instruction ${k} is not supported`, 'UNIMPLEMENTED');
    }
    state.key = sha256(`${state.key}\n${k} ${this.sub(state, step.original)}`);
    state.history.push({ created: state.created, created_by: `/bin/sh -c #(nop) ${step.original}`, empty_layer: true });
    if ((await this.cached(state.key)) !== undefined) this.say('--> CACHED');
    else await this.remember(state.key, {});
  }

  private async runInstruction(state: State, step: Instruction): Promise<void> {
    const network = step.flags['network'] ?? 'default';
    if (network !== 'default' && network !== 'host' && network !== 'none') throw this.fail(step, `--network=${network}: only default, host and none are supported`);
    if (step.json === undefined && step.args.trim() === '') throw this.fail(step, 'needs a command');
    const args = [...state.args].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    state.key = sha256(`${state.key}\nRUN ${step.original}\n${JSON.stringify(args)}`);
    const hit = await this.cached(state.key);
    let layer: WrittenLayer;
    if (hit?.layer !== undefined) {
      layer = hit.layer;
      this.say('--> CACHED');
    } else {
      // Build args reach the command as environment variables, ENV overriding them (Docker).
      const env = [...state.args].filter(([name]) => !state.env.has(name)).map(([name, value]) => `${name}=${value}`);
      for (const [name, value] of state.env) env.push(`${name}=${value}`);
      layer = await runStep(this.store, {
        args: this.command(state, step),
        env,
        cwd: state.config.WorkingDir ?? '/',
        user: state.config.User ?? '',
        network: network === 'none' ? 'none' : 'host',
        layers: state.layers,
        output: this.options.output,
        label: this.label,
        where: `${this.label}:${step.line}`,
      });
      await this.remember(state.key, { layer });
      this.say(`--> ${layer.diffId.slice(7, 19)}`);
    }
    state.layers.push(layer);
    state.history.push({ created: state.created, created_by: step.json !== undefined ? JSON.stringify(step.json) : `${state.shell.join(' ')} ${step.args}` });
  }

  private async owner(state: State, step: Instruction): Promise<Ownership | undefined> {
    const chown = step.flags['chown'];
    if (chown === undefined) return undefined;
    const [u = '', g] = this.sub(state, chown).split(':');
    const lookup = async (name: string, file: string): Promise<number> => {
      if (/^\d+$/.test(name)) return Number(name);
      if (name === 'root') return 0;
      // Names are looked up in the image's own /etc/passwd or /etc/group (top layer first).
      for (let i = state.layers.length - 1; i >= 0; i--) {
        const layer = state.layers[i] as WrittenLayer;
        const dir = await this.store.layers.ensure(layer.descriptor, layer.diffId, this.label);
        const text = await fs.readFile(path.join(dir, 'etc', file), 'utf8').catch(() => undefined);
        if (text === undefined) continue;
        const line = text.split('\n').find((l) => l.split(':')[0] === name);
        if (line !== undefined) return Number(line.split(':')[2]);
        break;
      }
      throw this.fail(step, `--chown: no ${file === 'passwd' ? 'user' : 'group'} "${name}" in the image`);
    };
    const uid = await lookup(u, 'passwd');
    const gid = g !== undefined && g !== '' ? await lookup(g, 'group') : uid;
    return { uid, gid };
  }

  private async copy(state: State, step: Instruction): Promise<void> {
    if (step.flags['from'] !== undefined) throw this.fail(step, '--from (multi-stage) is not supported yet', 'UNIMPLEMENTED');
    const all = step.json !== undefined ? step.json.map((a) => this.sub(state, a)) : words(this.sub(state, step.args));
    if (all.length < 2) throw this.fail(step, 'needs at least one source and a destination');
    const sources = all.slice(0, -1);
    const destRaw = all[all.length - 1] as string;
    const destAbs = path.posix.resolve(state.config.WorkingDir ?? '/', destRaw);
    const dest = cleanPath(destAbs).join('/');
    const owner = await this.owner(state, step);
    const files: ContextFile[] = [];
    const matched: string[] = [];
    for (const s of sources) {
      if (/^[a-z]+:\/\//i.test(s)) throw this.fail(step, `${s}: ADD from a URL is not supported yet`, 'UNIMPLEMENTED');
      const found = await expandSource(this.options.contextDir, s, this.ignore);
      if (found.length === 0) throw this.fail(step, `${s}: no such file or directory in the build context`, 'NOT_FOUND');
      matched.push(...found);
    }
    const intoDir = destRaw.endsWith('/') || matched.length > 1 || destRaw === '.';
    const archives: string[] = [];
    for (const rel of matched) {
      const st = await fs.lstat(path.join(this.options.contextDir, rel));
      if (step.keyword === 'ADD' && st.isFile() && (await isArchive(path.join(this.options.contextDir, rel)))) {
        archives.push(rel); // ADD unpacks local tar archives into the destination directory
      } else if (st.isDirectory()) {
        const before = files.length;
        await walk(this.options.contextDir, rel, dest, this.ignore, files);
        files.splice(before, 1); // the source dir itself: its contents go into dest
      } else {
        const target = intoDir || dest === '' ? [dest, path.posix.basename(rel)].filter((x) => x !== '').join('/') : dest;
        files.push({ rel, dest: target, stat: st, ...(st.isSymbolicLink() ? { linkname: await fs.readlink(path.join(this.options.contextDir, rel)) } : {}) });
      }
    }
    const chmod = step.flags['chmod'];
    const mode = chmod !== undefined ? parseInt(chmod, 8) : undefined;
    if (mode !== undefined && (Number.isNaN(mode) || mode > 0o7777)) throw this.fail(step, `--chmod=${chmod ?? ''}: not an octal mode`);
    const withMode = mode === undefined ? files : files.map((f) => ({ ...f, mode }));
    const parents: string[] = [];
    const destDir = intoDir || matched.some((m) => files.some((f) => f.rel.startsWith(`${m}/`))) ? dest : path.posix.dirname(dest);
    const segs = destDir === '.' ? [] : cleanPath(destDir);
    for (let i = 1; i <= segs.length; i++) parents.push(segs.slice(0, i).join('/'));
    const archiveFiles: ContextFile[] = [];
    for (const rel of archives) archiveFiles.push({ rel, dest: `archive:${rel}`, stat: await fs.lstat(path.join(this.options.contextDir, rel)) });
    const digest = await contentDigest(this.options.contextDir, [...withMode, ...archiveFiles], owner);
    state.key = sha256(`${state.key}\n${step.keyword} ${JSON.stringify(step.flags)} ${dest} ${digest}`);
    const hit = await this.cached(state.key);
    let layer: WrittenLayer;
    if (hit?.layer !== undefined) {
      layer = hit.layer;
      this.say('--> CACHED');
    } else {
      const contextDir = this.options.contextDir;
      const entries = copyEntries(contextDir, withMode, owner, archives.length > 0 ? cleanPath(dest).map((_, i, a) => a.slice(0, i + 1).join('/')) : parents);
      async function* all(): AsyncGenerator<TarSourceEntry> {
        yield* entries;
        for (const rel of archives) yield* archiveEntries(path.join(contextDir, rel), dest);
      }
      layer = await writeLayer(this.store, all());
      await this.remember(state.key, { layer });
      this.say(`--> ${layer.diffId.slice(7, 19)}`);
    }
    state.layers.push(layer);
    state.history.push({ created: state.created, created_by: `/bin/sh -c #(nop) ${step.original}` });
  }
}

/** Builds an image from a Containerfile in `options.contextDir` and names it `options.tags`. */
export async function build(store: ImageStore, options: BuildOptions): Promise<ImageRecord> {
  return new Builder(store, options, options.file ?? 'Containerfile').run();
}
