/**
 * Store URLs, as kine spells them: `sqlite:///abs/path/state.db`, `sqlite://relative/path`,
 * `etcd://host:port[,host:port...][?prefix=/tsk]`.
 */
import { resolve } from 'node:path';
import { StoreUrlError } from './errors.js';

export type StoreLocation =
  | { readonly backend: 'sqlite'; readonly path: string }
  | { readonly backend: 'etcd'; readonly endpoints: readonly string[]; readonly prefix: string };

const ACCEPTED = 'accepted: sqlite:///ABSOLUTE/PATH, sqlite://RELATIVE/PATH, etcd://HOST:PORT[,HOST:PORT...][?prefix=/PREFIX]';

function fail(url: string, why: string): never {
  throw new StoreUrlError(`bad store URL "${url}": ${why} (${ACCEPTED})`);
}

/** Parses a store URL; relative SQLite paths resolve against `cwd`. Throws StoreUrlError. */
export function parseStoreUrl(url: string, cwd: string = process.cwd()): StoreLocation {
  const schemeEnd = url.indexOf('://');
  if (schemeEnd < 0) fail(url, 'no scheme');
  const scheme = url.slice(0, schemeEnd).toLowerCase();
  const rest = url.slice(schemeEnd + 3);
  const queryAt = rest.indexOf('?');
  const body = queryAt < 0 ? rest : rest.slice(0, queryAt);
  const query = new URLSearchParams(queryAt < 0 ? '' : rest.slice(queryAt + 1));

  if (scheme === 'sqlite') {
    if (body === '' || body === '/') fail(url, 'no database path');
    if (body.endsWith('/')) fail(url, 'the path names a directory, not a database file');
    for (const name of query.keys()) fail(url, `unknown parameter "${name}"`);
    return { backend: 'sqlite', path: resolve(cwd, decodeURIComponent(body)) };
  }
  if (scheme === 'etcd') {
    const endpoints = body.split(',').map((e) => e.trim());
    for (const endpoint of endpoints) {
      const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(endpoint);
      const port = match === null ? NaN : Number(match[2]);
      if (!(port > 0 && port < 65536)) fail(url, `endpoint "${endpoint}" is not HOST:PORT`);
    }
    let prefix = '';
    for (const [name, value] of query) {
      if (name !== 'prefix') fail(url, `unknown parameter "${name}"`);
      prefix = value;
    }
    return { backend: 'etcd', endpoints, prefix };
  }
  return fail(url, `unknown scheme "${scheme}"`);
}
