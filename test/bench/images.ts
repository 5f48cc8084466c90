// `npm run bench -- images [--mb N] [--layers N] [--runs N]`
//
// Side by side in one run, against a local docker-registry (Debian) on a free loopback port
// (a fresh one per run):
// (a) push and pull of a multi-layer image of about --mb MB (default 100, random data so gzip
//     cannot shrink it) with tsk and with skopeo (to/from an OCI layout); ratio tsk/skopeo,
//     goal at most 1.0. Each run pushes to a fresh repository and pulls into an empty store, so
//     nothing is skipped as already present.
// (b) layer unpack throughput (uncompressed MB/s) against GNU tar -xzf of the same blobs.
// (c) a fully cached rebuild of a COPY-only Containerfile (goal under 0.5 s).
// (d) container rootfs set-up from an unpacked image: rootfsFor() (goal under 5 ms) and the
//     overlay mount itself (mount(8) here; the runtime will call mount(2) directly).
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build, createImage, ImageStore, pull, push, rootfsFor, writeLayer, type TarSourceEntry, type WrittenLayer } from '@tsk/images';
import { startRegistry } from '../images/registry-server.js';

const run = promisify(execFile);

function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function line(label: string, tsk: number, peer: number, peerName: string, unit = 'ms'): void {
  const better = unit === 'ms' ? 'lower is better' : 'higher is better';
  process.stdout.write(`${label.padEnd(28)} tsk ${tsk.toFixed(1).padStart(8)} ${unit}   ${peerName} ${peer.toFixed(1).padStart(8)} ${unit}   ratio tsk/${peerName} ${(tsk / peer).toFixed(2)} (${better})\n`);
}

