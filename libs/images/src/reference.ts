/**
 * Image references with Docker's normalisation: `busybox` is docker.io/library/busybox:latest for
 * matching and busybox:latest for display; `localhost:5000/x` keeps its registry. A reference
 * may carry a tag, a digest, or both (name:tag@sha256:...), as Docker accepts.
 */
import { isDigest, type Digest } from './digest.js';
import { ImageError } from './errors.js';

export const DEFAULT_REGISTRY = 'docker.io';
export const DEFAULT_TAG = 'latest';

export interface Reference {
  /** Registry host[:port], e.g. docker.io, 127.0.0.1:5000. */
  readonly registry: string;
  /** Repository path inside the registry, e.g. library/busybox. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: Digest;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;

function invalid(input: string, why: string): ImageError {
  return new ImageError('INVALID_ARGUMENT', 'parse reference', input, why);
}

/** Parses and normalises `input`; a reference without tag or digest gets :latest. */
export function parseReference(input: string): Reference {
  let rest = input.trim();
  if (rest === '') throw invalid(input, 'empty image reference');
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const d = rest.slice(at + 1);
    if (!isDigest(d)) throw invalid(input, `bad digest "${d}" (want sha256:<64 hex digits>)`);
    digest = d;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(input, `bad tag "${tag}"`);
  }
  let registry = DEFAULT_REGISTRY;
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  // Docker's rule: the first component is a registry when it has a dot or a port, or is localhost.
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first;
    rest = rest.slice(slash + 1);
  }
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = DEFAULT_REGISTRY;
  if (rest === '') throw invalid(input, 'no repository name');
  const parts = rest.split('/');
  for (const p of parts) {
    if (!COMPONENT.test(p)) throw invalid(input, `bad repository component "${p}" (lower-case letters, digits and separators only)`);
  }
  const repository = registry === DEFAULT_REGISTRY && parts.length === 1 ? `library/${rest}` : rest;
  if (tag === undefined && digest === undefined) tag = DEFAULT_TAG;
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** registry/repository, fully qualified: docker.io/library/busybox. */
export function repoName(ref: Reference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** The full name used to match and to store: docker.io/library/busybox:latest (or @digest). */
export function fullName(ref: Reference): string {
  const tag = ref.tag !== undefined ? `:${ref.tag}` : '';
  const digest = ref.digest !== undefined ? `@${ref.digest}` : '';
  return `${repoName(ref)}${tag}${digest}`;
}

/** Docker's familiar form of a repository: busybox, user/app, 127.0.0.1:5000/x. */
export function familiarRepo(ref: Reference): string {
  if (ref.registry !== DEFAULT_REGISTRY) return repoName(ref);
  return ref.repository.startsWith('library/') ? ref.repository.slice('library/'.length) : ref.repository;
}

/** Docker's familiar form of a full reference: busybox:latest. */
export function familiarName(ref: Reference): string {
  const tag = ref.tag !== undefined ? `:${ref.tag}` : '';
  const digest = ref.digest !== undefined ? `@${ref.digest}` : '';
  return `${familiarRepo(ref)}${tag}${digest}`;
}

/** A stored name must be a tag (the store keys images by name:tag; digests address content). */
export function taggedName(input: string): string {
  const ref = parseReference(input);
  if (ref.tag === undefined) throw invalid(input, 'a tag is needed here (name:tag), not only a digest');
  return `${repoName(ref)}:${ref.tag}`;
}
