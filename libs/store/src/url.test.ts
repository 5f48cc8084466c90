import { describe, expect, it } from 'vitest';
import { StoreUrlError } from './errors.js';
import { parseStoreUrl } from './url.js';

describe('parseStoreUrl', () => {
  it('reads absolute and relative SQLite paths', () => {
    expect(parseStoreUrl('sqlite:///var/lib/tsk/state.db')).toEqual({ backend: 'sqlite', path: '/var/lib/tsk/state.db' });
    expect(parseStoreUrl('sqlite://data/state.db', '/srv')).toEqual({ backend: 'sqlite', path: '/srv/data/state.db' });
  });

  it('reads etcd endpoints and the key prefix', () => {
    expect(parseStoreUrl('etcd://h1:2379,10.0.0.2:2379')).toEqual({ backend: 'etcd', endpoints: ['h1:2379', '10.0.0.2:2379'], prefix: '' });
    expect(parseStoreUrl('etcd://127.0.0.1:2379?prefix=/tsk')).toEqual({ backend: 'etcd', endpoints: ['127.0.0.1:2379'], prefix: '/tsk' });
  });

  it.each([
    ['postgres://db/tsk', 'unknown scheme "postgres"'],
    ['/var/lib/tsk/state.db', 'no scheme'],
    ['sqlite://', 'no database path'],
    ['sqlite:///var/lib/', 'directory'],
    ['etcd://h1', 'not HOST:PORT'],
    ['etcd://h1:99999', 'not HOST:PORT'],
    ['etcd://h1:2379?prefx=/a', 'unknown parameter "prefx"'],
  ])('refuses %s naming the URL and the accepted schemes', (url, why) => {
    let err: unknown;
    try {
      parseStoreUrl(url);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreUrlError);
    expect((err as Error).message).toContain(url);
    expect((err as Error).message).toContain(why);
    expect((err as Error).message).toContain('etcd://HOST:PORT');
  });
});
