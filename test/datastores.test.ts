import { SystemChart } from '../lib/chart';
import { SecretReference } from '../lib/config/secret-reference';
import { operatorPods } from '../lib/datastores/operator-pods';
import { RabbitmqCluster, RabbitmqClusterProps } from '../lib/datastores/rabbitmq-cluster';
import { RedisReplication, RedisReplicationProps } from '../lib/datastores/redis-replication';
import { EnvironmentName } from '../lib/environments/environment';
import { connect } from '../lib/network/network-policy';
import { checkManifests, failing, Manifest } from '../lib/policy/policy';
import { diffTrees, riskyChanges } from '../lib/review/manifest-diff';
import { Worker } from '../lib/workload/worker';
import { find, objects, testChart } from './util';

/**
 * The operator-run datastores on small fixtures: what they render (the custom resources,
 * budgets, scrapes and NetworkPolicies around the operators' pods), how applications connect,
 * and the mistakes refused before anything is written.
 */

const resources = { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
const mqProps: RabbitmqClusterProps = { image: 'docker.io/library/rabbitmq:4.2.6-management', resources, storage: '5Gi' };
const redisProps: RedisReplicationProps = {
  image: 'quay.io/opstree/redis:v7.0.15',
  sentinelImage: 'quay.io/opstree/redis-sentinel:v7.0.15',
  exporterImage: 'docker.io/oliver006/redis_exporter:v1.62.0',
  resources,
  storage: '1Gi',
  maxMemory: '400Mi',
  maxMemoryPolicy: 'allkeys-lru',
};

function mq(env: EnvironmentName = 'production', props: Partial<RabbitmqClusterProps> = {}, chart: SystemChart = testChart(env)) {
  return { chart, mq: new RabbitmqCluster(chart, 'queue', { ...mqProps, ...props }) };
}
function redis(env: EnvironmentName = 'production', props: Partial<RedisReplicationProps> = {}, chart: SystemChart = testChart(env)) {
  return { chart, redis: new RedisReplication(chart, 'cache', { ...redisProps, ...props }) };
}
const worker = (chart: SystemChart) => new Worker(chart, 'consumer', {
  image: 'ghcr.io/acme/consumer:1.0.0', resources, ports: [{ name: 'metrics', containerPort: 9100 }],
});
/** The ingress rules of a NetworkPolicy as `<peer> <ports>`, the peer by namespace or pod name label. */
function ingress(policy: any): string[] {
  return policy.spec.ingress.flatMap((r: any) => r.from.map((p: any) => {
    const who = p.podSelector ? (p.podSelector.matchLabels['app.kubernetes.io/name'] ?? p.podSelector.matchLabels.app) : `ns:${p.namespaceSelector.matchLabels['kubernetes.io/metadata.name']}`;
    return `${who} ${r.ports.map((x: any) => `${x.port}${x.endPort ? `-${x.endPort}` : ''}`).join(',')}`;
  })).sort();
}
function egress(policy: any): string[] {
  return policy.spec.egress.filter((r: any) => r.to?.[0]?.podSelector && !r.to[0].podSelector.matchLabels['k8s-app'])
    .map((r: any) => `${r.to[0].podSelector.matchLabels['app.kubernetes.io/name'] ?? r.to[0].podSelector.matchLabels.app} ${r.ports.map((x: any) => `${x.port}${x.endPort ? `-${x.endPort}` : ''}`).join(',')}`).sort();
}
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('RabbitmqCluster', () => {
  test('production: three nodes spread across nodes, the watermark in rabbitmq.conf, a majority-keeping budget', () => {
    const { chart } = mq('production', { memoryHighWatermark: 0.8, storageClassName: 'ssd' });
    const all = objects(chart);
    const spec = find(all, 'RabbitmqCluster', 'queue').spec;
    expect(spec.replicas).toBe(3);
    expect(spec.resources).toEqual({ requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
    expect(spec.persistence).toEqual({ storage: '5Gi', storageClassName: 'ssd' });
    expect(spec.rabbitmq).toEqual({ additionalConfig: 'vm_memory_high_watermark.relative = 0.8' });
    const spread = spec.override.statefulSet.spec.template.spec.topologySpreadConstraints;
    expect(spread[0]).toMatchObject({ topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'queue' } } });
    expect(find(all, 'PodDisruptionBudget', 'queue').spec).toMatchObject({ maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'queue' } } });
    const scrape = find(all, 'PodMonitor', 'queue');
    expect(scrape.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(scrape.spec).toMatchObject({ jobLabel: 'app.kubernetes.io/name', selector: { matchLabels: { 'app.kubernetes.io/name': 'queue', 'app.kubernetes.io/component': 'rabbitmq' } } });
    expect(scrape.spec.podMetricsEndpoints[0].port).toBe('prometheus');
  });

  test('dev: one node, RabbitMQ\'s default watermark, no budget, no spread, no inter-node rules', () => {
    const { chart } = mq('dev');
    const all = objects(chart);
    const spec = find(all, 'RabbitmqCluster', 'queue').spec;
    expect([spec.replicas, spec.override, spec.rabbitmq]).toEqual([1, undefined, undefined]);
    expect(all.some(o => o.kind === 'PodDisruptionBudget')).toBe(false);
    expect(ingress(find(all, 'NetworkPolicy', 'queue'))).toEqual(['ns:monitoring 15692', 'ns:rabbitmq-system 15672']);
  });

  test('the NetworkPolicy admits the cluster\'s nodes, the operator, Prometheus and connected clients on AMQP only', () => {
    const { chart, mq: cluster } = mq();
    connect(worker(chart), cluster, ['amqp']);
    const all = objects(chart);
    const policy = find(all, 'NetworkPolicy', 'queue');
    expect(policy.spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'queue', 'app.kubernetes.io/component': 'rabbitmq', 'app.kubernetes.io/part-of': 'rabbitmq' });
    expect(ingress(policy)).toEqual(['consumer 5672', 'ns:monitoring 15692', 'ns:rabbitmq-system 15672', 'queue 4369,25672,35672-35682']);
    expect(egress(policy)).toEqual(['queue 4369,25672,35672-35682']);
    expect(egress(find(all, 'NetworkPolicy', 'consumer'))).toEqual(['queue 5672']);
    const other = mq();
    expect(() => connect(worker(other.chart), other.mq, ['management'])).toThrow(/has no port named "management"\. Fix: use one of: amqp$/);
  });

  test('clients connect to the client Service with the operator\'s default-user Secret', () => {
    expect(mq().mq.connection).toEqual({
      host: 'queue', port: 5672,
      username: { secretName: 'queue-default-user', key: 'username', source: 'operator' },
      password: { secretName: 'queue-default-user', key: 'password', source: 'operator' },
    });
  });

  type Case = [title: string, env: EnvironmentName, props: Partial<RabbitmqClusterProps>, message: string];
  test.each<Case>([
    ['an even node count', 'production', { replicas: 4 },
      'production-shop/queue: replicas 4 is even: a RabbitMQ cluster needs a majority of its nodes, and 4 nodes survive no more failures than 3. Fix: use an odd number of nodes, e.g. 5'],
    ['a single node where highly available', 'staging', { replicas: 1 },
      'staging-shop/queue: replicas 1 in the highly available environment staging: a single node is a single point of failure. Fix: use 3 replicas: quorum queues keep a majority of 3 through the loss of one node'],
    ['a watermark above 1', 'production', { memoryHighWatermark: 1.5 },
      'production-shop/queue: memoryHighWatermark 1.5 is not a fraction above 0 and at most 1. Fix: give the share of memory at which publishers are blocked, e.g. 0.6 (RabbitMQ\'s default) or 0.8'],
    ['a storage size that is not a quantity', 'production', { storage: '20GB' },
      'production-shop/queue: storage "20GB" is not a resource quantity. Fix: write cpu as cores or millicores ("2", "500m") and memory or storage with a binary suffix ("512Mi", "2Gi")'],
    ['memory in millibytes', 'production', { resources: { requests: { cpu: '2', memory: '2048m' }, limits: { cpu: '2', memory: '2Gi' } } },
      'production-shop/queue: resources.requests.memory "2048m" is 2.048 bytes: "m" means thousandths, not mega. Fix: write mebibytes as "2048Mi" (or megabytes as "2048M")'],
    ['a limit below its request', 'production', { resources: { requests: { cpu: '2', memory: '2Gi' }, limits: { cpu: '1', memory: '2Gi' } } },
      'production-shop/queue: resources.limits.cpu "1" is below its request "2". Fix: raise the cpu limit to at least 2, or lower the request'],
  ])('refuses %s', (_title, env, props, message) => {
    expect(() => mq(env, props)).toThrow(new RegExp(`^${escape(message)}$`));
  });

  test('refuses a name too long for the operator\'s StatefulSet', () => {
    const name = 'q'.repeat(46);
    expect(() => new RabbitmqCluster(testChart(), name, mqProps))
      .toThrow(new RegExp(`^production-shop/${name}: RabbitMQ cluster name "${name}" is 46 characters, longer than 45\\. Fix: `));
  });
});

