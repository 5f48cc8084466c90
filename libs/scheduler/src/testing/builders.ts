/**
 * Tiny fixture builders for tests and benchmarks (as Kubernetes' scheduler testing/wrappers.go):
 *   makeNode('n1').cpu('4').memory('8Gi').label('zone', 'a').taint('k', 'v', 'NoSchedule').build()
 *   makePod('web-1').cpu('100m').owner('rs-uid').label('app', 'web').build()
 * Nodes are Ready with 110 pod slots unless told otherwise.
 */
import {
  type Container,
  type LabelSelector,
  type Node,
  type NodeSelectorRequirement,
  type Pod,
  type PodAffinityTerm,
  type Taint,
  type Toleration,
  type TopologySpreadConstraint,
} from '@tsk/api';

export class NodeBuilder {
  private readonly labels: Record<string, string> = {};
  private readonly allocatable: Record<string, string> = { pods: '110' };
  private readonly taints: Taint[] = [];
  private readonly images: { names: string[]; sizeBytes: number }[] = [];
  private cordoned = false;
  private readyStatus: string | undefined = 'True';

  constructor(private readonly name: string) {}

  cpu(quantity: string): this {
    this.allocatable['cpu'] = quantity;
    return this;
  }
  memory(quantity: string): this {
    this.allocatable['memory'] = quantity;
    return this;
  }
  pods(count: number): this {
    this.allocatable['pods'] = String(count);
    return this;
  }
  /** Any other allocatable resource: resource('nvidia.com/gpu', '2'). */
  resource(name: string, quantity: string): this {
    this.allocatable[name] = quantity;
    return this;
  }
  label(key: string, value: string): this {
    this.labels[key] = value;
    return this;
  }
  taint(key: string, value: string, effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute'): this {
    this.taints.push({ key, value, effect });
    return this;
  }
  image(name: string, sizeBytes: number): this {
    this.images.push({ names: [name], sizeBytes });
    return this;
  }
  unschedulable(): this {
    this.cordoned = true;
    return this;
  }
  /** Ready=False ('False'), Ready=Unknown ('Unknown'), or no Ready condition at all (undefined). */
  ready(status: 'True' | 'False' | 'Unknown' | undefined): this {
    this.readyStatus = status;
    return this;
  }
  build(): Node {
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: this.name, labels: { ...this.labels } },
      spec: { unschedulable: this.cordoned, taints: [...this.taints] },
      status: {
        allocatable: { ...this.allocatable },
        capacity: { ...this.allocatable },
        conditions: this.readyStatus === undefined ? [] : [{ type: 'Ready', status: this.readyStatus }],
        images: [...this.images],
      },
    };
  }
}

export class PodBuilder {
  private namespace = 'default';
  private uid: string;
  private readonly labels: Record<string, string> = {};
  private readonly containers: Container[] = [{ name: 'main', image: 'app:1', resources: { requests: {} } }];
  private readonly tolerations: Toleration[] = [];
  private readonly nodeSelector: Record<string, string> = {};
  private readonly required: { matchExpressions: NodeSelectorRequirement[]; matchFields: NodeSelectorRequirement[] }[] = [];
  private readonly preferred: { weight: number; preference: { matchExpressions: NodeSelectorRequirement[] } }[] = [];
  private readonly podAffinity: PodAffinityTerm[] = [];
  private readonly podAntiAffinity: PodAffinityTerm[] = [];
  private readonly preferredPodAffinity: { weight: number; podAffinityTerm: PodAffinityTerm }[] = [];
  private readonly preferredPodAntiAffinity: { weight: number; podAffinityTerm: PodAffinityTerm }[] = [];
  private readonly spread: TopologySpreadConstraint[] = [];
  private ownerUid: string | undefined;
  private nodeName: string | undefined;
  private phase: string | undefined;

  constructor(private readonly name: string) {
    this.uid = `uid-${name}`;
  }

  private get main(): Container {
    return this.containers[0]!;
  }
  /** A request of the main container for any resource: request('nvidia.com/gpu', '1'). */
  request(resource: string, quantity: string): this {
    const requests = (this.main.resources ??= {}).requests ?? {};
    requests[resource] = quantity;
    this.main.resources.requests = requests;
    return this;
  }

