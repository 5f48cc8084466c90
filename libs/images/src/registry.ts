/**
 * A client for one repository of an OCI distribution registry: manifests, blobs, uploads, with
 * Docker's auth handshake. `GET /v2/` first learns the scheme from WWW-Authenticate: Bearer gets
 * a token from the realm (sending basic credentials when given), Basic sends the credentials.
 */
import { ImageError } from './errors.js';
import { discard, header, isLoopback, readBody, request, type Body, type HttpRequest, type HttpResponse } from './http.js';
import { DEFAULT_REGISTRY } from './reference.js';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export interface RegistryOptions {
  /** Skip TLS verification, falling back to plain HTTP (skopeo's --tls-verify=false). */
  readonly insecure?: boolean;
  readonly credentials?: Credentials;
}

interface Challenge {
  scheme: 'bearer' | 'basic' | 'none';
  params: Record<string, string>;
}

/** Parses `Bearer realm="...",service="...",scope="..."`. */
export function parseChallenge(value: string): Challenge {
  const m = /^\s*(\w+)\s*(.*)$/.exec(value);
  const scheme = (m?.[1] ?? '').toLowerCase();
  const params: Record<string, string> = {};
  const re = /(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (let p = re.exec(m?.[2] ?? ''); p !== null; p = re.exec(m?.[2] ?? '')) params[(p[1] as string).toLowerCase()] = p[2] ?? p[3] ?? '';
  return { scheme: scheme === 'bearer' ? 'bearer' : scheme === 'basic' ? 'basic' : 'none', params };
}

export class RegistryClient {
  private base: URL;
  private challenge: Challenge | undefined;
  private token: string | undefined;
  private fellBack = false;
  private pinged: Promise<void> | undefined;

  constructor(
    readonly registry: string,
    readonly repository: string,
    /** pull, or pull,push: the token scope asked for. */
    private readonly actions: string,
    private readonly options: RegistryOptions = {},
    /** The reference as the user wrote it, for error messages. */
    private readonly display = `${registry}/${repository}`,
  ) {
    const host = registry === DEFAULT_REGISTRY ? 'registry-1.docker.io' : registry;
    const plain = isLoopback(host);
    this.base = new URL(`${plain ? 'http' : 'https'}://${host}/v2/`);
  }

  get insecure(): boolean {
    return this.options.insecure === true;
  }

  url(path: string): URL {
    return new URL(path, this.base);
  }

  repoUrl(rest: string): URL {
    return this.url(`${this.repository}/${rest}`);
  }

  private fail(step: string, detail: string, code: ImageError['code'] = 'UNAVAILABLE', cause?: unknown): ImageError {
    return new ImageError(code, step, this.display, detail, cause === undefined ? undefined : { cause });
  }

  private authHeader(): Record<string, string> {
    if (this.challenge?.scheme === 'bearer' && this.token !== undefined) return { Authorization: `Bearer ${this.token}` };
    if (this.challenge?.scheme === 'basic' && this.options.credentials !== undefined) {
      const c = this.options.credentials;
      return { Authorization: `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` };
    }
    return {};
  }

  private async raw(req: HttpRequest, step: string): Promise<HttpResponse> {
    // URLs made before a fall-back to plain HTTP still say https: follow the fall-back.
    if (this.fellBack && req.url.protocol === 'https:' && req.url.host === this.base.host) req = { ...req, url: new URL(req.url.href.replace(/^https:/, 'http:')) };
    try {
      return await request({ ...req, insecure: this.insecure });
    } catch (err) {
      // --insecure against a registry that only speaks HTTP: retry in plain text.
      if (this.insecure && !this.fellBack && req.url.protocol === 'https:' && req.url.host === this.base.host) {
        this.fellBack = true;
        this.base = new URL(this.base.href.replace(/^https:/, 'http:'));
        return this.raw(req, step);
      }
      throw this.fail(step, `cannot reach ${req.url.origin}: ${err instanceof Error ? err.message : String(err)}`, 'UNAVAILABLE', err);
    }
  }

  /** GET /v2/ once (concurrent callers share it), to learn how this registry authenticates. */
  private ping(step: string): Promise<void> {
    this.pinged ??= this.doPing(step).catch((err: unknown) => {
      this.pinged = undefined;
      throw err;
    });
    return this.pinged;
  }

  private async doPing(step: string): Promise<void> {
    const res = await this.raw({ method: 'GET', url: this.url('') }, step);
    await discard(res);
    const www = header(res, 'www-authenticate');
    this.challenge = res.status === 401 && www !== undefined ? parseChallenge(www) : { scheme: 'none', params: {} };
    if (this.challenge.scheme === 'bearer') await this.fetchToken(step);
  }

  private async fetchToken(step: string): Promise<void> {
    const params = this.challenge?.params ?? {};
    const realm = params['realm'];
    if (realm === undefined) throw this.fail(step, 'bearer challenge without a realm', 'FAILED_PRECONDITION');
    const url = new URL(realm);
    if (params['service'] !== undefined) url.searchParams.set('service', params['service']);
    url.searchParams.set('scope', `repository:${this.repository}:${this.actions}`);
    const headers: Record<string, string> = {};
    const c = this.options.credentials;
    if (c !== undefined) headers['Authorization'] = `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
    const res = await this.raw({ method: 'GET', url, headers }, step);
    const body = await readBody(res, 1 << 20);
    if (res.status !== 200) throw this.fail(step, `token request to ${url.origin} refused (HTTP ${res.status}): ${body.toString().slice(0, 200)}`, res.status === 401 || res.status === 403 ? 'PERMISSION_DENIED' : 'UNAVAILABLE');
    const json = JSON.parse(body.toString()) as { token?: string; access_token?: string };
    const token = json.token ?? json.access_token;
    if (token === undefined) throw this.fail(step, `token response from ${url.origin} has no token`, 'PERMISSION_DENIED');
    this.token = token;
  }

  /**
   * Sends an authenticated request; a 401 (an expired token) fetches a new token and retries
   * once. Other statuses are the caller's to judge.
   */
  async send(step: string, method: HttpRequest['method'], url: URL, headers: Record<string, string> = {}, body?: Body): Promise<HttpResponse> {
    await this.ping(step);
    const go = (): Promise<HttpResponse> => this.raw({ method, url, headers: { ...headers, ...this.authHeader() }, ...(body !== undefined ? { body } : {}) }, step);
    let res = await go();
    if (res.status === 401) {
      await discard(res);
      const www = header(res, 'www-authenticate');
      if (www !== undefined) this.challenge = parseChallenge(www);
      if (this.challenge?.scheme === 'bearer') await this.fetchToken(step);
      else if (this.options.credentials === undefined) throw this.fail(step, 'the registry wants credentials (HTTP 401)', 'PERMISSION_DENIED');
      res = await go();
      if (res.status === 401) {
        await discard(res);
        throw this.fail(step, 'credentials refused (HTTP 401)', 'PERMISSION_DENIED');
      }
    }
    return res;
  }

  /** An error for an unexpected response, with the registry's own error message when it gives one. */
  async unexpected(step: string, res: HttpResponse, what: string): Promise<ImageError> {
    let detail = '';
    if (res.body.readable) {
      const text = (await readBody(res, 1 << 16).catch(() => Buffer.alloc(0))).toString();
      try {
        const j = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
        detail = (j.errors ?? []).map((e) => `${e.code ?? ''} ${e.message ?? ''}`.trim()).join('; ');
      } catch {
        detail = text.slice(0, 200);
      }
    }
    const code = res.status === 404 ? 'NOT_FOUND' : res.status === 401 || res.status === 403 ? 'PERMISSION_DENIED' : res.status >= 500 ? 'UNAVAILABLE' : 'FAILED_PRECONDITION';
    return this.fail(step, `${what}: HTTP ${res.status}${detail === '' ? '' : ` (${detail})`}`, code);
  }
}
