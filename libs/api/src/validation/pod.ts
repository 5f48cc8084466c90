/** Pod specs, whether in a Pod or in a workload's template. */
import { type PodSpec, type Volume } from '../gen/tsk/v1/pod.js';
import {
  checkDnsLabel,
  checkDnsSubdomain,
  checkMin,
  checkOneOf,
  checkQuantity,
  checkRelativePath,
  fail,
  isSet,
  show,
} from './common.js';
import { validateContainer } from './container.js';
import { validateScheduling } from './scheduling.js';

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'] as const;
const HOST_PATH_TYPES = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'];
const SOURCES = ['emptyDir', 'hostPath', 'configMap', 'secret', 'namedVolume'] as const;

function checkMode(mode: number | undefined, path: string): void {
  if (mode !== undefined && (mode < 0 || mode > 0o777)) fail(path, `must be a file mode between 0 and 0777 (511), got ${mode}`);
}

function validateVolume(v: Volume, path: string): void {
  if (!isSet(v.name)) fail(`${path}.name`, 'required value');
  checkDnsLabel(v.name, `${path}.name`);
  const set = SOURCES.filter((s) => v[s] !== undefined);
  if (set.length === 0) fail(path, `must specify a volume source: one of ${SOURCES.join(', ')}`);
  if (set.length > 1) fail(`${path}.${set[1]!}`, `may not specify more than one volume source (got ${set.join(' and ')})`);
  if (v.emptyDir !== undefined) {
    checkOneOf(v.emptyDir.medium, ['', 'Memory'], `${path}.emptyDir.medium`);
    if (isSet(v.emptyDir.sizeLimit)) checkQuantity(v.emptyDir.sizeLimit, `${path}.emptyDir.sizeLimit`);
  }
  if (v.hostPath !== undefined) {
    const p = v.hostPath.path ?? '';
    if (!p.startsWith('/')) fail(`${path}.hostPath.path`, `must be an absolute path on the node, got ${show(p)}`);
    checkOneOf(v.hostPath.type, HOST_PATH_TYPES, `${path}.hostPath.type`);
  }
  const items = v.configMap?.items ?? v.secret?.items ?? [];
  const source = v.configMap !== undefined ? 'configMap' : 'secret';
  if (v.configMap !== undefined) {
    if (!isSet(v.configMap.name)) fail(`${path}.configMap.name`, 'required value: the ConfigMap to mount');
    checkDnsSubdomain(v.configMap.name, `${path}.configMap.name`);
    checkMode(v.configMap.defaultMode, `${path}.configMap.defaultMode`);
  }
  if (v.secret !== undefined) {
    if (!isSet(v.secret.secretName)) fail(`${path}.secret.secretName`, 'required value: the Secret to mount');
    checkDnsSubdomain(v.secret.secretName, `${path}.secret.secretName`);
    checkMode(v.secret.defaultMode, `${path}.secret.defaultMode`);
  }
  items.forEach((item, i) => {
    const p = `${path}.${source}.items[${i}]`;
    if (!isSet(item.key)) fail(`${p}.key`, 'required value');
    if (!isSet(item.path)) fail(`${p}.path`, 'required value');
    checkRelativePath(item.path, `${p}.path`);
    checkMode(item.mode, `${p}.mode`);
  });
  if (v.namedVolume !== undefined) {
    if (!isSet(v.namedVolume.volumeName)) fail(`${path}.namedVolume.volumeName`, 'required value: the volume name on the node');
    checkDnsLabel(v.namedVolume.volumeName, `${path}.namedVolume.volumeName`);
  }
}

/**
 * Checks a pod spec; `path` is where it sits ("spec" in a Pod, "spec.template.spec" in a
 * workload). `restartPolicies` narrows what the owner allows (Jobs never restart Always).
 */
export function validatePodSpec(spec: PodSpec | undefined, path: string, restartPolicies: readonly string[] = RESTART_POLICIES): void {
  if (spec === undefined) fail(path, 'required value: the pod spec');
  const volumes = new Set<string>();
  (spec.volumes ?? []).forEach((v, i) => {
    validateVolume(v, `${path}.volumes[${i}]`);
    if (volumes.has(v.name ?? '')) fail(`${path}.volumes[${i}].name`, `duplicate volume name ${show(v.name)}`);
    volumes.add(v.name ?? '');
  });
  const containers = spec.containers ?? [];
  if (containers.length === 0) fail(`${path}.containers`, 'a pod needs at least one container');
  const names = new Set<string>();
  const hostPorts = new Map<string, string>();
  const hostNetwork = spec.hostNetwork === true;
  for (const [field, list] of [['initContainers', spec.initContainers ?? []], ['containers', containers]] as const) {
    list.forEach((c, i) => {
      const p = `${path}.${field}[${i}]`;
      validateContainer(c, p, volumes, field === 'initContainers', hostNetwork);
      if (names.has(c.name ?? '')) fail(`${p}.name`, `duplicate container name ${show(c.name)} (names are unique across containers and initContainers)`);
      names.add(c.name ?? '');
      if (field === 'initContainers') return;
      (c.ports ?? []).forEach((port, j) => {
        if ((port.hostPort ?? 0) === 0) return;
        const key = `${port.hostPort ?? 0}/${port.protocol ?? ''}/${port.hostIP ?? ''}`;
        const other = hostPorts.get(key);
        if (other !== undefined) fail(`${p}.ports[${j}].hostPort`, `hostPort ${port.hostPort ?? 0}/${port.protocol ?? ''} is already used by ${other}`);
        hostPorts.set(key, `${p}.ports[${j}]`);
      });
    });
  }
  checkOneOf(spec.restartPolicy, restartPolicies, `${path}.restartPolicy`);
  checkOneOf(spec.dnsPolicy, ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'], `${path}.dnsPolicy`);
  checkMin(spec.terminationGracePeriodSeconds, 0, `${path}.terminationGracePeriodSeconds`);
  checkMin(spec.activeDeadlineSeconds, 1, `${path}.activeDeadlineSeconds`);
  if (isSet(spec.nodeName)) checkDnsSubdomain(spec.nodeName, `${path}.nodeName`);
  if (isSet(spec.hostname)) checkDnsLabel(spec.hostname, `${path}.hostname`);
  if (isSet(spec.subdomain)) checkDnsLabel(spec.subdomain, `${path}.subdomain`);
  if (isSet(spec.schedulerName)) checkDnsSubdomain(spec.schedulerName, `${path}.schedulerName`);
  checkMin(spec.securityContext?.runAsUser, 0, `${path}.securityContext.runAsUser`);
  checkMin(spec.securityContext?.runAsGroup, 0, `${path}.securityContext.runAsGroup`);
  validateScheduling(spec, path);
}
