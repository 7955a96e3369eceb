import { Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { byCodeUnit } from '../core/checks';
import { checkIpBlock } from '../core/cidr';
import { checkPort, checkProtocol, checkUniquePorts } from '../core/ports';
import { fail } from '../core/errors';
import { namespacedMeta } from '../core/metadata';
import { Environment } from '../environments/environment';

/** A port in a NetworkPolicy rule. */
export interface PolicyPort {
  /** Port number (the first of a range when `endPort` is given). */
  readonly port: number;
  /**
   * Last port of a range, e.g. RabbitMQ's CLI tools on 35672-35682.
   * @default - the single port `port`
   */
  readonly endPort?: number;
  /**
   * Protocol.
   * @default 'TCP'
   */
  readonly protocol?: 'TCP' | 'UDP';
}

/** Something whose pods other workloads may be allowed to talk to, and that may talk out. */
export interface INetworkEndpoint extends IConstruct {
  /** Namespace of the pods. */
  readonly namespaceName: string;
  /** Labels that select every pod of the endpoint (every color of a blue/green pair). */
  readonly podSelector: Record<string, string>;
  /** Ports a client may reach, by port name. */
  readonly networkPorts: Readonly<Record<string, PolicyPort>>;
  /** The endpoint's own default-deny policy, to which rules are added. */
  readonly networkPolicy: ServiceNetworkPolicy;
}

/** An external destination: a CIDR (and exceptions) on some ports. */
export interface ExternalEgressSpec {
  /** Destination CIDR, e.g. "10.20.0.0/24" or "0.0.0.0/0". */
  readonly cidr: string;
  /**
   * CIDRs inside `cidr` that stay blocked (e.g. the private ranges under 0.0.0.0/0).
   * @default - none
   */
  readonly except?: string[];
  /** Ports allowed. */
  readonly ports: PolicyPort[];
  /** Why this egress exists; shown in the traffic map. */
  readonly description: string;
}

/** The private IPv4 ranges (RFC 1918) plus link-local (cloud metadata). */
export const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'];

export interface ServiceNetworkPolicyProps {
  /** Policy name (the workload's name). */
  readonly name: string;
  /** Labels for the policy object. */
  readonly labels: Record<string, string>;
  /** Pods the policy governs. */
  readonly podSelector: Record<string, string>;
  /**
   * Allow DNS lookups to kube-dns in kube-system.
   * @default true
   */
  readonly allowDns?: boolean;
}

interface Rule {
  readonly key: string;
  readonly peers: k8s.NetworkPolicyPeer[];
  readonly ports: PolicyPort[];
  readonly description: string;
}

/** What a rule of a policy allows, in a form the traffic map and tests can read. */
export interface AllowedFlow {
  readonly direction: 'ingress' | 'egress';
  readonly peers: k8s.NetworkPolicyPeer[];
  readonly ports: PolicyPort[];
  readonly description: string;
}

/**
 * Default-deny for ingress and egress on a workload's pods; each allowed flow is added
 * explicitly (from the ingress controller, from monitoring, between named peers, to
 * declared external CIDRs).
 */
export class ServiceNetworkPolicy extends Construct {
  public readonly policy: k8s.KubeNetworkPolicy;
  /** The policy's name (its workload's). */
  public readonly name: string;
  /** Labels of the pods the policy governs. */
  public readonly podSelector: Readonly<Record<string, string>>;
  private readonly ingress = new Map<string, Rule>();
  private readonly egress = new Map<string, Rule>();

  constructor(scope: Construct, id: string, props: ServiceNetworkPolicyProps) {
    super(scope, id);
    this.name = props.name;
    this.podSelector = props.podSelector;
    if (props.allowDns ?? true) {
      this.addEgress([{
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
        podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
      }], [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }], 'cluster DNS');
    }
    const render = (rules: Map<string, Rule>) => Lazy.any({
      produce: () => [...rules.values()]
        .sort((a, b) => byCodeUnit(a.key, b.key))
        .map(r => ({
          ...(r.peers.length ? { [rules === this.ingress ? 'from' : 'to']: r.peers } : {}),
          ports: r.ports.map(p => ({
            port: k8s.IntOrString.fromNumber(p.port),
            ...(p.endPort !== undefined ? { endPort: p.endPort } : {}),
            protocol: p.protocol ?? 'TCP',
          })),
        })),
    });
    this.policy = new k8s.KubeNetworkPolicy(this, 'Resource', {
      metadata: namespacedMeta(this, props.name, props.labels),
      spec: {
        podSelector: { matchLabels: props.podSelector },
        policyTypes: ['Ingress', 'Egress'],
        ingress: render(this.ingress),
        egress: render(this.egress),
      },
    });
  }

  /** Allows traffic from pods in another namespace (selected by its name label). */
  public allowFromNamespace(namespace: string, ports: PolicyPort[], description: string, podLabels?: Record<string, string>): void {
    this.addIngress([{
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
      ...(podLabels ? { podSelector: { matchLabels: podLabels } } : {}),
    }], ports, description);
  }

  /** Allows traffic from pods of this or another namespace. */
  public allowFromPods(namespace: string, podLabels: Record<string, string>, ports: PolicyPort[], description: string): void {
    this.addIngress([podPeer(namespace, podLabels)], ports, description);
  }

  /** Allows traffic to pods of this or another namespace. */
  public allowToPods(namespace: string, podLabels: Record<string, string>, ports: PolicyPort[], description: string): void {
    this.addEgress([podPeer(namespace, podLabels)], ports, description);
  }

  /** Allows traffic to a CIDR outside the cluster. */
  public allowToCidr(spec: ExternalEgressSpec): void {
    checkIpBlock(this, spec.cidr, spec.except);
    if (!spec.ports || spec.ports.length === 0) {
      fail(this, `egress to ${spec.cidr} lists no ports`, 'name the ports the workload needs, e.g. [{ port: 443 }]');
    }
    for (const p of spec.ports) {
      checkPort(this, `egress to ${spec.cidr}: port`, p.port);
      checkProtocol(this, `egress to ${spec.cidr}: port ${p.port}`, p.protocol);
    }
    checkUniquePorts(this, 'egress port', spec.ports);
    this.addEgress([{ ipBlock: { cidr: spec.cidr, ...(spec.except?.length ? { except: spec.except } : {}) } }],
      spec.ports, spec.description);
  }

  /** Every allowed flow, for the traffic map and for tests. */
  public get flows(): AllowedFlow[] {
    const out: AllowedFlow[] = [];
    for (const [direction, rules] of [['ingress', this.ingress], ['egress', this.egress]] as const) {
      for (const r of [...rules.values()].sort((a, b) => byCodeUnit(a.key, b.key))) {
        out.push({ direction, peers: r.peers, ports: r.ports, description: r.description });
      }
    }
    return out;
  }

  private addIngress(peers: k8s.NetworkPolicyPeer[], ports: PolicyPort[], description: string): void {
    add(this.ingress, peers, ports, description);
  }

  private addEgress(peers: k8s.NetworkPolicyPeer[], ports: PolicyPort[], description: string): void {
    add(this.egress, peers, ports, description);
  }
}

