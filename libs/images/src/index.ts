/**
 * @tsk/images: the local image store (OCI image layout), the layer cache and container root
 * filesystems, base images made offline, a registry client, archives and garbage collection.
 */
export { ImageError, isImageError, type ImageErrorCode } from './errors.js';
export { isDigest, parseDigest, sha256, type Digest } from './digest.js';
export { parseReference, fullName, familiarName, familiarRepo, repoName, taggedName, type Reference } from './reference.js';
export * from './oci.js';
export { readTar, writeTar, encodeHeader, type TarEntry, type TarHeader, type TarInput, type TarSourceEntry, type TarType } from './tar.js';
export { unpackLayer, cleanPath, type LayerSource, type UnpackOptions, type UnpackResult } from './unpack.js';
export { BlobStore } from './blobs.js';
export { LayerCache } from './layers.js';
export { ImageStore, type ImageRecord, type StoreOptions } from './store.js';
export { rootfsFor, type OverlayMount } from './rootfs.js';
export { createImage, writeLayer, type NewImage, type WrittenLayer, type LayerOptions } from './create.js';
export { bootstrap, bootstrapBusybox, busyboxEntries, bootstrapDebian, hostMirror, type BootstrapOptions } from './bootstrap.js';
export { directoryEntries } from './dirlayer.js';
export { RegistryClient, parseChallenge, type Credentials, type RegistryOptions } from './registry.js';
export { pull, resolveManifest, type PullOptions } from './pull.js';
export { push, type PushOptions } from './push.js';
export { PlainProgress, TtyProgress, progressFor, silentProgress, formatBytes, type ProgressReporter } from './progress.js';
export { isLoopback } from './http.js';
export { saveArchive, importArchive, type ArchiveFormat } from './archive.js';
export { collectGarbage, prune, sweepOrphans, statfsUsage, diskBytes, type DiskUsage, type GcOptions, type GcResult, type PruneOptions, type PruneResult } from './gc.js';
export { build, type BuildOptions } from './build.js';
export { parseContainerfile, substitute, type Instruction } from './containerfile.js';
export { IgnoreRules } from './context.js';
export { registryHandler } from './server.js';