describe('RedisReplication', () => {
  test('production: three nodes and three Sentinels, password, exporter, redis.conf from a ConfigMap, budgets and spread', () => {
    const password = SecretReference.fromName('cache-secrets').key('REDIS_PASSWORD');
    const { chart } = redis('production', { password, maxClients: 10000, tcpKeepaliveSeconds: 60 });
    const all = objects(chart);
    const rr = find(all, 'RedisReplication', 'cache');
    expect(rr.spec.clusterSize).toBe(3);
    expect(rr.spec.kubernetesConfig).toMatchObject({ image: 'quay.io/opstree/redis:v7.0.15', redisSecret: { name: 'cache-secrets', key: 'REDIS_PASSWORD' } });
    expect(rr.spec.redisExporter).toMatchObject({ enabled: true, image: 'docker.io/oliver006/redis_exporter:v1.62.0' });
    expect(rr.spec.redisConfig).toEqual({ additionalRedisConfig: 'cache-config' });
    expect(find(all, 'ConfigMap', 'cache-config').data).toEqual({
      'redis-additional.conf': 'appendonly yes\nmaxmemory 400mb\nmaxmemory-policy allkeys-lru\nmaxclients 10000\ntcp-keepalive 60\n',
    });
    expect(rr.spec.pdb).toEqual({ enabled: true, maxUnavailable: 1 });
    expect(rr.spec.storage).toMatchObject({ keepAfterDelete: true, volumeClaimTemplate: { spec: { resources: { requests: { storage: '1Gi' } } } } });
    expect(rr.spec.topologySpreadConstraints[0]).toMatchObject({ topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'cache', role: 'replication' } } });
    // Pod Security "restricted", which the namespace enforces and the operator does not apply.
    expect(rr.spec.podSecurityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(rr.spec.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });

    const rs = find(all, 'RedisSentinel', 'cache').spec;
    expect(rs.clusterSize).toBe(3);
    expect(rs.redisSentinelConfig).toEqual({
      redisReplicationName: 'cache', masterGroupName: 'mymaster', quorum: '2',
      redisReplicationPassword: { secretKeyRef: { name: 'cache-secrets', key: 'REDIS_PASSWORD' } },
    });
    expect(rs.pdb).toEqual({ enabled: true, maxUnavailable: 1 });
    expect(find(all, 'PodMonitor', 'cache').spec).toMatchObject({ jobLabel: 'app', selector: { matchLabels: { app: 'cache', redis_setup_type: 'replication' } } });
    expect(find(all, 'PodMonitor', 'cache').spec.podMetricsEndpoints[0].port).toBe('redis-exporter');
  });

  test('a changed redis.conf changes the hash the operator copies onto the pods, so they restart with it', () => {
    const hash = (props: Partial<RedisReplicationProps>) => find(objects(redis('production', props).chart), 'RedisReplication', 'cache')
      .metadata.annotations['fleet.dev/redis-config-sha256'];
    expect(hash({})).toMatch(/^[0-9a-f]{16}$/);
    expect(hash({ maxClients: 5000 })).not.toBe(hash({}));
    expect(hash({ image: 'quay.io/opstree/redis:v7.0.12' })).toBe(hash({}));
  });

  test('dev: a single node without Sentinels, budgets or spread', () => {
    const { chart, redis: r } = redis('dev');
    const all = objects(chart);
    const spec = find(all, 'RedisReplication', 'cache').spec;
    expect([spec.clusterSize, spec.pdb, spec.topologySpreadConstraints]).toEqual([1, undefined, undefined]);
    expect(all.some(o => o.kind === 'RedisSentinel')).toBe(false);
    expect(r.connection.sentinel).toBeUndefined();
    expect(ingress(find(all, 'NetworkPolicy', 'cache'))).toEqual(['ns:monitoring 9121', 'ns:redis-operator 6379']);
  });

  test('NetworkPolicies: clients and Sentinels reach Redis, Sentinels reach each other, the operator both', () => {
    const { chart, redis: r } = redis();
    connect(worker(chart), r, ['redis']);
    const all = objects(chart);
    expect(ingress(find(all, 'NetworkPolicy', 'cache'))).toEqual(['cache 6379', 'cache-sentinel 6379', 'consumer 6379', 'ns:monitoring 9121', 'ns:redis-operator 6379']);
    expect(egress(find(all, 'NetworkPolicy', 'cache'))).toEqual(['cache 6379']);
    expect(ingress(find(all, 'NetworkPolicy', 'cache-sentinel'))).toEqual(['cache-sentinel 26379', 'ns:redis-operator 26379']);
    expect(egress(find(all, 'NetworkPolicy', 'cache-sentinel'))).toEqual(['cache 6379', 'cache-sentinel 26379']);
    expect(egress(find(all, 'NetworkPolicy', 'consumer'))).toEqual(['cache 6379']);
  });

  test('clients connect to the master Service; Sentinel-aware ones may ask the Sentinels', () => {
    const password = SecretReference.fromName('cache-secrets').key('REDIS_PASSWORD');
    expect(redis('production', { password }).redis.connection).toEqual({
      host: 'cache-master', port: 6379, url: 'redis://cache-master:6379', password,
      sentinel: { host: 'cache-sentinel', port: 26379, masterName: 'mymaster' },
    });
  });

  type Case = [title: string, env: EnvironmentName, props: Partial<RedisReplicationProps>, message: string];
  test.each<Case>([
    ['one node where highly available', 'production', { replicas: 1 },
      'production-shop/cache: replicas 1 in the highly available environment production: Sentinel has no replica to promote when the master fails. Fix: use at least 2 replicas (3 in production)'],
    ['an even Sentinel count', 'production', { sentinels: 2 },
      'production-shop/cache: sentinels 2 is even: Sentinels elect a failover leader by majority, and 2 survive no more failures than 1. Fix: use an odd number, e.g. 3 (the operator\'s webhook refuses an even one too)'],
    ['one Sentinel where highly available', 'staging', { sentinels: 1 },
      'staging-shop/cache: sentinels 1 in the highly available environment staging: failover needs a majority of at least 3 Sentinels to survive the loss of one. Fix: use 3 sentinels'],
    ['Sentinels for a single node', 'dev', { sentinels: 3 },
      'dev-shop/cache: sentinels 3 with replicas 1: Sentinel has no replica to promote. Fix: add replicas (at least 2), or set sentinels to 0 for a single node'],
    ['maxmemory at the memory limit', 'production', { maxMemory: '512Mi' },
      'production-shop/cache: maxMemory "512Mi" is not below the memory limit "512Mi": the container would be OOM-killed before Redis evicts or refuses writes. Fix: set maxMemory to about 90% of the limit (460Mi), leaving room for replication buffers and rewrites'],
    ['maxmemory zero (no limit to Redis)', 'production', { maxMemory: '0' },
      'production-shop/cache: maxMemory "0" is zero, which Redis reads as no limit: the container would be OOM-killed before Redis evicts or refuses writes. Fix: set maxMemory to about 90% of the limit (460Mi), leaving room for replication buffers and rewrites'],
    ['maxmemory in millibytes', 'production', { maxMemory: '400m' },
      'production-shop/cache: maxMemory "400m" is 0.4 bytes: "m" means thousandths, not mega. Fix: write mebibytes as "400Mi" (or megabytes as "400M")'],
    ['an unknown eviction policy', 'production', { maxMemoryPolicy: 'lru' as never },
      'production-shop/cache: maxMemoryPolicy "lru" is not a Redis eviction policy. Fix: use one of: noeviction, allkeys-lru, allkeys-lfu, allkeys-random, volatile-lru, volatile-lfu, volatile-random, volatile-ttl'],
    ['a storage size that is not a quantity', 'production', { storage: '10 Gi' },
      'production-shop/cache: storage "10 Gi" is not a resource quantity. Fix: write cpu as cores or millicores ("2", "500m") and memory or storage with a binary suffix ("512Mi", "2Gi")'],
    ['maxclients zero', 'production', { maxClients: 0 },
      'production-shop/cache: maxClients 0 is not a whole number ≥ 1. Fix: use a whole number of at least 1'],
    ['a password in a Secret with an invalid name', 'production', { password: SecretReference.fromName('Cache_Secrets').key('REDIS_PASSWORD') },
      'production-shop/cache: password: secret name "Cache_Secrets" is not a DNS-1123 subdomain'],
  ])('refuses %s', (_title, env, props, message) => {
    expect(() => redis(env, props)).toThrow(new RegExp(`^${escape(message)}`));
  });
});

