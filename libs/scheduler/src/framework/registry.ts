/**
 * Plugin names -> factories (as Kubernetes' plugins/registry.go). Written out in one table, not
 * filled by import side effects, so what exists is visible here and the compiler checks that every
 * name has a factory.
 */
import { PluginNames, type PluginName } from '../names.js';
import { ImageLocality } from '../plugins/image-locality/image-locality.js';
import { InterPodAffinity } from '../plugins/inter-pod-affinity/inter-pod-affinity.js';
import { NodeAffinity } from '../plugins/node-affinity/node-affinity.js';
import { NodeName } from '../plugins/node-name/node-name.js';
import { NodePorts } from '../plugins/node-ports/node-ports.js';
import { NodeReady } from '../plugins/node-ready/node-ready.js';
import { NodeResourcesFit } from '../plugins/node-resources-fit/node-resources-fit.js';
import { NodeUnschedulable } from '../plugins/node-unschedulable/node-unschedulable.js';
import { PodTopologySpread } from '../plugins/pod-topology-spread/pod-topology-spread.js';
import { TaintToleration } from '../plugins/taint-toleration/taint-toleration.js';
import { type Plugin } from './interfaces.js';
import { type Profile } from './profile.js';

export type PluginFactory = (profile: Profile) => Plugin;

export const registry: Readonly<Record<PluginName, PluginFactory>> = Object.freeze({
  [PluginNames.NodeReady]: () => new NodeReady(),
  [PluginNames.NodeUnschedulable]: () => new NodeUnschedulable(),
  [PluginNames.NodeName]: () => new NodeName(),
  [PluginNames.NodeAffinity]: () => new NodeAffinity(),
  [PluginNames.TaintToleration]: () => new TaintToleration(),
  [PluginNames.NodeResourcesFit]: (profile: Profile) => new NodeResourcesFit(profile.scoringStrategy),
  [PluginNames.NodePorts]: () => new NodePorts(),
  [PluginNames.InterPodAffinity]: () => new InterPodAffinity(),
  [PluginNames.PodTopologySpread]: () => new PodTopologySpread(),
  [PluginNames.ImageLocality]: () => new ImageLocality(),
});