  cpu(quantity: string): this {
    return this.request('cpu', quantity);
  }
  memory(quantity: string): this {
    return this.request('memory', quantity);
  }
  image(image: string): this {
    this.main.image = image;
    return this;
  }
  withUid(uid: string): this {
    this.uid = uid;
    return this;
  }
  inNamespace(namespace: string): this {
    this.namespace = namespace;
    return this;
  }
  label(key: string, value: string): this {
    this.labels[key] = value;
    return this;
  }
  /** A controller ownerReference (a ReplicaSet, say) with this uid. */
  owner(uid: string): this {
    this.ownerUid = uid;
    return this;
  }
  node(name: string): this {
    this.nodeName = name;
    return this;
  }
  phaseIs(phase: string): this {
    this.phase = phase;
    return this;
  }
  hostPort(port: number, protocol = 'TCP', hostIP = ''): this {
    (this.main.ports ??= []).push({ containerPort: port, hostPort: port, protocol, hostIP });
    return this;
  }
  toleration(key: string, operator: 'Equal' | 'Exists', value: string, effect: string): this {
    this.tolerations.push({ key, operator, value, effect });
    return this;
  }
  nodeSelectorLabel(key: string, value: string): this {
    this.nodeSelector[key] = value;
    return this;
  }
  /** One required nodeAffinity term (terms are ORed). */
  requiredNodeTerm(matchExpressions: NodeSelectorRequirement[], matchFields: NodeSelectorRequirement[] = []): this {
    this.required.push({ matchExpressions, matchFields });
    return this;
  }
  preferredNodeTerm(weight: number, matchExpressions: NodeSelectorRequirement[]): this {
    this.preferred.push({ weight, preference: { matchExpressions } });
    return this;
  }
  podAffinityTo(selector: LabelSelector, topologyKey = 'kubernetes.io/hostname'): this {
    this.podAffinity.push({ labelSelector: selector, topologyKey });
    return this;
  }
  podAntiAffinityTo(selector: LabelSelector, topologyKey = 'kubernetes.io/hostname'): this {
    this.podAntiAffinity.push({ labelSelector: selector, topologyKey });
    return this;
  }
  preferPodAffinity(weight: number, selector: LabelSelector, topologyKey = 'kubernetes.io/hostname'): this {
    this.preferredPodAffinity.push({ weight, podAffinityTerm: { labelSelector: selector, topologyKey } });
    return this;
  }
  preferPodAntiAffinity(weight: number, selector: LabelSelector, topologyKey = 'kubernetes.io/hostname'): this {
    this.preferredPodAntiAffinity.push({ weight, podAffinityTerm: { labelSelector: selector, topologyKey } });
    return this;
  }
  spreadConstraint(maxSkew: number, topologyKey: string, selector: LabelSelector, whenUnsatisfiable = 'DoNotSchedule', minDomains?: number): this {
    this.spread.push({ maxSkew, topologyKey, labelSelector: selector, whenUnsatisfiable, ...(minDomains === undefined ? {} : { minDomains }) });
    return this;
  }

  build(): Pod {
    const hasNodeAffinity = this.required.length > 0 || this.preferred.length > 0;
    const hasPodAffinity = this.podAffinity.length > 0 || this.preferredPodAffinity.length > 0;
    const hasAnti = this.podAntiAffinity.length > 0 || this.preferredPodAntiAffinity.length > 0;
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        uid: this.uid,
        labels: { ...this.labels },
        ownerReferences: this.ownerUid === undefined ? [] : [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'owner', uid: this.ownerUid, controller: true }],
      },
      spec: {
        containers: structuredClone(this.containers),
        tolerations: [...this.tolerations],
        nodeSelector: { ...this.nodeSelector },
        topologySpreadConstraints: [...this.spread],
        ...(this.nodeName === undefined ? {} : { nodeName: this.nodeName }),
        affinity: {
          ...(hasNodeAffinity
            ? {
                nodeAffinity: {
                  ...(this.required.length > 0 ? { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: this.required } } : {}),
                  preferredDuringSchedulingIgnoredDuringExecution: this.preferred,
                },
              }
            : {}),
          ...(hasPodAffinity
            ? { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: this.podAffinity, preferredDuringSchedulingIgnoredDuringExecution: this.preferredPodAffinity } }
            : {}),
          ...(hasAnti
            ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: this.podAntiAffinity, preferredDuringSchedulingIgnoredDuringExecution: this.preferredPodAntiAffinity } }
            : {}),
        },
      },
      status: this.phase === undefined ? {} : { phase: this.phase },
    };
  }
}

export function makeNode(name: string): NodeBuilder {
  return new NodeBuilder(name);
}

export function makePod(name: string): PodBuilder {
  return new PodBuilder(name);
}
