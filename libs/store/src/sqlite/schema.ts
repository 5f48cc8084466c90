/**
 * The SQLite layout, after kine: `log` has one row per revision (the revision is the row id), so
 * history, watch catch-up and reads at a past revision are all queries over it; `current` maps
 * each live key to its latest row so that get/list/count at the current revision never scan
 * history. Keys are BLOBs so that SQLite orders them by bytes, as etcd does.
 */
import type { KeyValue, StoreEvent } from '../types.js';
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS log (
  revision INTEGER PRIMARY KEY AUTOINCREMENT,
  key BLOB NOT NULL,
  created INTEGER NOT NULL,          -- 1 when this write created the key
  deleted INTEGER NOT NULL,          -- 1 when this row is a delete (tombstone)
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,    -- the key's previous row, 0 when the key did not exist
  lease INTEGER NOT NULL,
  value BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS log_key_revision ON log (key, revision);
CREATE TABLE IF NOT EXISTS current (
  key BLOB PRIMARY KEY,
  revision INTEGER NOT NULL,
  lease INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS current_lease ON current (lease) WHERE lease != 0;
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS leases (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ttl INTEGER NOT NULL,
  expires_at INTEGER NOT NULL        -- wall-clock ms: a lease outlives a restart, as in etcd
);
`;

/** A row of `log` as the read statements return it. */
export interface LogRow {
  readonly revision: number;
  readonly key: Buffer;
  readonly deleted: number;
  readonly create_revision: number;
  readonly lease: number;
  readonly value: Buffer;
}

/** A log row joined with the key's previous row, for watch events. */
export interface EventRow extends LogRow {
  readonly p_revision: number | null;
  readonly p_create_revision: number | null;
  readonly p_lease: number | null;
  readonly p_value: Buffer | null;
}

export const KV_COLUMNS = 'l.revision, l.key, l.deleted, l.create_revision, l.lease, l.value';

export const EMPTY = Buffer.alloc(0);

export function toKv(row: LogRow): KeyValue {
  return {
    key: row.key.toString('utf8'),
    value: row.value,
    createRevision: row.create_revision,
    modRevision: row.revision,
    lease: row.lease,
  };
}

export function toEvent(row: EventRow): StoreEvent {
  const key = row.key.toString('utf8');
  const prevKv: KeyValue | undefined =
    row.p_revision === null
      ? undefined
      : {
          key,
          value: row.p_value ?? EMPTY,
          createRevision: row.p_create_revision ?? 0,
          modRevision: row.p_revision,
          lease: row.p_lease ?? 0,
        };
  if (row.deleted === 1) {
    return { type: 'delete', kv: { key, value: EMPTY, createRevision: 0, modRevision: row.revision, lease: 0 }, prevKv };
  }
  return { type: 'put', kv: toKv(row), prevKv };
}