export default async function images(args: string[]): Promise<void> {
  const totalMb = flag(args, 'mb', 100);
  const layerCount = flag(args, 'layers', 4);
  const runs = flag(args, 'runs', 3);
  const work = mkdtempSync(path.join(tmpdir(), 'tsk-bench-images-'));
  const mounted: string[] = [];
  try {
    const store = await ImageStore.open(path.join(work, 'store'));
    const perLayer = Math.floor((totalMb * 1_000_000) / layerCount);
    const layers: WrittenLayer[] = [];
    const t0 = performance.now();
    for (let l = 0; l < layerCount; l++) {
      // A few files per layer, random bytes: a worst case for compression, a fair one for I/O.
      const files: TarSourceEntry[] = [{ header: { name: `layer${l}/`, type: 'dir' } }];
      const perFile = Math.floor(perLayer / 5);
      for (let f = 0; f < 5; f++) files.push({ header: { name: `layer${l}/file${f}`, type: 'file', size: perFile }, body: randomBytes(perFile) });
      layers.push(await writeLayer(store, files, { level: 1 }));
    }
    const image = await createImage(store, { layers, names: ['bench:latest'] });
    const compressed = image.manifest.layers.reduce((n, d) => n + d.size, 0);
    process.stdout.write(`image: ${layerCount} layers, ${(compressed / 1e6).toFixed(1)} MB compressed (made in ${((performance.now() - t0) / 1000).toFixed(1)} s); ${runs} runs, medians\n`);

    // skopeo reads the same image from an OCI layout (tsk's store is one; copy it out so the
    // layout holds only this image and skopeo's tag lookup is unambiguous).
    const layout = path.join(work, 'layout');
    await run('skopeo', ['copy', `oci:${store.root}:latest`, `oci:${layout}:latest`]);

    const pushTsk: number[] = [];
    const pushSkopeo: number[] = [];
    const pullTsk: number[] = [];
    const pullSkopeo: number[] = [];
    for (let r = 0; r < runs; r++) {
      // A fresh registry each run: skopeo remembers where blobs were pushed (its blob-info
      // cache) and would cross-repository-mount them instead of uploading on later runs.
      const registry = await startRegistry();
      try {
        pushSkopeo.push(await timed(() => run('skopeo', ['copy', '--dest-tls-verify=false', `oci:${layout}:latest`, `docker://${registry.host}/skopeo${r}/bench:1`])));
        pushTsk.push(await timed(() => push(store, 'bench', `${registry.host}/tsk${r}/bench:1`)));
        const pullDir = path.join(work, `pull-skopeo-${r}`);
        pullSkopeo.push(await timed(() => run('skopeo', ['copy', '--src-tls-verify=false', `docker://${registry.host}/tsk${r}/bench:1`, `oci:${pullDir}:latest`])));
        const fresh = await ImageStore.open(path.join(work, `pull-tsk-${r}`));
        pullTsk.push(await timed(() => pull(fresh, `${registry.host}/skopeo${r}/bench:1`)));
        rmSync(pullDir, { recursive: true, force: true });
        rmSync(fresh.root, { recursive: true, force: true });
      } finally {
        await registry.stop();
      }
    }
    line(`push ${totalMb} MB`, median(pushTsk), median(pushSkopeo), 'skopeo');
    line(`pull ${totalMb} MB`, median(pullTsk), median(pullSkopeo), 'skopeo');

    // (b) unpack: tsk's contained unpacker against GNU tar, same gzip blobs.
    const unpackTsk: number[] = [];
    const unpackTar: number[] = [];
    const uncompressed = perLayer * layerCount;
    for (let r = 0; r < runs; r++) {
      for (const d of image.config.rootfs.diff_ids) await store.layers.remove(d);
      unpackTsk.push(await timed(() => Promise.all(image.manifest.layers.map((l, i) => store.layers.ensure(l, image.config.rootfs.diff_ids[i] as (typeof image.config.rootfs.diff_ids)[number], 'bench')))));
      const tarDir = path.join(work, `tar-${r}`);
      unpackTar.push(
        await timed(() =>
          Promise.all(
            image.manifest.layers.map(async (l, i) => {
              const dir = path.join(tarDir, String(i));
              mkdirSync(dir, { recursive: true });
              await run('tar', ['-xzf', store.blobs.path(l.digest), '-C', dir]);
            }),
          ),
        ),
      );
      rmSync(tarDir, { recursive: true, force: true });
    }
    const mbps = (ms: number): number => uncompressed / 1e6 / (ms / 1000);
    line('unpack throughput', mbps(median(unpackTsk)), mbps(median(unpackTar)), 'tar', 'MB/s');

    // (c) a fully cached rebuild of a COPY-only Containerfile (goal under 0.5 s). No peer builder
    // (buildah, docker) is installed on the bench host, so this one is against its goal.
    const ctx = path.join(work, 'context');
    mkdirSync(path.join(ctx, 'src'), { recursive: true });
    for (let f = 0; f < 200; f++) writeFileSync(path.join(ctx, 'src', `f${f}.txt`), randomBytes(5000));
    writeFileSync(path.join(ctx, 'Containerfile'), 'FROM bench\nENV A=1\nWORKDIR /app\nCOPY src/ ./src/\nCOPY src/f1.txt /one\nCMD ["sh"]\n');
    await build(store, { contextDir: ctx, tags: ['built:1'] });
    const rebuilds: number[] = [];
    for (let r = 0; r < runs; r++) rebuilds.push(await timed(() => build(store, { contextDir: ctx, tags: ['built:1'] })));
    process.stdout.write(`cached rebuild               ${median(rebuilds).toFixed(1)} ms (goal < 500 ms; 6 steps, 200 files of 5 kB on a ${totalMb} MB base)\n`);

    // (d) rootfs set-up from the unpacked image.
    const params: number[] = [];
    const mounts: number[] = [];
    for (let r = 0; r < 50; r++) {
      const dir = path.join(work, 'containers', String(r));
      let m: Awaited<ReturnType<typeof rootfsFor>> | undefined;
      params.push(await timed(async () => (m = await rootfsFor(store, 'bench', dir))));
      const mount = m as NonNullable<typeof m>;
      mounts.push(await timed(() => run('mount', ['-t', 'overlay', 'overlay', '-o', mount.options, mount.target])));
      mounted.push(mount.target);
    }
    process.stdout.write(`rootfs set-up                rootfsFor() ${median(params).toFixed(2)} ms (goal < 5 ms)   mount(8) overlay ${median(mounts).toFixed(2)} ms (includes spawning mount)\n`);
  } finally {
    for (const m of mounted) {
      try {
        execFileSync('umount', [m]);
      } catch {
        // already gone
      }
    }
    rmSync(work, { recursive: true, force: true });
  }
}
