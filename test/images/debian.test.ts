// bootstrap debian:bookworm runs debootstrap against the host's mirror (about 40 s). It needs the
// network: skipped when the mirror does not answer within 3 s, or with TSK_TEST_DEBOOTSTRAP=0.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bootstrap, hostMirror, ImageStore, rootfsFor } from '@tsk/images';
import { tempDirs } from './helpers.js';

const dirs = tempDirs();

async function mirrorReachable(): Promise<boolean> {
  try {
    const res = await fetch(`${await hostMirror()}/dists/bookworm/Release`, { method: 'HEAD', signal: AbortSignal.timeout(3000) });
    return res.ok;
  } catch {
    return false;
  }
}
const runDebootstrap = process.env['TSK_TEST_DEBOOTSTRAP'] !== '0' && (await mirrorReachable());
afterAll(() => dirs.cleanup());

describe('hostMirror', () => {
  it('reads the host apt sources', async () => {
    expect(await hostMirror()).toMatch(/^https?:\/\//);
  });
});

describe.skipIf(!runDebootstrap)('bootstrap debian', () => {
  it('makes debian:bookworm that runs apt', { timeout: 900_000 }, async () => {
    const store = await ImageStore.open(dirs.make('debian'));
    const image = await bootstrap(store, 'debian:bookworm');
    expect(image.names).toEqual(['docker.io/library/debian:bookworm']);
    const mount = await rootfsFor(store, 'debian:bookworm', path.join(dirs.make('debian-c'), 'c'));
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', mount.options, mount.target]);
    try {
      const out = execFileSync('chroot', [mount.target, '/bin/bash', '-c', 'cat /etc/debian_version; apt-get --version | head -1'], { encoding: 'utf8' });
      expect(out).toMatch(/^12\.\d+\napt /);
    } finally {
      execFileSync('umount', [mount.target]);
    }
  });
});
