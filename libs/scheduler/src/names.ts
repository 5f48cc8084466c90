/**
 * Every plugin's name, in one place (as Kubernetes' plugins/names/names.go): profiles, the
 * registry and score weights refer to plugins by these constants, never by string literals.
 */
export const PluginNames = {
  NodeReady: 'NodeReady',
  NodeUnschedulable: 'NodeUnschedulable',
  NodeName: 'NodeName',
  NodeAffinity: 'NodeAffinity',
  TaintToleration: 'TaintToleration',
  NodeResourcesFit: 'NodeResourcesFit',
  NodePorts: 'NodePorts',
  InterPodAffinity: 'InterPodAffinity',
  PodTopologySpread: 'PodTopologySpread',
  ImageLocality: 'ImageLocality',
} as const;

export type PluginName = (typeof PluginNames)[keyof typeof PluginNames];
