import { createHash } from 'crypto';
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import * as op from '../../imports/redis.redis.opstreelabs.in';
import { SystemChart } from '../chart';
import { useSecretKeyReference, SecretKeyReference } from '../config/secret-reference';
import { checkPositiveInt } from '../core/checks';
import { fail } from '../core/errors';
import { checkLabelValue, stableLabels } from '../core/labels';
import { namespacedMeta } from '../core/metadata';
import { checkServiceName, NAME_LIMITS } from '../core/names';
import { parseBytes } from '../core/quantity';
import { checkNameIsFree, recordDefinition } from '../core/unique-name';
import { checkDisruption } from '../disruption/disruption-budget';
import { Environment } from '../environments/environment';
import { PodScrape } from '../monitoring/pod-monitor';
import { REDIS_REPLICATION_METRICS } from '../observability/catalogue';
import { INetworkEndpoint, PolicyPort, ServiceNetworkPolicy } from '../network/network-policy';
import { checkResources, operatorResources, ResourceSpec } from '../workload/container';
import { spreadConstraints } from '../workload/pod';
import { REDIS_PORTS, redisPodLabels } from './operator-pods';
import { ignoreOperatorPodsForKubeScore } from '../policy/kube-score-ignore';

/** Sentinel's name for the replication it watches (what a Sentinel-aware client asks for). */
const MASTER_GROUP = 'mymaster';

/** Redis's eviction policies (redis.conf `maxmemory-policy`). */
const MAX_MEMORY_POLICIES = ['noeviction', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random',
  'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl'] as const;
export type MaxMemoryPolicy = typeof MAX_MEMORY_POLICIES[number];

/** How an application reaches Redis: typed, so no Service or Secret name is spelt twice. */
export interface RedisConnection {
  /**
   * `<name>-master`: the operator's Service that selects the pod it last saw as master. It
   * follows a Sentinel failover when the operator relabels the pods (within its 30 s resync).
   */
  readonly host: string;
  /** Redis's port. */
  readonly port: number;
  /** `redis://<host>:<port>`, without credentials. */
  readonly url: string;
  /**
   * The password (AUTH).
   * @default - none: the Redis accepts unauthenticated clients the NetworkPolicy admits
   */
  readonly password?: SecretKeyReference;
  /**
   * For Sentinel-aware clients, which learn of a new master at once.
   * @default - no Sentinels (a single node)
   */
  readonly sentinel?: { readonly host: string; readonly port: number; readonly masterName: string };
}

export interface RedisReplicationProps {
  /**
   * Redis image for the operator, with an explicit tag: quay.io/opstree/redis (its entrypoint
   * builds redis.conf from the operator's environment and the additional config).
   */
  readonly image: string;
  /** Sentinel image with an explicit tag: quay.io/opstree/redis-sentinel. */
  readonly sentinelImage: string;
  /** redis_exporter image for the operator's metrics sidecar, with an explicit tag. */
  readonly exporterImage: string;
  /**
   * Redis nodes (clusterSize): one master, the others replicas. At least 2 where highly
   * available, so Sentinel has a replica to promote.
   * @default 3 in highly available environments, else 1
   */
  readonly replicas?: number;
  /**
   * Sentinels watching the master. An odd number (they elect a leader by majority; the
   * operator's webhook refuses an even one), at least 3 where highly available; none for a
   * single node.
   * @default 3 when there are replicas, else none
   */
  readonly sentinels?: number;
  /** Requests and limits of each Redis node. */
  readonly resources: ResourceSpec;
  /** Persistent volume of each node (append-only file and snapshots), e.g. "10Gi". */
  readonly storage: string;
  /**
   * Storage class of the volumes.
   * @default - the cluster's default storage class
   */
  readonly storageClassName?: string;
  /** `maxmemory`, as a quantity ("1800Mi"); below the memory limit, to leave room for replication buffers. */
  readonly maxMemory: string;
  /** `maxmemory-policy`: what Redis does at maxMemory. */
  readonly maxMemoryPolicy: MaxMemoryPolicy;
  /**
   * `maxclients`.
   * @default - Redis's default (10000)
   */
  readonly maxClients?: number;
  /**
   * `tcp-keepalive`, in seconds.
   * @default - Redis's default (300)
   */
  readonly tcpKeepaliveSeconds?: number;
  /**
   * The password, from a Secret the secret manager fills (the operator generates none): the
   * operator's `redisSecret` for Redis, the exporter and Sentinel.
   * @default - no password
   */
  readonly password?: SecretKeyReference;
  /**
   * Requests and limits of each Sentinel.
   * @default - 50m / 64Mi requested, 200m / 128Mi limit
   */
  readonly sentinelResources?: ResourceSpec;
  /**
   * Requests and limits of the exporter sidecar.
   * @default - 50m / 64Mi requested, 200m / 128Mi limit
   */
  readonly exporterResources?: ResourceSpec;
  /**
   * Label app.kubernetes.io/component of the objects rendered here.
   * @default 'cache'
   */
  readonly component?: string;
  /**
   * How often Prometheus scrapes the exporter.
   * @default '30s'
   */
  readonly scrapeInterval?: string;
}

