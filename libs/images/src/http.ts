/**
 * A small HTTP client on node:http/https for the registry API: keep-alive agents (one per
 * scheme and TLS mode), streaming request and response bodies, and redirects followed for
 * GET/HEAD (blob downloads are often redirected to object storage; credentials are not sent to
 * another origin).
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';

export type Body = Buffer | (() => AsyncIterable<Buffer | Uint8Array>);

export interface HttpRequest {
  readonly method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: URL;
  readonly headers?: Record<string, string>;
  /** A buffer, or a factory so the body can be sent again after an auth challenge. */
  readonly body?: Body;
  /** Skip TLS certificate verification. */
  readonly insecure?: boolean;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly url: URL;
  readonly body: IncomingMessage;
}

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 16 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 16 }),
  httpsInsecure: new https.Agent({ keepAlive: true, maxSockets: 16, rejectUnauthorized: false }),
};

const MAX_REDIRECTS = 5;

function once(req: HttpRequest): Promise<HttpResponse> {
  const secure = req.url.protocol === 'https:';
  const lib = secure ? https : http;
  const agent = secure ? (req.insecure === true ? agents.httpsInsecure : agents.https) : agents.http;
  return new Promise<HttpResponse>((resolve, reject) => {
    const r = lib.request(req.url, { method: req.method, headers: req.headers ?? {}, agent }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers, url: req.url, body: res });
    });
    r.on('error', reject);
    const body = req.body;
    if (body === undefined) r.end();
    else if (Buffer.isBuffer(body)) r.end(body);
    else pipeline(Readable.from(body()), r).catch(reject);
  });
}

/** Sends `req`, following redirects for GET and HEAD. */
export async function request(req: HttpRequest): Promise<HttpResponse> {
  let current = req;
  for (let i = 0; ; i++) {
    const res = await once(current);
    const location = res.headers.location;
    if (res.status < 300 || res.status >= 400 || res.status === 304 || location === undefined || (req.method !== 'GET' && req.method !== 'HEAD') || i >= MAX_REDIRECTS) {
      return res;
    }
    res.body.resume();
    const next = new URL(location, current.url);
    const headers = { ...current.headers };
    if (next.origin !== current.url.origin) delete headers['Authorization'];
    current = { ...current, url: next, headers };
  }
}

/** Reads a whole (small) response body, refusing more than `limit` bytes. */
export async function readBody(res: HttpResponse, limit = 8 << 20): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limit) {
      res.body.destroy();
      throw new Error(`response from ${res.url.origin} larger than ${limit} bytes`);
    }
    parts.push(b);
  }
  return Buffer.concat(parts);
}

/** Discards a response body so the connection can be reused. */
export async function discard(res: HttpResponse): Promise<void> {
  for await (const _ of res.body) {
    // discard
  }
}

export function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** 127.0.0.0/8, ::1 and localhost: spoken to over plain HTTP, as Docker does. */
export function isLoopback(host: string): boolean {
  const h = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.split(':').length === 2 ? (host.split(':')[0] as string) : host;
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}