describe('the policy gate sees the pods the operators create', () => {
  function manifests(): Manifest[] {
    const chart = testChart('production');
    const cluster = new RabbitmqCluster(chart, 'queue', mqProps);
    const cache = new RedisReplication(chart, 'cache', redisProps);
    const w = worker(chart);
    connect(w, cluster, ['amqp']);
    connect(w, cache, ['redis']);
    return objects(chart).map(o => ({ file: `production/shop/${o.kind.toLowerCase()}-${o.metadata.name}.yaml`, env: 'production', object: o }));
  }
  const failingChecks = (ms: Manifest[]) => [...new Set(failing(checkManifests(ms)).map(f => `${f.object} ${f.check}`))].sort();
  const obj = (ms: Manifest[], kind: string, name: string) => ms.find(m => m.object.kind === kind && m.object.metadata.name === name)!.object;

  test('a RabbitMQ cluster and a Redis replication with their policies, budgets and scrapes pass', () => {
    expect(failingChecks(manifests())).toEqual([]);
  });

  test.each<[string, (ms: Manifest[]) => void, string]>([
    ['a PodMonitor on a port the pods do not name', ms => { obj(ms, 'PodMonitor', 'cache').spec.podMetricsEndpoints[0].port = 'metrics'; }, 'PodMonitor/cache podmonitor-port'],
    ['a PodMonitor selecting no pods', ms => { obj(ms, 'PodMonitor', 'queue').spec.selector.matchLabels['app.kubernetes.io/name'] = 'other'; }, 'PodMonitor/queue podmonitor-selects'],
    ['a budget selecting no pods', ms => { obj(ms, 'PodDisruptionBudget', 'queue').spec.selector.matchLabels['app.kubernetes.io/name'] = 'other'; }, 'PodDisruptionBudget/queue poddisruptionbudget-selects'],
    ['a datastore without its NetworkPolicy', ms => { ms.splice(ms.findIndex(m => m.object.kind === 'NetworkPolicy' && m.object.metadata.name === 'cache-sentinel'), 1); }, 'RedisSentinel/cache pod-networkpolicy'],
  ])('catches %s', (_title, mutate, expected) => {
    const ms = manifests();
    mutate(ms);
    expect(failingChecks(ms)).toEqual([expected]);
  });

  test('operator pods carry the operators\' labels, and the Redis resource\'s own', () => {
    expect(operatorPods({ apiVersion: 'rabbitmq.com/v1beta1', kind: 'RabbitmqCluster', metadata: { name: 'q' }, spec: { replicas: 3 } }))
      .toEqual([{ labels: { 'app.kubernetes.io/name': 'q', 'app.kubernetes.io/component': 'rabbitmq', 'app.kubernetes.io/part-of': 'rabbitmq' }, ports: expect.any(Array), replicas: 3 }]);
    expect(operatorPods({ apiVersion: 'redis.redis.opstreelabs.in/v1beta2', kind: 'RedisSentinel', metadata: { name: 'c', labels: { team: 'x' } }, spec: { clusterSize: 3 } })[0].labels)
      .toEqual({ app: 'c-sentinel', redis_setup_type: 'sentinel', role: 'sentinel', team: 'x' });
    expect(operatorPods({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } })).toEqual([]);
  });
});