const SMALL: ResourceSpec = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } };
const MiB = 2 ** 20;

/**
 * The opstree images run as user 1000 and write redis.conf at start (so the root filesystem
 * stays writable); everything else is Pod Security "restricted", which the namespace enforces
 * and the operator does not apply by itself.
 */
const POD_SECURITY = { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } };
const CONTAINER_SECURITY = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true };

/** The operator's CRDs type requests and limits alike: one quantity type serves both. */
function quantities<T>(make: (v: string) => T, r: ResourceSpec) {
  return operatorResources(r, make, make);
}

/**
 * Redis with Sentinel failover on the OT-CONTAINER-KIT redis-operator: a RedisReplication (one
 * master, replicas) with the operator's exporter sidecar, a RedisSentinel watching it, the
 * redis.conf settings in a ConfigMap the operator mounts, the operator's own
 * PodDisruptionBudgets, pods spread across nodes, a PodMonitor and default-deny
 * NetworkPolicies. Applications connect through {@link RedisReplication.connection}.
 */
export class RedisReplication extends Construct implements INetworkEndpoint {
  public readonly name: string;
  public readonly namespaceName: string;
  /** The Redis nodes (not the Sentinels). */
  public readonly podSelector: Record<string, string>;
  public readonly networkPorts: Record<string, PolicyPort> = { redis: { port: REDIS_PORTS.redis } };
  public readonly networkPolicy: ServiceNetworkPolicy;
  public readonly resource: op.RedisReplication;
  /** The redis.conf settings, mounted by the operator as its additional config. */
  public readonly config: k8s.KubeConfigMap;
  /** The Sentinels; absent for a single node. */
  public readonly sentinel?: RedisSentinels;
  public readonly replicas: number;
  public readonly scrape: PodScrape;
  public readonly connection: RedisConnection;

