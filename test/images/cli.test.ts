// `tsctl image ...` as a user runs it, through the command tree image.ts builds (loaded from
// tsctl's build output, since tests do not reach into another package's sources).
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from './helpers.js';
import { startRegistry, type TestRegistry } from './registry-server.js';

interface ImageIo {
  stdout: (t: string) => void;
  stderr: (t: string) => void;
  env: NodeJS.ProcessEnv;
  isTTY?: boolean;
}
type ImageCommand = (io: ImageIo) => Command;

const dirs = tempDirs();
let registry: TestRegistry;
let imageCommand: ImageCommand;
let root: string;

beforeAll(async () => {
  const built = path.resolve(import.meta.dirname, '../../apps/tsctl/dist/commands/image.js');
  if (!existsSync(built)) throw new Error('build tsctl first (npx tsc -b)');
  imageCommand = ((await import(pathToFileURL(built).href)) as { imageCommand: ImageCommand }).imageCommand;
  registry = await startRegistry();
  root = dirs.make('cli-root');
});
afterAll(async () => {
  await registry?.stop();
  dirs.cleanup();
});

async function tsctl(...args: string[]): Promise<string> {
  let out = '';
  const io: ImageIo = { stdout: (t) => (out += t), stderr: () => {}, env: { TSK_IMAGE_ROOT: root } };
  const program = new Command('tsctl').exitOverride().addCommand(imageCommand(io));
  await program.parseAsync(['image', ...args], { from: 'user' });
  return out;
}

describe('tsctl image', () => {
  it('bootstraps, lists, tags, inspects and removes', async () => {
    const boot = await tsctl('bootstrap', 'busybox');
    expect(boot).toMatch(/^busybox:latest\nsha256:[0-9a-f]{64}\n$/);
    await tsctl('tag', 'busybox', 'example.com/me/bb:v1');
    const ls = await tsctl('ls');
    const lines = ls.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    expect(lines[1]).toMatch(/^busybox\s+latest\s+[0-9a-f]{12}\s+\d+ years ago\s+[\d.]+MB$/);
    expect(lines[2]).toMatch(/^example.com\/me\/bb\s+v1\s+/);
    const json = JSON.parse(await tsctl('ls', '-o', 'json')) as { RepoTags: string[] }[];
    expect(json[0]?.RepoTags).toEqual(['busybox:latest', 'example.com/me/bb:v1']);
    const [doc] = JSON.parse(await tsctl('inspect', 'busybox')) as { Config: { Cmd: string[] }; RepoDigests: string[] }[];
    expect(doc?.Config.Cmd).toEqual(['sh']);
    expect(await tsctl('rm', 'example.com/me/bb:v1')).toBe('Untagged: example.com/me/bb:v1\n');
    await expect(tsctl('inspect', 'nope')).rejects.toThrow('inspect nope: no such image in the local store');
    // An explicit --root wins over $TSK_IMAGE_ROOT.
    expect(await tsctl('ls', '-q', '--root', dirs.make('cli-empty'))).toBe('');
  });

  it('builds from a Containerfile', async () => {
    const ctx = dirs.make('cli-build');
    writeFileSync(path.join(ctx, 'Containerfile'), 'FROM busybox\nARG WHO\nCOPY hello.txt /\nCMD ["cat", "/hello.txt"]\n');
    writeFileSync(path.join(ctx, 'hello.txt'), 'hello\n');
    const out = await tsctl('build', '-t', 'hello:1', '--build-arg', 'WHO=me', ctx);
    expect(out).toMatch(/^STEP 1\/4: FROM busybox\n/);
    expect(out).toMatch(/COMMIT hello:1\n--> [0-9a-f]{12}\nSuccessfully tagged hello:1\n[0-9a-f]{64}\n$/);
    expect(await tsctl('build', '-t', 'hello:1', ctx)).toContain('--> CACHED');
    expect(await tsctl('rm', 'hello:1')).toMatch(/^Untagged: hello:1\nDeleted: /);
  });

  it('pushes, pulls, saves and imports', async () => {
    const pushed = await tsctl('push', 'busybox', `${registry.host}/cli/bb:1`);
    expect(pushed).toMatch(new RegExp(`^The push refers to repository \\[${registry.host}/cli/bb\\]\\n`));
    expect(pushed).toMatch(/1: digest: sha256:[0-9a-f]{64} size: \d+\n$/);
    await tsctl('rm', `${registry.host}/cli/bb:1`).catch(() => '');
    const pulled = await tsctl('pull', `${registry.host}/cli/bb:1`);
    expect(pulled).toMatch(/Pull complete|Already exists/);
    expect(pulled).toMatch(new RegExp(`Status: Downloaded image for ${registry.host}/cli/bb:1\\n${registry.host}/cli/bb:1\\n$`));
    const file = path.join(dirs.make('cli-save'), 'bb.tar');
    await tsctl('save', 'busybox', '-o', file);
    expect(await tsctl('rm', '-f', `${registry.host}/cli/bb:1`)).toContain('Untagged');
    const removed = await tsctl('rm', 'busybox');
    expect(removed).toMatch(/^Untagged: busybox:latest\nDeleted: sha256:/);
    expect(await tsctl('import', file)).toBe('Loaded image: busybox:latest\n');
    expect(await tsctl('prune', '-a')).toMatch(/Deleted Images:\nuntagged: busybox:latest\ndeleted: sha256:[0-9a-f]{64}\n\nTotal reclaimed space: /);
  });
});
