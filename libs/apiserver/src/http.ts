/**
 * The HTTP listener (--http-listen): /healthz and /metrics now; the image registry (/v2/) and the
 * dashboard add their routes later with `route()`. A handler that throws answers 500 and is
 * logged; it never takes the process down.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type Logger } from '@tsk/log';

export type HttpHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

interface Route {
  readonly method: string;
  /** Exact path, or a prefix when it ends with "/" (e.g. "/v2/"). */
  readonly path: string;
  readonly handler: HttpHandler;
}

export class HttpServer {
  private readonly routes: Route[] = [];
  private readonly server: Server;
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = logger.child({ component: 'http' });
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  /** Adds a route; `method` "*" matches any method. Longer paths win over shorter prefixes. */
  route(method: string, path: string, handler: HttpHandler): this {
    this.routes.push({ method: method.toUpperCase(), path, handler });
    this.routes.sort((a, b) => b.path.length - a.path.length);
    return this;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = req.method ?? 'GET';
      const matching = this.routes.filter((r) => (r.path.endsWith('/') ? url.pathname.startsWith(r.path) : url.pathname === r.path));
      const route = matching.find((r) => r.method === '*' || r.method === method || (method === 'HEAD' && r.method === 'GET'));
      if (route === undefined) {
        res.writeHead(matching.length > 0 ? 405 : 404, { 'content-type': 'text/plain' }).end(matching.length > 0 ? 'method not allowed\n' : 'not found\n');
        return;
      }
      await route.handler(req, res, url);
    } catch (err) {
      this.logger.error({ err, url: req.url }, 'HTTP handler failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    }
  }

  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