  constructor(scope: Construct, name: string, props: RedisReplicationProps) {
    checkNameIsFree(scope, name, 'datastore');
    super(scope, name);
    recordDefinition(this);
    const env = Environment.of(this);
    const ha = env.settings.highAvailability;
    // The longest name the operator derives is `<name>-sentinel-additional` (a Service); the
    // Sentinel StatefulSet `<name>-sentinel` stays within the StatefulSet limit with it.
    checkServiceName(this, 'Redis name', name, NAME_LIMITS.label - '-sentinel-additional'.length);
    checkResources(this, props.resources);
    parseBytes(this, 'storage', props.storage);
    const replicas = props.replicas ?? (ha ? 3 : 1);
    checkPositiveInt(this, 'replicas', replicas);
    if (ha && replicas < 2) {
      fail(this, `replicas ${replicas} in the highly available environment ${env.name}: Sentinel has no replica to promote when the master fails`,
        'use at least 2 replicas (3 in production)');
    }
    const sentinels = props.sentinels ?? (replicas > 1 ? 3 : 0);
    checkPositiveInt(this, 'sentinels', sentinels, 0);
    if (sentinels > 0 && replicas < 2) {
      fail(this, `sentinels ${sentinels} with replicas ${replicas}: Sentinel has no replica to promote`,
        'add replicas (at least 2), or set sentinels to 0 for a single node');
    }
    if (sentinels % 2 === 0 && sentinels > 0) {
      fail(this, `sentinels ${sentinels} is even: Sentinels elect a failover leader by majority, and ${sentinels} survive no more failures than ${sentinels - 1}`,
        `use an odd number, e.g. ${sentinels + 1} (the operator's webhook refuses an even one too)`);
    }
    if (ha && sentinels < 3) {
      fail(this, `sentinels ${sentinels} in the highly available environment ${env.name}: failover needs a majority of at least 3 Sentinels to survive the loss of one`,
        'use 3 sentinels');
    }
    const maxMemory = parseBytes(this, 'maxMemory', props.maxMemory);
    const memoryLimit = parseBytes(this, 'resources.limits.memory', props.resources.limits.memory);
    const aboutNinetyPercent = `set maxMemory to about 90% of the limit (${Math.floor(memoryLimit * 0.9 / MiB)}Mi), leaving room for replication buffers and rewrites`;
    if (maxMemory <= 0) {
      fail(this, `maxMemory "${props.maxMemory}" is zero, which Redis reads as no limit: the container would be OOM-killed before Redis evicts or refuses writes`, aboutNinetyPercent);
    }
    if (maxMemory >= memoryLimit) {
      fail(this, `maxMemory "${props.maxMemory}" is not below the memory limit "${props.resources.limits.memory}": the container would be OOM-killed before Redis evicts or refuses writes`, aboutNinetyPercent);
    }
    if (!(MAX_MEMORY_POLICIES as readonly string[]).includes(props.maxMemoryPolicy)) {
      fail(this, `maxMemoryPolicy "${props.maxMemoryPolicy}" is not a Redis eviction policy`, `use one of: ${MAX_MEMORY_POLICIES.join(', ')}`);
    }
    if (props.maxClients !== undefined) { checkPositiveInt(this, 'maxClients', props.maxClients); }
    if (props.tcpKeepaliveSeconds !== undefined) { checkPositiveInt(this, 'tcpKeepaliveSeconds', props.tcpKeepaliveSeconds, 0); }
    const exporterResources = props.exporterResources ?? SMALL;
    checkResources(this, exporterResources);
    if (props.password) { useSecretKeyReference(this, 'password', props.password); }
    const component = props.component ?? 'cache';
    checkLabelValue(this, 'component', component);

    const chart = SystemChart.of(this);
    this.name = name;
    this.namespaceName = chart.namespaceName;
    this.replicas = replicas;
    this.podSelector = redisPodLabels(name, 'replication');
    const labels = stableLabels({ name, instance: name, component, partOf: chart.system });

    // Redis reads `1mb` as 1024 * 1024 bytes.
    const settings: Array<[string, string | number | undefined]> = [
      // Every node has a volume: the image turns this on already; said here so it shows.
      ['appendonly', 'yes'],
      ['maxmemory', maxMemory % MiB === 0 ? `${maxMemory / MiB}mb` : maxMemory],
      ['maxmemory-policy', props.maxMemoryPolicy],
      ['maxclients', props.maxClients],
      ['tcp-keepalive', props.tcpKeepaliveSeconds],
    ];
    const redisConf = settings.filter(([, v]) => v !== undefined).map(([k, v]) => `${k} ${v}\n`).join('');
    const configName = `${name}-config`;
    this.config = new k8s.KubeConfigMap(this, 'config', {
      metadata: namespacedMeta(this, configName, labels),
      // The image's entrypoint includes this file last, after its own settings.
      data: { 'redis-additional.conf': redisConf },
    });

    const secret = props.password ? { name: props.password.secretName, key: props.password.key } : undefined;
    const pdb = ha ? { enabled: true, maxUnavailable: 1 } : undefined;
    if (pdb) { checkDisruption(this, pdb, replicas); }
    this.resource = new op.RedisReplication(this, 'Resource', {
      // The operator copies the resource's annotations onto its pods: a new hash rolls them,
      // so a changed redis.conf takes effect (Redis reads the file only at start).
      metadata: namespacedMeta(this, name, labels, { 'fleet.dev/redis-config-sha256': createHash('sha256').update(redisConf).digest('hex').slice(0, 16) }),
      spec: {
        clusterSize: replicas,
        kubernetesConfig: {
          image: props.image,
          imagePullPolicy: 'IfNotPresent',
          resources: quantities(v => op.RedisReplicationSpecKubernetesConfigResourcesLimits.fromString(v), props.resources),
          ...(secret ? { redisSecret: secret } : {}),
        },
        redisConfig: { additionalRedisConfig: configName },
        redisExporter: {
          enabled: true,
          image: props.exporterImage,
          imagePullPolicy: 'IfNotPresent',
          resources: quantities(v => op.RedisReplicationSpecRedisExporterResourcesLimits.fromString(v), exporterResources),
          securityContext: { ...CONTAINER_SECURITY, readOnlyRootFilesystem: true },
        },
        storage: {
          // A deleted RedisReplication leaves its volumes behind (the operator deletes them otherwise).
          keepAfterDelete: true,
          volumeClaimTemplate: {
            spec: {
              accessModes: ['ReadWriteOnce'],
              resources: { requests: { storage: op.RedisReplicationSpecStorageVolumeClaimTemplateSpecResourcesRequests.fromString(props.storage) } },
              ...(props.storageClassName ? { storageClassName: props.storageClassName } : {}),
            },
          },
        },
        podSecurityContext: POD_SECURITY,
        securityContext: CONTAINER_SECURITY,
        ...(replicas > 1 ? { topologySpreadConstraints: spreadConstraints(this.podSelector) } : {}),
        ...(pdb ? { pdb } : {}),
      },
    });

    this.scrape = new PodScrape(this, 'scrape', {
      name, labels, podSelector: this.podSelector, port: 'redis-exporter', jobLabel: 'app', interval: props.scrapeInterval,
      custom: REDIS_REPLICATION_METRICS,
    });

    this.networkPolicy = new ServiceNetworkPolicy(this, 'network-policy', { name, labels, podSelector: this.podSelector });
    ignoreOperatorPodsForKubeScore(this.networkPolicy.policy, `RedisReplication ${name}`);
    const redisPort = [{ port: REDIS_PORTS.redis }];
    if (replicas > 1) {
      this.networkPolicy.allowFromPods(this.namespaceName, this.podSelector, redisPort, 'replicas of the master');
      this.networkPolicy.allowToPods(this.namespaceName, this.podSelector, redisPort, 'replicas of the master');
    }
    this.networkPolicy.allowFromNamespace(env.settings.datastoreOperators.redisNamespace, redisPort,
      'the redis-operator (replication set-up, role labels)');
    this.networkPolicy.allowFromNamespace(env.settings.monitoringNamespace, [{ port: REDIS_PORTS.exporter }], 'Prometheus scrapes');

    if (sentinels > 0) {
      this.sentinel = new RedisSentinels(this, 'sentinel', {
        replication: this, count: sentinels, image: props.sentinelImage, password: secret,
        resources: props.sentinelResources ?? SMALL, labels: stableLabels({ name: `${name}-sentinel`, instance: `${name}-sentinel`, component: 'sentinel', partOf: chart.system }),
      });
    }

    const host = `${name}-master`;
    this.connection = {
      host,
      port: REDIS_PORTS.redis,
      url: `redis://${host}:${REDIS_PORTS.redis}`,
      ...(props.password ? { password: props.password } : {}),
      ...(this.sentinel ? { sentinel: { host: `${name}-sentinel`, port: REDIS_PORTS.sentinel, masterName: MASTER_GROUP } } : {}),
    };
  }
}

