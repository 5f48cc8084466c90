/**
 * What every command needs: where output goes, the resolved server and namespace, and a
 * lazily connected client (so `tsctl completion` or `config view` never dial the server).
 */
import { connect, type ApiClient } from '@tsk/client';
import { type Logger } from '@tsk/log';
import { resolveConfig, type ResolvedConfig } from './config.js';

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readStdin: () => Promise<string>;
  readonly env: NodeJS.ProcessEnv;
  readonly home: string;
  readonly now: () => number;
  /** Aborted on SIGINT: ends watches cleanly. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

export interface GlobalOptions {
  readonly server?: string;
  readonly namespace?: string;
  readonly allNamespaces?: boolean;
}

export class Context {
  private resolved: ResolvedConfig | undefined;
  private apiClient: ApiClient | undefined;

  constructor(
    readonly io: Io,
    readonly globals: GlobalOptions,
  ) {}

  get config(): ResolvedConfig {
    this.resolved ??= resolveConfig({ server: this.globals.server, namespace: this.globals.namespace }, this.io.env, this.io.home);
    return this.resolved;
  }

  /** The namespace of -n, else the config file's, else "default". */
  get namespace(): string {
    return this.config.namespace;
  }

  /** True when -n was given: apply then refuses objects that name another namespace. */
  get namespaceExplicit(): boolean {
    return this.globals.namespace !== undefined;
  }

  get allNamespaces(): boolean {
    return this.globals.allNamespaces === true;
  }

  client(): ApiClient {
    // Few retries: a person is waiting, and kubectl fails fast when the server is down.
    this.apiClient ??= connect(this.config.server, { logger: this.io.logger, retry: { maxAttempts: 3, initialMs: 100, maxMs: 500 } });
    return this.apiClient;
  }

  out(text: string): void {
    this.io.stdout(text);
  }

  err(text: string): void {
    this.io.stderr(text);
  }

  close(): void {
    this.apiClient?.close();
  }
}
