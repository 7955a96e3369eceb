import { Construct } from 'constructs';
import * as rmq from '../../imports/rabbitmq.com';
import { SystemChart } from '../chart';
import { SecretKeyReference, SecretReference } from '../config/secret-reference';
import { checkPositiveInt } from '../core/checks';
import { fail } from '../core/errors';
import { checkLabelValue, stableLabels } from '../core/labels';
import { namespacedMeta } from '../core/metadata';
import { checkServiceName, NAME_LIMITS } from '../core/names';
import { parseBytes } from '../core/quantity';
import { checkNameIsFree, recordDefinition } from '../core/unique-name';
import { DisruptionBudget } from '../disruption/disruption-budget';
import { Environment } from '../environments/environment';
import { PodScrape } from '../monitoring/pod-monitor';
import { RABBITMQ_METRICS } from '../observability/catalogue';
import { INetworkEndpoint, PolicyPort, ServiceNetworkPolicy } from '../network/network-policy';
import { checkResources, operatorResources, ResourceSpec } from '../workload/container';
import { spreadConstraints } from '../workload/pod';
import { RABBITMQ_PORTS, rabbitmqPodLabels } from './operator-pods';
import { ignoreOperatorPodsForKubeScore } from '../policy/kube-score-ignore';

/** Inter-node clustering (Erlang distribution). */
const CLUSTERING: PolicyPort = { port: 25672 };

/** The Erlang distribution ports of CLI tools run against a peer node (rabbitmq.com/docs/networking). */
const CLI_TOOLS: PolicyPort = { port: 35672, endPort: 35682 };

/** The keys the operator writes into `<name>-default-user` (internal/resource/default_user_secret.go). */
const DEFAULT_USER_KEYS = { username: 'username', password: 'password' } as const;

/** How an application reaches the cluster: typed, so no host or Secret name is spelt twice. */
export interface RabbitmqConnection {
  /** The operator's client Service, `<name>`, in the cluster's namespace. */
  readonly host: string;
  /** AMQP 0-9-1. */
  readonly port: number;
  /** The default user's name, in the operator-generated Secret `<name>-default-user`. */
  readonly username: SecretKeyReference;
  /** Its password, in the same Secret. */
  readonly password: SecretKeyReference;
}

export interface RabbitmqClusterProps {
  /**
   * RabbitMQ image with an explicit tag, 4.1 or later: from 4.1 nodes find their peers by pod
   * ordinal; earlier versions ask the Kubernetes API, which the NetworkPolicy does not allow.
   */
  readonly image: string;
  /**
   * Nodes. An odd number: quorum queues and pause_minority need a majority, and an even count
   * survives no more failures than one node fewer. At least 3 where highly available.
   * @default 3 in highly available environments, else 1
   */
  readonly replicas?: number;
  /** Requests and limits of each node; the operator sizes RabbitMQ's memory from the limit. */
  readonly resources: ResourceSpec;
  /** Persistent volume of each node, e.g. "20Gi". */
  readonly storage: string;
  /**
   * Storage class of the volumes.
   * @default - the cluster's default storage class
   */
  readonly storageClassName?: string;
  /**
   * Share of the memory available to RabbitMQ (the limit less the operator's 20% headroom) at
   * which publishers are blocked: `vm_memory_high_watermark.relative`.
   * @default - RabbitMQ's default (0.6)
   */
  readonly memoryHighWatermark?: number;
  /**
   * Label app.kubernetes.io/component of the objects rendered here.
   * @default 'message-queue'
   */
  readonly component?: string;
  /**
   * How often Prometheus scrapes the prometheus plugin (port 15692).
   * @default '30s'
   */
  readonly scrapeInterval?: string;
}

/**
 * A RabbitMQ cluster run by the RabbitMQ Cluster Operator: the RabbitmqCluster, its pods spread
 * across nodes, a PodDisruptionBudget that keeps a majority (the operator renders none), a
 * PodMonitor on the prometheus plugin the operator always enables, and a default-deny
 * NetworkPolicy that admits the cluster's own nodes, the operator, Prometheus and named clients.
 * Applications connect through {@link RabbitmqCluster.connection}.
 */
export class RabbitmqCluster extends Construct implements INetworkEndpoint {
  public readonly name: string;
  public readonly namespaceName: string;
  public readonly podSelector: Record<string, string>;
  /** Clients may reach AMQP only; management (15672) is for the operator. */
  public readonly networkPorts: Record<string, PolicyPort> = { amqp: { port: RABBITMQ_PORTS.amqp } };
  public readonly networkPolicy: ServiceNetworkPolicy;
  public readonly resource: rmq.RabbitmqCluster;
  public readonly replicas: number;
  /** Rendered where highly available. */
  public readonly disruptionBudget?: DisruptionBudget;
  public readonly scrape: PodScrape;
  public readonly connection: RabbitmqConnection;

