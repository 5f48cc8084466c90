/**
 * On update, what the server allocated or generated and the user's new copy leaves out is carried
 * over from the stored object, as Kubernetes does: a `replace` of a Service without its clusterIP
 * keeps the clusterIP rather than being refused as changing an immutable field. Call before
 * applyDefaults and validateObject on update.
 */
import { type KindInfo, type KindObject } from '../kinds.js';
import { type Service } from '../gen/tsk/v1/core.js';
import { unset } from './pod.js';

export function carryOverAllocated(info: KindInfo, object: KindObject, old: KindObject): void {
  const meta = (object.metadata ??= {});
  if (unset(meta.uid) && !unset(old.metadata?.uid)) meta.uid = old.metadata?.uid ?? '';
  if (info.kind === 'Service') {
    const spec = ((object as Service).spec ??= {});
    const was = (old as Service).spec ?? {};
    if (unset(spec.clusterIP) && !unset(was.clusterIP)) {
      spec.clusterIP = was.clusterIP ?? '';
      if ((spec.clusterIPs ?? []).length === 0 && (was.clusterIPs ?? []).length > 0) spec.clusterIPs = [...(was.clusterIPs ?? [])];
    }
    // A nodePort stays with its port (same port number and protocol) when the update omits it.
    const type = spec.type === '' || spec.type === undefined ? 'ClusterIP' : spec.type;
    if (type === 'NodePort') {
      for (const port of spec.ports ?? []) {
        if (port.nodePort) continue;
        const match = (was.ports ?? []).find((p) => p.port === port.port && (p.protocol || 'TCP') === (port.protocol || 'TCP'));
        if (match?.nodePort) port.nodePort = match.nodePort;
      }
    }
  }
  // Jobs need only the uid: applyDefaults regenerates the same selector and labels from it.
}
