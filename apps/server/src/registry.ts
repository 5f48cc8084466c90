/**
 * The embedded image registry: the OCI distribution API (@tsk/images' registryHandler) served on
 * tsk-server's HTTP listener (--http-listen) at /v2/, out of an image store in DATA_DIR/registry.
 * It is where `tsctl image push NAME` sends an image when no destination is given and where node
 * agents pull from, so a cluster needs no outside registry. The listener speaks plain HTTP; clients
 * reach it without TLS (tsk's client does so for loopback addresses on its own, skopeo needs
 * --tls-verify=false).
 */
import { join } from 'node:path';
import { type HttpServer } from '@tsk/apiserver';
import { ImageStore, registryHandler } from '@tsk/images';
import { type Logger } from '@tsk/log';

/**
 * Opens (creating when missing) DATA_DIR/registry and routes /v2 and /v2/... to it. A store that
 * cannot be opened (say an unwritable data dir with the etcd backend, which needs no data dir
 * otherwise) is logged and leaves the registry unmounted: the control plane matters more than its
 * registry, so it still starts.
 */
export async function mountRegistry(http: HttpServer, dataDir: string, logger: Logger): Promise<ImageStore | undefined> {
  const log = logger.child({ component: 'registry' });
  const root = join(dataDir, 'registry');
  let store: ImageStore;
  try {
    store = await ImageStore.open(root, { logger: log });
  } catch (err) {
    log.error({ err, root }, 'cannot open the registry store; the embedded registry is off');
    return undefined;
  }
  const handler = registryHandler(store);
  // "*": the API uses GET, HEAD, POST, PATCH, PUT and DELETE. The prefix route takes /v2/...;
  // the exact one takes the bare /v2 that some clients probe before /v2/.
  http.route('*', '/v2/', handler);
  http.route('*', '/v2', handler);
  log.info({ root }, 'embedded registry at /v2/');
  return store;
}
