// A real registry for tests and benchmarks: Debian's docker-registry on a free loopback port
// with a temp storage dir, stopped by its pid; and a small auth proxy in front of it that
// demands Bearer tokens or Basic credentials (or corrupts blobs), as registries in the wild do.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export async function freePort(address = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, address, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, child: ChildProcess, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      http.get(url, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      }).on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`docker-registry not ready at ${url}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface TestRegistry {
  /** host:port, e.g. 127.0.0.1:41234 */
  readonly host: string;
  stop(): Promise<void>;
}

export async function startRegistry(address = '127.0.0.1'): Promise<TestRegistry> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tsk-registry-'));
  const port = await freePort(address);
  const config = path.join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${path.join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${address}:${port}`,
      '',
    ].join('\n'),
  );
  // The registry logs every 404 of a HEAD check at level error: keep that out of test output.
  const logFile = path.join(dir, 'registry.log');
  const log = openSync(logFile, 'w');
  const child = spawn('/usr/bin/docker-registry', ['serve', config], { stdio: ['ignore', log, log] });
  closeSync(log);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.pid !== undefined) {
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(child.pid, 'SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(`http://${address}:${port}/v2/`, child);
  } catch (err) {
    const tail = readFileSync(logFile, 'utf8').slice(-2000);
    await stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${tail}`, { cause: err });
  }
  return { host: `${address}:${port}`, stop };
}

export type ProxyMode = 'bearer' | 'basic' | 'corrupt';

export interface TestProxy {
  readonly host: string;
  /** Token requests seen (bearer mode). */
  readonly tokenRequests: string[];
  stop(): Promise<void>;
}

/** An HTTP front for `upstream` that demands auth (user/secret) or corrupts blob downloads. */
export async function startProxy(upstream: string, mode: ProxyMode): Promise<TestProxy> {
  const tokenRequests: string[] = [];
  const token = 'tok-' + Math.random().toString(36).slice(2);
  const basic = `Basic ${Buffer.from('user:secret').toString('base64')}`;
  let host = '';
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (mode === 'bearer' && url.startsWith('/token')) {
      tokenRequests.push(url);
      if (req.headers.authorization !== basic) {
        res.writeHead(401).end('{"details":"bad credentials"}');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token }));
      return;
    }
    if (mode === 'bearer' && req.headers.authorization !== `Bearer ${token}`) {
      req.resume();
      res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://${host}/token",service="test-registry"`, 'Content-Type': 'application/json' });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    if (mode === 'basic' && req.headers.authorization !== basic) {
      req.resume();
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="test"' }).end();
      return;
    }
    const headers = { ...req.headers };
    delete headers.authorization;
    const up = http.request(`http://${upstream}${url}`, { method: req.method ?? 'GET', headers }, (ur) => {
      const corrupt = mode === 'corrupt' && req.method === 'GET' && /\/blobs\/sha256:/.test(url);
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      if (!corrupt) {
        ur.pipe(res);
        return;
      }
      let first = true;
      ur.on('data', (chunk: Buffer) => {
        if (first) {
          chunk = Buffer.from(chunk);
          chunk[0] = (chunk[0] ?? 0) ^ 0xff;
          first = false;
        }
        res.write(chunk);
      });
      ur.on('end', () => res.end());
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return {
    host,
    tokenRequests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
