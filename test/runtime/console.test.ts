/**
 * process.terminal with --console-socket, as runc does it: the runtime sends the pty master over
 * the socket (SCM_RIGHTS). Node cannot receive file descriptors on a unix socket, so a tiny
 * Python receiver (Debian's python3) plays the caller, like runc's recvtty.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI, setupEnv, sleep, type Env } from './_fixture.js';

const RECEIVER = `
import socket, sys, os
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
msg, fds, _, _ = socket.recv_fds(c, 1, 1)
out = b''
while True:
    try:
        b = os.read(fds[0], 4096)
    except OSError:
        break
    if not b:
        break
    out += b
sys.stdout.write(out.decode(errors='replace'))
`;

let env: Env;
beforeAll(() => {
  env = setupEnv();
});
afterAll(async () => {
  await env.cleanup();
});

it('create -t hands the terminal to the console socket; the process runs on it', async () => {
  const sock = `${env.dir}/console.sock`;
  const receiver = spawn('python3', ['-c', RECEIVER, sock], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  receiver.stdout.on('data', (d: Buffer) => void (out += d.toString()));
  const done = new Promise((r) => receiver.once('exit', r));
  for (let i = 0; i < 200 && !existsSync(sock); i++) await sleep(10);
  const b = env.bundle('tty', (s) => {
    s.process!.terminal = true;
    s.process!.args = ['sh', '-c', 'tty; test -t 0 && echo stdin-is-a-tty'];
  });
  const id = env.track('tty');
  const create = spawnSync(process.execPath, [CLI, '--root', env.root, 'create', '--console-socket', sock, '-b', b, id], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  expect(create.stderr).toBe('');
  expect(spawnSync(process.execPath, [CLI, '--root', env.root, 'start', id]).status).toBe(0);
  await done;
  expect(out).toMatch(/^\/dev\/pts\/\d+\r?\n/);
  expect(out).toContain('stdin-is-a-tty');
});

it('create refuses a terminal without a console socket, naming the flag', () => {
  const b = env.bundle('notty', (s) => void (s.process!.terminal = true));
  const r = spawnSync(process.execPath, [CLI, '--root', env.root, 'create', '-b', b, env.track('notty')], { encoding: 'utf8' });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/--console-socket is required/);
});

it('runs the unchanged runc spec process (terminal: true, sh) in the foreground over a relayed pty', () => {
  // Only the rootfs location differs from what `runc spec` wrote; sh reads its commands from stdin.
  const b = env.bundle('spec-as-is', (s) => void (s.process!.terminal = true));
  const r = spawnSync(process.execPath, [CLI, '--root', env.root, 'run', '-b', b, env.track('spec-as-is')], {
    input: 'echo inside $(hostname); exit 3\n',
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(r.stdout).toContain('inside runc');
  expect(r.status).toBe(3);
});
