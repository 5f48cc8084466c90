/**
 * Where tsctl finds its server (and default namespace), in kubectl's order of precedence:
 * --server, then $TSK_SERVER, then `server:` in ~/.tsk/config (YAML), then 127.0.0.1:6443.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const DEFAULT_SERVER = '127.0.0.1:6443';

export interface FileConfig {
  readonly server?: string;
  readonly namespace?: string;
}

export interface ResolvedConfig {
  readonly server: string;
  /** Where the server address came from: "--server", "$TSK_SERVER", the config file, or "default". */
  readonly serverSource: string;
  readonly namespace: string;
  readonly configPath: string;
  readonly file: FileConfig;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function configPath(home: string): string {
  return join(home, '.tsk', 'config');
}

/** Reads ~/.tsk/config; a missing file is an empty config, a malformed one an error naming it. */
export function readConfigFile(path: string): FileConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError(`cannot read ${path}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = parse(text);
  } catch (err) {
    throw new ConfigError(`${path}: invalid YAML: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`${path}: expected a mapping`);
  const out: { server?: string; namespace?: string } = {};
  for (const [key, v] of Object.entries(value)) {
    if (key !== 'server' && key !== 'namespace') throw new ConfigError(`${path}: ${key}: unknown field (known: server, namespace)`);
    if (typeof v !== 'string' || v === '') throw new ConfigError(`${path}: ${key}: expected a string`);
    out[key] = v;
  }
  return out;
}

/** Accepts HOST:PORT (also [v6]:PORT); tolerates a scheme a user might paste ("http://h:p"). */
export function normalizeServer(address: string, source: string): string {
  const a = address.trim().replace(/^(grpc|https?):\/\//, '').replace(/\/+$/, '');
  if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(a)) {
    throw new ConfigError(`invalid server address "${address}" from ${source}: expected HOST:PORT`);
  }
  return a;
}

export function resolveConfig(flags: { server?: string | undefined; namespace?: string | undefined }, env: NodeJS.ProcessEnv, home: string): ResolvedConfig {
  const path = configPath(home);
  const file = readConfigFile(path);
  const envServer = env['TSK_SERVER'];
  let server: string;
  let source: string;
  if (flags.server !== undefined && flags.server !== '') [server, source] = [flags.server, '--server'];
  else if (envServer !== undefined && envServer !== '') [server, source] = [envServer, '$TSK_SERVER'];
  else if (file.server !== undefined) [server, source] = [file.server, path];
  else [server, source] = [DEFAULT_SERVER, 'default'];
  return {
    server: normalizeServer(server, source),
    serverSource: source,
    namespace: flags.namespace ?? file.namespace ?? 'default',
    configPath: path,
    file,
  };
}
