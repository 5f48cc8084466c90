/**
 * The OCI distribution API served from an image store, for tsk-server's embedded registry
 * (mounted at /v2/ on its HTTP port). Blobs live in the store's content-addressed blob dir, shared
 * by all repositories; a repository:tag is the store name <repo>:<tag> (normalised as Docker
 * does). Uploads go to a temp file and become a blob only when their digest checks out.
 * Manifest lists are not stored yet (a push of one is refused with MANIFEST_INVALID).
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { isDigest, sha256 } from './digest.js';
import { ImageError } from './errors.js';
import { checkManifest, manifestKind, parseJson } from './oci.js';
import { parseReference, repoName } from './reference.js';
import { type ImageStore } from './store.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

function error(res: ServerResponse, status: number, code: string, message: string): void {
  const body = JSON.stringify({ errors: [{ code, message }] });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
}

async function readAll(req: IncomingMessage, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > limit) throw new ImageError('INVALID_ARGUMENT', 'registry', '', `body over ${limit} bytes`);
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts);
}

/** The store name a repository and tag map to. */
function storeName(repo: string, tag: string): string {
  return `${repoName(parseReference(`${repo}:${tag}`))}:${tag}`;
}

/** A request handler for /v2/ backed by `store`. */
export function registryHandler(store: ImageStore): Handler {
  const uploads = path.join(store.root, 'uploads');

  async function upload(req: IncomingMessage, res: ServerResponse, repo: string, id: string, url: URL): Promise<void> {
    if (!/^[0-9a-f-]{36}$/.test(id)) return error(res, 404, 'BLOB_UPLOAD_UNKNOWN', 'no such upload');
    const file = path.join(uploads, id);
    const st = await fs.stat(file).catch(() => undefined);
    if (st === undefined) return error(res, 404, 'BLOB_UPLOAD_UNKNOWN', 'no such upload');
    const location = `/v2/${repo}/blobs/uploads/${id}`;
    if (req.method === 'DELETE') {
      await fs.rm(file, { force: true });
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'GET') {
      res.writeHead(204, { Location: location, Range: `0-${Math.max(st.size - 1, 0)}`, 'Docker-Upload-UUID': id }).end();
      return;
    }
    if (req.method === 'PATCH' || req.method === 'PUT') {
      const range = req.headers['content-range'];
      if (req.method === 'PATCH' && range !== undefined) {
        const start = Number(/^(\d+)-/.exec(range)?.[1] ?? -1);
        if (start !== st.size) return error(res, 416, 'BLOB_UPLOAD_INVALID', `range starts at ${start}, upload has ${st.size} bytes`);
      }
      await pipeline(req, (await fs.open(file, 'a')).createWriteStream());
      const size = (await fs.stat(file)).size;
      if (req.method === 'PATCH') {
        res.writeHead(202, { Location: location, Range: `0-${Math.max(size - 1, 0)}`, 'Docker-Upload-UUID': id, 'Content-Length': '0' }).end();
        return;
      }
      const digest = url.searchParams.get('digest') ?? '';
      if (!isDigest(digest)) return error(res, 400, 'DIGEST_INVALID', 'a sha256 digest is required');
      try {
        await store.blobs.ingest(createReadStream(file), { digest, step: 'registry upload', ref: repo });
      } catch (err) {
        return error(res, 400, 'DIGEST_INVALID', err instanceof Error ? err.message : String(err));
      } finally {
        await fs.rm(file, { force: true });
      }
      res.writeHead(201, { Location: `/v2/${repo}/blobs/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': '0' }).end();
      return;
    }
    error(res, 405, 'UNSUPPORTED', `${req.method ?? ''} on an upload`);
  }

  async function blob(req: IncomingMessage, res: ServerResponse, digest: string): Promise<void> {
    if (!isDigest(digest)) return error(res, 400, 'DIGEST_INVALID', 'bad digest');
    const size = await store.blobs.size(digest).catch(() => undefined);
    if (size === undefined) return error(res, 404, 'BLOB_UNKNOWN', 'blob unknown to registry');
    const headers = { 'Content-Length': String(size), 'Content-Type': 'application/octet-stream', 'Docker-Content-Digest': digest };
    if (req.method === 'HEAD') {
      res.writeHead(200, headers).end();
      return;
    }
    if (req.method === 'DELETE') {
      await store.blobs.remove(digest);
      res.writeHead(202).end();
      return;
    }
    res.writeHead(200, headers);
    await pipeline(createReadStream(store.blobs.path(digest), { highWaterMark: 1 << 20 }), res);
  }

  async function manifest(req: IncomingMessage, res: ServerResponse, repo: string, ref: string): Promise<void> {
    if (req.method === 'PUT') {
      const bytes = await readAll(req, 4 << 20);
      const doc = parseJson(bytes, 'registry', repo);
      if (manifestKind(doc, req.headers['content-type'] ?? '') !== 'manifest') return error(res, 400, 'MANIFEST_INVALID', 'only image manifests are stored (manifest lists and indexes are not supported yet)');
      const m = checkManifest(doc, 'registry', repo);
      const digest = sha256(bytes);
      if (isDigest(ref) && ref !== digest) return error(res, 400, 'DIGEST_INVALID', `manifest digest is ${digest}, not ${ref}`);
      for (const d of [m.config, ...m.layers]) {
        if (!(await store.blobs.has(d.digest))) return error(res, 400, 'MANIFEST_BLOB_UNKNOWN', `blob ${d.digest} unknown to registry`);
      }
      const contentType = (req.headers['content-type'] ?? m.mediaType ?? '').split(';')[0] as string;
      await store.addImage(bytes, isDigest(ref) ? [] : [storeName(repo, ref)], contentType);
      res.writeHead(201, { Location: `/v2/${repo}/manifests/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': '0' }).end();
      return;
    }
    const image = await store.find(isDigest(ref) ? ref : storeName(repo, ref));
    if (image === undefined || (isDigest(ref) && image.digest !== ref)) return error(res, 404, 'MANIFEST_UNKNOWN', `manifest ${ref} unknown`);
    if (req.method === 'DELETE') {
      await store.remove(image.digest, { force: true });
      res.writeHead(202).end();
      return;
    }
    const bytes = await store.blobs.read(image.digest);
    res.writeHead(200, { 'Content-Type': image.mediaType, 'Content-Length': String(bytes.length), 'Docker-Content-Digest': image.digest });
    res.end(req.method === 'HEAD' ? undefined : bytes);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://registry');
    const p = url.pathname;
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    if (p === '/v2/' || p === '/v2') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      return;
    }
    if (p === '/v2/_catalog') {
      const repos = new Set<string>();
      for (const i of await store.images()) for (const n of i.names) repos.add(n.slice(n.indexOf('/') + 1, n.lastIndexOf(':')));
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ repositories: [...repos].sort() }));
      return;
    }
    let m = /^\/v2\/(.+)\/blobs\/uploads\/?$/.exec(p);
    if (m !== null && req.method === 'POST') {
      const repo = m[1] as string;
      const mount = url.searchParams.get('mount');
      if (mount !== null && isDigest(mount) && (await store.blobs.has(mount))) {
        res.writeHead(201, { Location: `/v2/${repo}/blobs/${mount}`, 'Docker-Content-Digest': mount, 'Content-Length': '0' }).end();
        return;
      }
      await fs.mkdir(uploads, { recursive: true });
      const id = randomUUID();
      await fs.writeFile(path.join(uploads, id), '');
      if (url.searchParams.get('digest') !== null) return upload(Object.assign(req, { method: 'PUT' }), res, repo, id, url);
      req.resume();
      res.writeHead(202, { Location: `/v2/${repo}/blobs/uploads/${id}`, Range: '0-0', 'Docker-Upload-UUID': id, 'Content-Length': '0' }).end();
      return;
    }
    if ((m = /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/.exec(p)) !== null) return upload(req, res, m[1] as string, m[2] as string, url);
    if ((m = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(p)) !== null) return blob(req, res, m[2] as string);
    if ((m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(p)) !== null) return manifest(req, res, m[1] as string, m[2] as string);
    if ((m = /^\/v2\/(.+)\/tags\/list$/.exec(p)) !== null) {
      const repo = m[1] as string;
      const prefix = storeName(repo, 'x').slice(0, -1);
      const tags = new Set<string>();
      for (const i of await store.images()) for (const n of i.names) if (n.startsWith(prefix)) tags.add(n.slice(prefix.length));
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ name: repo, tags: [...tags].sort() }));
      return;
    }
    error(res, 404, 'NAME_UNKNOWN', `no route for ${req.method ?? ''} ${p}`);
  }

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) res.destroy();
      else if (err instanceof ImageError && err.code === 'INVALID_ARGUMENT') error(res, 400, 'UNSUPPORTED', err.message);
      else error(res, 500, 'UNKNOWN', err instanceof Error ? err.message : String(err));
    });
  };
}

