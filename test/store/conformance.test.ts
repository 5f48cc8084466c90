// The store conformance suite against both backends: SQLite files in a temp dir, and a real
// etcd started for this file (one etcd; each store gets its own key prefix).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@tsk/log';
import { openStore, startEtcd, type EtcdProcess } from '@tsk/store';
// The suite imports vitest, so the package index does not export it; tests take it by path.
// eslint-disable-next-line no-restricted-imports
import { describeStoreConformance } from '../../libs/store/src/conformance.js';

const logger = silentLogger();

describeStoreConformance('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsk-store-'));
  let n = 0;
  return {
    open: () => openStore(`sqlite://${join(dir, `s${++n}`, 'state.db')}`, { logger }),
    async interrupt(store) {
      const path = (store as unknown as { path: string }).path;
      await store.close();
      return openStore(`sqlite://${path}`, { logger });
    },
    watchesSurviveInterrupt: false,
    async teardown() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describeStoreConformance('etcd', async () => {
  const etcd: EtcdProcess = await startEtcd();
  let n = 0;
  return {
    open: () => openStore(`${etcd.url}?prefix=/conformance/${++n}/`, { logger }),
    async interrupt(store) {
      await etcd.restart();
      return store;
    },
    watchesSurviveInterrupt: true,
    teardown: () => etcd.stop(),
  };
});