function podPeer(namespace: string, podLabels: Record<string, string>): k8s.NetworkPolicyPeer {
  return {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
    podSelector: { matchLabels: podLabels },
  };
}

function add(rules: Map<string, Rule>, peers: k8s.NetworkPolicyPeer[], ports: PolicyPort[], description: string): void {
  const sortedPorts = [...ports].sort((a, b) => a.port - b.port || byCodeUnit(a.protocol ?? 'TCP', b.protocol ?? 'TCP'));
  const key = JSON.stringify([peers, sortedPorts]);
  if (!rules.has(key)) {
    rules.set(key, { key, peers, ports: sortedPorts, description });
  }
}

/**
 * Lets `client` open connections to `server` on the named ports (all of the server's
 * ports when none are named): egress on the client's policy, ingress on the server's.
 * Both must be rendered in the same environment — a reference to a peer that does not
 * exist there is refused.
 */
export function connect(client: INetworkEndpoint, server: INetworkEndpoint, portNames?: string[]): void {
  const clientEnv = Environment.of(client);
  if (client.node.root !== server.node.root || Environment.of(server) !== clientEnv) {
    fail(client, `network peer ${server.node.path} does not exist in environment ${clientEnv.name}`,
      `create ${server.node.id} in the ${clientEnv.name} environment of the same app before connecting to it`);
  }
  if (client === server) {
    fail(client, 'a workload cannot be its own network peer', 'connect two different workloads');
  }
  const names = portNames ?? Object.keys(server.networkPorts);
  const ports = names.map(n => {
    const p = server.networkPorts[n];
    if (!p) {
      fail(client, `network peer ${server.node.id} has no port named "${n}"`,
        `use one of: ${Object.keys(server.networkPorts).join(', ') || '(none)'}`);
    }
    return p;
  });
  if (ports.length === 0) {
    fail(client, `network peer ${server.node.id} exposes no ports`, 'declare a port on the server first');
  }
  client.networkPolicy.allowToPods(server.namespaceName, server.podSelector, ports, `to ${server.node.id}`);
  server.networkPolicy.allowFromPods(client.namespaceName, client.podSelector, ports, `from ${client.node.id}`);
}
