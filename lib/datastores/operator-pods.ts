/**
 * What the datastore operators make of a custom resource: the labels and named ports of the
 * pods they run. The constructs select those pods by these labels, and the checks that read
 * only dist/ (the policy gate, the traffic map) see the pods through {@link operatorPods}.
 * No construct code here, so those checks stay quick to load.
 */

/** Pods an operator will create from one template: their labels, named container ports and count. */
export interface OperatorPod {
  readonly labels: Record<string, string>;
  readonly ports: ReadonlyArray<{ readonly name: string; readonly containerPort: number }>;
  readonly replicas: number;
}

/** A RabbitMQ node's ports, named as the RabbitMQ Cluster Operator names its container ports. */
export const RABBITMQ_PORTS = { epmd: 4369, amqp: 5672, management: 15672, prometheus: 15692 } as const;

/**
 * The labels the RabbitMQ Cluster Operator puts on every pod of cluster `name`
 * (internal/metadata/label.go). It copies none of the cluster's own app.kubernetes.io labels.
 */
export function rabbitmqPodLabels(name: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/component': 'rabbitmq',
    'app.kubernetes.io/part-of': 'rabbitmq',
  };
}

/** The ports the redis-operator's pods serve. */
export const REDIS_PORTS = { redis: 6379, sentinel: 26379, exporter: 9121 } as const;

/**
 * The labels the redis-operator puts on the pods of a RedisReplication (`replication`) or a
 * RedisSentinel (`sentinel`) named `name` (internal/controller/common/labels.go). It adds the
 * resource's own labels; these three are the ones its StatefulSets select on.
 */
export function redisPodLabels(name: string, setup: 'replication' | 'sentinel'): Record<string, string> {
  return setup === 'replication'
    ? { app: name, redis_setup_type: 'replication', role: 'replication' }
    : { app: `${name}-sentinel`, redis_setup_type: 'sentinel', role: 'sentinel' };
}

/** CloudNativePG's instance ports, named as its pods name them (docs: security.md, "Exposed Ports"). */
export const CNPG_PORTS = { postgresql: 5432, status: 8000, metrics: 9187 } as const;

/** The label CloudNativePG puts on every pod of cluster `name` (instances and Jobs alike). */
export const CNPG_CLUSTER_LABEL = 'cnpg.io/cluster';

/** The labels of CloudNativePG's instance pods of cluster `name` (pkg/utils/labels_annotations.go). */
export function cnpgInstanceLabels(name: string): Record<string, string> {
  return { [CNPG_CLUSTER_LABEL]: name, 'cnpg.io/podRole': 'instance' };
}

function cnpgClusterPods(o: any): OperatorPod[] {
  const ports = Object.entries(CNPG_PORTS).map(([name, containerPort]) => ({ name, containerPort }));
  return [{ labels: cnpgInstanceLabels(o.metadata.name), ports, replicas: o.spec?.instances ?? 1 }];
}

function rabbitmqClusterPods(o: any): OperatorPod[] {
  const ports = Object.entries(RABBITMQ_PORTS).map(([name, containerPort]) => ({ name, containerPort }));
  return [{ labels: rabbitmqPodLabels(o.metadata.name), ports, replicas: o.spec?.replicas ?? 1 }];
}

function redisPods(o: any): OperatorPod[] {
  const name: string = o.metadata.name;
  const replicas: number = o.spec?.clusterSize ?? 1;
  // The resource's labels are added after the operator's (common.GetRedisLabels).
  if (o.kind === 'RedisSentinel') {
    return [{ labels: { ...redisPodLabels(name, 'sentinel'), ...o.metadata.labels }, ports: [], replicas }];
  }
  const exporter = o.spec?.redisExporter?.enabled
    ? [{ name: 'redis-exporter', containerPort: o.spec.redisExporter.port ?? REDIS_PORTS.exporter }] : [];
  return [{ labels: { ...redisPodLabels(name, 'replication'), ...o.metadata.labels }, ports: exporter, replicas }];
}

/** Each operator-run kind, by `<apiVersion> <kind>`. */
const PODS_OF: Record<string, (o: any) => OperatorPod[]> = {
  'postgresql.cnpg.io/v1 Cluster': cnpgClusterPods,
  'rabbitmq.com/v1beta1 RabbitmqCluster': rabbitmqClusterPods,
  'redis.redis.opstreelabs.in/v1beta2 RedisReplication': redisPods,
  'redis.redis.opstreelabs.in/v1beta2 RedisSentinel': redisPods,
};

/** The pods an operator will run for this rendered object (none for any other kind). */
export function operatorPods(o: any): OperatorPod[] {
  return PODS_OF[`${o?.apiVersion} ${o?.kind}`]?.(o) ?? [];
}
