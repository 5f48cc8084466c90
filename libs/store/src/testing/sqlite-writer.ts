/**
 * Child process of the SQLite durability test: `node --import tsx sqlite-writer.ts DB_PATH`.
 * Creates keys d/0, d/1, ... one at a time and, after each write is acknowledged, prints
 * "INDEX REVISION" on stdout, until it is killed. The test kills it with SIGKILL and checks that
 * every acknowledged write is in the database.
 */
import { writeSync } from 'node:fs';
import { silentLogger } from '@tsk/log';
import { SqliteStore } from '../sqlite/store.js';

const path = process.argv[2];
if (path === undefined) {
  writeSync(2, 'usage: sqlite-writer.ts DB_PATH\n');
  process.exit(2);
}
const store = SqliteStore.open(path, { logger: silentLogger() });
for (let i = 0; ; i++) {
  const result = await store.create(`d/${i}`, new TextEncoder().encode(`value ${i}`));
  // Synchronous: the acknowledgement reaches the pipe before the next write starts, and an
  // async stdout would never flush while this loop only awaits resolved promises.
  writeSync(1, `${i} ${result.revision}\n`);
}