describe('the review diff flags what can lose a datastore\'s data', () => {
  const fleet = (env: EnvironmentName, change: (all: any[]) => void = () => undefined) => {
    const chart = testChart(env);
    new RabbitmqCluster(chart, 'queue', mqProps);
    new RedisReplication(chart, 'cache', redisProps);
    const all = JSON.parse(JSON.stringify(objects(chart)));
    change(all);
    return new Map<string, any>(all.map((o: any) => [`${env}/shop/${o.kind.toLowerCase()}-${o.metadata.name}.yaml`, o]));
  };
  const flags = (env: EnvironmentName, change: (all: any[]) => void) => {
    const [before, after] = [fleet(env), fleet(env, change)];
    return riskyChanges(diffTrees(before, after), before, after).map((r: any) => `${r.object}: ${r.reason}`);
  };
  const get = (all: any[], kind: string) => all.find(o => o.kind === kind);

  test('fewer nodes, smaller volumes, volumes no longer kept, in production', () => {
    expect(flags('production', all => {
      get(all, 'RabbitmqCluster').spec.replicas = 1;
      get(all, 'RabbitmqCluster').spec.persistence.storage = '2Gi';
      get(all, 'RedisReplication').spec.clusterSize = 2;
      get(all, 'RedisReplication').spec.storage.keepAfterDelete = false;
    })).toEqual([
      'RabbitmqCluster/queue: spec.replicas lowered in production: 3 → 1 (fewer copies of the data; a majority or a failover target may be lost)',
      'RabbitmqCluster/queue: spec.persistence.storage lowered in production: 5Gi → 2Gi (a volume cannot shrink: only new, empty nodes would get it)',
      'RedisReplication/cache: spec.clusterSize lowered in production: 3 → 2 (fewer copies of the data; a majority or a failover target may be lost)',
      'RedisReplication/cache: spec.storage.keepAfterDelete turned off in production: deleting the resource deletes its volumes',
    ]);
  });

  test('removals in any environment; growth and other environments\' shrinking raise nothing', () => {
    expect(flags('dev', all => { all.splice(all.indexOf(get(all, 'RabbitmqCluster')), 1); get(all, 'RedisReplication').spec.clusterSize = 0; }))
      .toEqual(['RabbitmqCluster/queue: removed: the operator deletes its nodes and their volumes, with every queued message']);
    expect(flags('production', all => { all.splice(all.indexOf(get(all, 'RedisSentinel')), 1); }))
      .toEqual(['RedisSentinel/cache: removed: Redis no longer fails over when its master is lost']);
    expect(flags('production', all => { get(all, 'RabbitmqCluster').spec.replicas = 5; get(all, 'RabbitmqCluster').spec.persistence.storage = '10Gi'; })).toEqual([]);
  });
});