  constructor(scope: Construct, name: string, props: RabbitmqClusterProps) {
    checkNameIsFree(scope, name, 'datastore');
    super(scope, name);
    recordDefinition(this);
    const env = Environment.of(this);
    const ha = env.settings.highAvailability;
    // The operator names the StatefulSet `<name>-server`, whose pods carry a
    // controller-revision-hash label of that name and 11 more characters.
    checkServiceName(this, 'RabbitMQ cluster name', name, NAME_LIMITS.statefulSet - '-server'.length);
    checkResources(this, props.resources);
    parseBytes(this, 'storage', props.storage);
    const replicas = props.replicas ?? (ha ? 3 : 1);
    checkPositiveInt(this, 'replicas', replicas);
    if (replicas % 2 === 0) {
      fail(this, `replicas ${replicas} is even: a RabbitMQ cluster needs a majority of its nodes, and ${replicas} nodes survive no more failures than ${replicas - 1}`,
        `use an odd number of nodes, e.g. ${replicas + 1}`);
    }
    if (ha && replicas < 3) {
      fail(this, `replicas ${replicas} in the highly available environment ${env.name}: a single node is a single point of failure`,
        'use 3 replicas: quorum queues keep a majority of 3 through the loss of one node');
    }
    const watermark = props.memoryHighWatermark;
    if (watermark !== undefined && !(typeof watermark === 'number' && watermark > 0 && watermark <= 1)) {
      fail(this, `memoryHighWatermark ${watermark} is not a fraction above 0 and at most 1`,
        'give the share of memory at which publishers are blocked, e.g. 0.6 (RabbitMQ\'s default) or 0.8');
    }
    const component = props.component ?? 'message-queue';
    checkLabelValue(this, 'component', component);
    const chart = SystemChart.of(this);
    this.name = name;
    this.namespaceName = chart.namespaceName;
    this.replicas = replicas;
    this.podSelector = rabbitmqPodLabels(name);
    const labels = stableLabels({ name, instance: name, component, partOf: chart.system });

    const config = watermark !== undefined ? [`vm_memory_high_watermark.relative = ${watermark}`] : [];
    this.resource = new rmq.RabbitmqCluster(this, 'Resource', {
      metadata: namespacedMeta(this, name, labels),
      spec: {
        image: props.image,
        replicas,
        resources: operatorResources(props.resources,
          v => rmq.RabbitmqClusterSpecResourcesRequests.fromString(v), v => rmq.RabbitmqClusterSpecResourcesLimits.fromString(v)),
        persistence: {
          storage: rmq.RabbitmqClusterSpecPersistenceStorage.fromString(props.storage),
          ...(props.storageClassName ? { storageClassName: props.storageClassName } : {}),
        },
        // The prometheus plugin (15692) is one of the three the operator always enables.
        ...(config.length ? { rabbitmq: { additionalConfig: config.join('\n') } } : {}),
        // Strict node spread, as every replicated workload here; it merges, by topologyKey, with
        // the operator's own zone constraint (the pod template is patched, not replaced).
        ...(replicas > 1 ? {
          override: { statefulSet: { spec: { template: { spec: { containers: [], topologySpreadConstraints: spreadConstraints({ 'app.kubernetes.io/name': name }) } } } } },
        } : {}),
      },
    });

    if (ha) {
      // One node at a time: a drain never takes a majority (the operator renders no budget).
      this.disruptionBudget = new DisruptionBudget(this, 'disruption-budget', {
        name, labels, selector: { 'app.kubernetes.io/name': name }, maxUnavailable: 1, minReplicas: replicas,
      });
    }

    this.scrape = new PodScrape(this, 'scrape', {
      name, labels, podSelector: this.podSelector, port: 'prometheus',
      jobLabel: 'app.kubernetes.io/name', interval: props.scrapeInterval, custom: RABBITMQ_METRICS,
    });

    this.networkPolicy = new ServiceNetworkPolicy(this, 'network-policy', { name, labels, podSelector: this.podSelector });
    ignoreOperatorPodsForKubeScore(this.networkPolicy.policy, `RabbitmqCluster ${name}`);
    const members: PolicyPort[] = [{ port: RABBITMQ_PORTS.epmd }, CLUSTERING, CLI_TOOLS];
    if (replicas > 1) {
      this.networkPolicy.allowFromPods(this.namespaceName, this.podSelector, members, 'the cluster\'s own nodes (epmd, clustering, CLI tools)');
      this.networkPolicy.allowToPods(this.namespaceName, this.podSelector, members, 'the cluster\'s own nodes (epmd, clustering, CLI tools)');
    }
    this.networkPolicy.allowFromNamespace(env.settings.datastoreOperators.rabbitmqNamespace, [{ port: RABBITMQ_PORTS.management }],
      'the RabbitMQ Cluster Operator (management API: status, quorum checks)');
    this.networkPolicy.allowFromNamespace(env.settings.monitoringNamespace, [{ port: RABBITMQ_PORTS.prometheus }], 'Prometheus scrapes');

    const defaultUser = SecretReference.fromOperator(`${name}-default-user`);
    this.connection = {
      host: name,
      port: RABBITMQ_PORTS.amqp,
      username: defaultUser.key(DEFAULT_USER_KEYS.username),
      password: defaultUser.key(DEFAULT_USER_KEYS.password),
    };
  }
}
