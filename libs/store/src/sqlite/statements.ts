/** Every SQL statement the SQLite store runs, prepared once per connection. */
import type Database from 'better-sqlite3';
import { type EventRow, KV_COLUMNS, type LogRow } from './schema.js';

const KV = KV_COLUMNS;

export interface Statements {
  readonly current: Database.Statement<[Buffer], LogRow>;
  readonly currentRevision: Database.Statement<[Buffer], { revision: number; lease: number }>;
  readonly listCurrent: Database.Statement<[Buffer, Buffer, number], LogRow>;
  readonly listAt: Database.Statement<[Buffer, Buffer, number, number], LogRow>;
  readonly count: Database.Statement<[Buffer, Buffer], { n: number }>;
  readonly events: Database.Statement<[number, number, Buffer, Buffer, number], EventRow>;
  readonly insertLog: Database.Statement<[number, Buffer, number, number, number, number, number, Buffer], unknown>;
  readonly upsertCurrent: Database.Statement<[Buffer, number, number], unknown>;
  readonly deleteCurrent: Database.Statement<[Buffer], unknown>;
  readonly maxRevision: Database.Statement<[], { seq: number }>;
  readonly getMeta: Database.Statement<[string], { value: number }>;
  readonly setMeta: Database.Statement<[string, number], unknown>;
  readonly compact: Database.Statement<[number, number], unknown>;
  readonly insertLease: Database.Statement<[number, number], unknown>;
  readonly getLease: Database.Statement<[number], { id: number; ttl: number; expires_at: number }>;
  readonly renewLease: Database.Statement<[number, number], unknown>;
  readonly deleteLease: Database.Statement<[number], unknown>;
  readonly expiredLeases: Database.Statement<[number], { id: number }>;
  readonly leaseKeys: Database.Statement<[number], { key: Buffer }>;
}

/** Every statement the store runs, prepared once. */
export function prepareStatements(db: Database.Database): Statements {
  return {
    currentRevision: db.prepare<[Buffer], { revision: number; lease: number }>('SELECT revision, lease FROM current WHERE key = ?'),
    current: db.prepare<[Buffer], LogRow>(
      `SELECT ${KV} FROM current c JOIN log l ON l.revision = c.revision WHERE c.key = ?`,
    ),
    listCurrent: db.prepare<[Buffer, Buffer, number], LogRow>(
      `SELECT ${KV} FROM current c JOIN log l ON l.revision = c.revision
       WHERE c.key >= ? AND c.key < ? ORDER BY c.key LIMIT ?`,
    ),
    // The latest row of each key as of a revision, skipping keys whose latest row is a delete.
    listAt: db.prepare<[Buffer, Buffer, number, number], LogRow>(
      `SELECT ${KV} FROM log l
       JOIN (SELECT MAX(revision) AS revision FROM log WHERE key >= ? AND key < ? AND revision <= ? GROUP BY key) m
         ON l.revision = m.revision
       WHERE l.deleted = 0 ORDER BY l.key LIMIT ?`,
    ),
    count: db.prepare<[Buffer, Buffer], { n: number }>('SELECT COUNT(*) AS n FROM current WHERE key >= ? AND key < ?'),
    // NOT INDEXED: walk the log by revision (the primary key), never by key, so catch-up costs
    // the number of revisions missed rather than the size of the prefix's history.
    events: db.prepare<[number, number, Buffer, Buffer, number], EventRow>(
      `SELECT ${KV}, p.revision AS p_revision, p.create_revision AS p_create_revision, p.lease AS p_lease,
              p.value AS p_value
       FROM log l NOT INDEXED LEFT JOIN log p ON p.revision = l.prev_revision
       WHERE l.revision >= ? AND l.revision <= ? AND l.key >= ? AND l.key < ? ORDER BY l.revision LIMIT ?`,
    ),
    insertLog: db.prepare<[number, Buffer, number, number, number, number, number, Buffer]>(
      `INSERT INTO log (revision, key, created, deleted, create_revision, prev_revision, lease, value)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    upsertCurrent: db.prepare<[Buffer, number, number]>(
      'INSERT INTO current (key, revision, lease) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET revision = excluded.revision, lease = excluded.lease',
    ),
    deleteCurrent: db.prepare<[Buffer]>('DELETE FROM current WHERE key = ?'),
    maxRevision: db.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'log'"),
    getMeta: db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE name = ?'),
    setMeta: db.prepare<[string, number]>(
      'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
    ),
    // Compaction keeps, for every key, its latest row as of the compact revision (unless that row
    // is a delete), so every read at or after the compact revision answers as before.
    compact: db.prepare<[number, number]>(
      `DELETE FROM log WHERE revision < ? AND (deleted = 1 OR EXISTS (
         SELECT 1 FROM log n WHERE n.key = log.key AND n.revision > log.revision AND n.revision <= ?))`,
    ),
    insertLease: db.prepare<[number, number]>('INSERT INTO leases (ttl, expires_at) VALUES (?, ?)'),
    getLease: db.prepare<[number], { id: number; ttl: number; expires_at: number }>(
      'SELECT id, ttl, expires_at FROM leases WHERE id = ?',
    ),
    renewLease: db.prepare<[number, number]>('UPDATE leases SET expires_at = ? WHERE id = ?'),
    deleteLease: db.prepare<[number]>('DELETE FROM leases WHERE id = ?'),
    expiredLeases: db.prepare<[number], { id: number }>('SELECT id FROM leases WHERE expires_at <= ? ORDER BY id'),
    leaseKeys: db.prepare<[number], { key: Buffer }>('SELECT key FROM current WHERE lease = ? ORDER BY key'),
  };
}

