/**
 * Where objects live in the store, as Kubernetes lays out etcd: `/registry/<plural>/<ns>/<name>`
 * for namespaced kinds and `/registry/<plural>/<name>` for cluster-scoped ones, so a prefix list
 * of `/registry/pods/web/` is "the pods of namespace web".
 */
import { InvalidError, type KindInfo } from '@tsk/api';

const ROOT = '/registry/';

export function kindPrefix(info: KindInfo): string {
  return `${ROOT}${info.plural}/`;
}

/** The prefix of a list or watch: the whole kind, or one namespace of a namespaced kind. */
export function listPrefix(info: KindInfo, namespace: string): string {
  return info.namespaced && namespace !== '' ? `${kindPrefix(info)}${namespace}/` : kindPrefix(info);
}

export function objectKey(info: KindInfo, namespace: string, name: string): string {
  // A name or namespace with a slash would address another key; validation refuses such names,
  // but Get and Delete take them straight from the request.
  if (name === '' || name.includes('/')) throw new InvalidError(`invalid name "${name}"`, 'metadata.name');
  if (!info.namespaced) return `${kindPrefix(info)}${name}`;
  if (namespace === '' || namespace.includes('/')) {
    throw new InvalidError(`invalid namespace "${namespace}"`, 'metadata.namespace');
  }
  return `${kindPrefix(info)}${namespace}/${name}`;
}

/** Parses a resourceVersion from a request: "" is undefined, anything but a decimal revision is invalid. */
export function parseResourceVersion(rv: string | undefined, path = 'metadata.resourceVersion'): number | undefined {
  if (rv === undefined || rv === '') return undefined;
  if (!/^\d{1,15}$/.test(rv)) throw new InvalidError(`invalid resourceVersion "${rv}": expected a decimal revision`, path);
  return Number(rv);
}