interface RedisSentinelsProps {
  readonly replication: RedisReplication;
  readonly count: number;
  readonly image: string;
  readonly resources: ResourceSpec;
  readonly password?: { name: string; key: string };
  readonly labels: Record<string, string>;
}

/**
 * The RedisSentinel of a {@link RedisReplication}, named like it (the operator appends
 * `-sentinel`), with its NetworkPolicy: Sentinels talk to each other and to the Redis nodes.
 * A network endpoint of its own, so a Sentinel-aware client can be connected to it.
 */
export class RedisSentinels extends Construct implements INetworkEndpoint {
  public readonly namespaceName: string;
  public readonly podSelector: Record<string, string>;
  public readonly networkPorts: Record<string, PolicyPort> = { sentinel: { port: REDIS_PORTS.sentinel } };
  public readonly networkPolicy: ServiceNetworkPolicy;
  public readonly resource: op.RedisSentinel;

  constructor(scope: Construct, id: string, props: RedisSentinelsProps) {
    super(scope, id);
    checkResources(this, props.resources);
    const env = Environment.of(this);
    const redis = props.replication;
    this.namespaceName = redis.namespaceName;
    this.podSelector = redisPodLabels(redis.name, 'sentinel');
    const pdb = env.settings.highAvailability ? { enabled: true, maxUnavailable: 1 } : undefined;
    if (pdb) { checkDisruption(this, pdb, props.count); }
    this.resource = new op.RedisSentinel(this, 'Resource', {
      metadata: namespacedMeta(this, redis.name, props.labels),
      spec: {
        clusterSize: props.count,
        kubernetesConfig: {
          image: props.image,
          imagePullPolicy: 'IfNotPresent',
          resources: quantities(v => op.RedisSentinelSpecKubernetesConfigResourcesLimits.fromString(v), props.resources),
          // Sentinel's own AUTH; the same password as Redis.
          ...(props.password ? { redisSecret: props.password } : {}),
        },
        redisSentinelConfig: {
          redisReplicationName: redis.name,
          masterGroupName: MASTER_GROUP,
          // A majority of the Sentinels must agree that the master is down.
          quorum: String(Math.floor(props.count / 2) + 1),
          ...(props.password ? { redisReplicationPassword: { secretKeyRef: props.password } } : {}),
        },
        podSecurityContext: POD_SECURITY,
        securityContext: CONTAINER_SECURITY,
        ...(props.count > 1 ? { topologySpreadConstraints: spreadConstraints(this.podSelector) } : {}),
        ...(pdb ? { pdb } : {}),
      },
    });

    const sentinelPort = [{ port: REDIS_PORTS.sentinel }];
    this.networkPolicy = new ServiceNetworkPolicy(this, 'network-policy', {
      name: `${redis.name}-sentinel`, labels: props.labels, podSelector: this.podSelector,
    });
    ignoreOperatorPodsForKubeScore(this.networkPolicy.policy, `RedisSentinel ${redis.name}-sentinel`);
    this.networkPolicy.allowFromPods(this.namespaceName, this.podSelector, sentinelPort, 'the other Sentinels');
    this.networkPolicy.allowToPods(this.namespaceName, this.podSelector, sentinelPort, 'the other Sentinels');
    this.networkPolicy.allowToPods(this.namespaceName, redis.podSelector, [{ port: REDIS_PORTS.redis }], 'the Redis nodes it watches and fails over');
    redis.networkPolicy.allowFromPods(this.namespaceName, this.podSelector, [{ port: REDIS_PORTS.redis }], 'Sentinels (monitoring, failover)');
    this.networkPolicy.allowFromNamespace(env.settings.datastoreOperators.redisNamespace, sentinelPort, 'the redis-operator (Sentinel set-up)');
  }
}
