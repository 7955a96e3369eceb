import { SystemChart } from '../chart';
import { SecretKeyReference, SecretReference } from '../config/secret-reference';
import { PostgresCluster } from '../datastores/postgres-cluster';
import { RabbitmqCluster } from '../datastores/rabbitmq-cluster';
import { RedisReplication } from '../datastores/redis-replication';
import { Environment, PerEnvironment } from '../environments/environment';
import { imageOf } from '../environments/releases';
import { httpServerMetrics } from '../observability/catalogue';
import { SystemDashboardSpec } from '../observability/system-dashboards';
import { connect, PRIVATE_RANGES } from '../network/network-policy';
import { ResourceSpec } from '../workload/container';
import { Microservice } from '../workload/microservice';
import { Worker } from '../workload/worker';

/** Guaranteed QoS: throughput work gets exactly what it asks for (document 003's limits). */
function guaranteed(cpu: string, memory: string): ResourceSpec {
  return { requests: { cpu, memory }, limits: { cpu, memory } };
}

/**
 * Replica counts of the ingestion pipeline (document 003: 4 scrapers, 4 transformers,
 * 3 API replicas for 20,000 tracks/hour); staging keeps HA at half the throughput.
 */
export const INGESTION_REPLICAS: PerEnvironment<{ scraper: number; transformer: number; restApi: number }> = {
  dev: { scraper: 1, transformer: 1, restApi: 1 },
  staging: { scraper: 2, transformer: 2, restApi: 2 },
  production: { scraper: 4, transformer: 4, restApi: 3 },
};

/**
 * Nodes of the message queue and the cache: a RabbitMQ majority and Redis with Sentinel
 * failover (document 000) where highly available; single nodes in dev.
 */
export const QUEUE_REPLICAS: PerEnvironment<{ rabbitmq: number; redis: number }> = {
  dev: { rabbitmq: 1, redis: 1 },
  staging: { rabbitmq: 3, redis: 3 },
  production: { rabbitmq: 3, redis: 3 },
};

/**
 * Song Nodes' PostgreSQL (documents 000 and 003): three instances in production, two in
 * staging (a standby to promote), one in dev; hourly base backups kept 30 days.
 */
export const SONGNODES_POSTGRES = {
  instances: { dev: 1, staging: 2, production: 3 } as PerEnvironment<number>,
  storage: { dev: '20Gi', staging: '50Gi', production: '200Gi' } as PerEnvironment<string>,
  /** Hourly, on the hour (seconds first). */
  backupSchedule: '0 0 * * * *',
  retention: '30d',
};

/** The pipeline's workloads, which its dashboard shows. */
const PIPELINE = ['scraper-1001tracklists', 'data-transformer', 'rest-api', 'postgres', 'redis', 'rabbitmq'];

/**
 * Document 003's "infrastructure monitoring dashboard with 10 key panels", from its "Key
 * Metrics Tracked": infrastructure (CPU, memory, network, disk), database (connection usage,
 * cache hit rate), application (request rate, error rate, response time) and queue depth.
 */
export const INGESTION_DASHBOARD: SystemDashboardSpec = {
  id: 'ingestion', title: 'Ingestion Pipeline Infrastructure',
  description: 'Document 003\'s infrastructure monitoring dashboard (10 key panels) for the scrapers, transformers, REST API and their datastores.',
  rows: [
    { title: 'Infrastructure', show: 'resources', workloads: PIPELINE },
    { title: 'Network', show: 'network', workloads: PIPELINE },
    { title: 'Disk', show: 'storage' },
    { title: 'Database', show: 'metrics', group: 'database' },
    { title: 'Application', show: 'traffic', workloads: ['rest-api'] },
    { title: 'Queue', show: 'metrics', group: 'queue' },
  ],
};

/** The datastores and API of the pipeline, for the web tier to connect to. */
export interface IngestionPipeline {
  readonly postgres: PostgresCluster;
  readonly redis: RedisReplication;
  readonly rabbitmq: RabbitmqCluster;
  readonly restApi: Microservice;
}

/** REDIS_HOST, REDIS_PORT and REDIS_PASSWORD, as Song Nodes' services read them, from Redis's connection info. */
export function redisClientEnv(redis: RedisReplication): { env: Record<string, string>; secretEnv: Record<string, SecretKeyReference> } {
  const c = redis.connection;
  return { env: { REDIS_HOST: c.host, REDIS_PORT: String(c.port) }, secretEnv: c.password ? { REDIS_PASSWORD: c.password } : {} };
}

/** DATABASE_HOST, _PORT, _NAME and _USER, as Song Nodes' services read them, from the cluster's connection (the password from its Secret). */
export function databaseEnv(postgres: PostgresCluster): Record<string, string> {
  const c = postgres.connection;
  return { DATABASE_HOST: c.host, DATABASE_PORT: String(c.port), DATABASE_NAME: c.database, DATABASE_USER: c.user };
}

/**
 * The Song Nodes ingestion pipeline (design document 003): scrapers and transformers
 * feeding PostgreSQL through RabbitMQ and Redis. Its backend / frontend / monitoring
 * network segments become NetworkPolicies: only the services that use a datastore reach
 * it, and only the monitoring namespace reaches metrics ports.
 */
export function songnodesIngestion(chart: SystemChart, env: Environment): IngestionPipeline {
  const system = chart.system;
  const secrets = SecretReference.fromName('songnodes-secrets');
  const replicas = env.pick(INGESTION_REPLICAS);
  const exporterResources = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } };

  // Document 003: 4 CPU / 6 GB, guaranteed (requests = limits); document 000: hourly backups
  // kept 30 days, point-in-time recovery, failover by replica promotion, RPO < 5 min.
  const postgres = new PostgresCluster(chart, 'postgres', {
    image: imageOf(chart, system, 'postgres'),
    instances: env.pick(SONGNODES_POSTGRES.instances),
    resources: guaranteed('4', '6Gi'),
    storage: env.pick(SONGNODES_POSTGRES.storage),
    database: { name: 'musicdb', owner: 'songnodes' },
    parameters: {
      max_connections: '200', shared_buffers: '1536MB', effective_cache_size: '4GB',
      // Preloads pg_stat_statements and creates it in every database (CloudNativePG's managed extension).
      'pg_stat_statements.track': 'top',
    },
    backup: {
      schedule: SONGNODES_POSTGRES.backupSchedule,
      retention: SONGNODES_POSTGRES.retention,
      // A quiet database still ships its last writes within a minute: the RPO holds with every instance lost.
      archiveTimeout: '1min',
      // The sidecar, too, gets what it asks for: the pods keep the Guaranteed QoS class.
      sidecarResources: guaranteed('1', '1Gi'),
    },
    metricsInterval: '15s',
    queryStatistics: true,
  });

  const queues = env.pick(QUEUE_REPLICAS);
  const redis = new RedisReplication(chart, 'redis', {
    image: imageOf(chart, system, 'redis'),
    sentinelImage: imageOf(chart, system, 'redis-sentinel'),
    exporterImage: imageOf(chart, system, 'redis-exporter'),
    replicas: queues.redis,
    resources: guaranteed('2', '2Gi'),
    storage: '10Gi',
    // Document 003: 10K client connections, keepalive 60 s; evict least recently used at 1800 MiB.
    maxMemory: '1800Mi',
    maxMemoryPolicy: 'allkeys-lru',
    maxClients: 10000,
    tcpKeepaliveSeconds: 60,
    password: secrets.key('REDIS_PASSWORD'),
    exporterResources,
    scrapeInterval: '15s',
  });

  const rabbitmq = new RabbitmqCluster(chart, 'rabbitmq', {
    image: imageOf(chart, system, 'rabbitmq'),
    replicas: queues.rabbitmq,
    resources: guaranteed('2', '2Gi'),
    storage: '20Gi',
    memoryHighWatermark: 0.8,
    scrapeInterval: '15s',
  });

  const redisClient = redisClientEnv(redis);
  const queueEnv = {
    RABBITMQ_HOST: rabbitmq.connection.host, RABBITMQ_PORT: String(rabbitmq.connection.port),
    ...redisClient.env,
  };
  const queueSecrets = {
    RABBITMQ_USER: rabbitmq.connection.username, RABBITMQ_PASSWORD: rabbitmq.connection.password,
    ...redisClient.secretEnv,
  };
  const workerProbes = {
    readiness: { path: '/health', port: 'metrics' },
    liveness: { tcp: true, port: 'metrics', periodSeconds: 30, failureThreshold: 5 },
  };

  const scraper = new Worker(chart, 'scraper-1001tracklists', {
    component: 'scraper',
    image: imageOf(chart, system, 'scraper-1001tracklists'),
    replicas: replicas.scraper,
    ports: [{ name: 'metrics', containerPort: 9100 }],
    resources: guaranteed('1500m', '1536Mi'),
    env: { ...queueEnv, CONCURRENT_REQUESTS: '12', DOWNLOAD_DELAY: '0.8' },
    secretEnv: queueSecrets,
    probes: workerProbes,
    metrics: { interval: '30s' },
    // 1001tracklists.com over HTTPS, nowhere private.
    externalEgress: [{ cidr: '0.0.0.0/0', except: PRIVATE_RANGES, ports: [{ port: 443 }], description: '1001tracklists.com (HTTPS)' }],
  });

  const transformer = new Worker(chart, 'data-transformer', {
    component: 'transformer',
    image: imageOf(chart, system, 'data-transformer'),
    replicas: replicas.transformer,
    ports: [{ name: 'metrics', containerPort: 9100 }],
    resources: guaranteed('2', '2Gi'),
    env: { ...queueEnv, ...databaseEnv(postgres), DB_POOL_SIZE: '20' },
    secretEnv: { ...queueSecrets, DATABASE_PASSWORD: postgres.connection.password },
    probes: workerProbes,
    metrics: { interval: '30s' },
  });

  const restApi = new Microservice(chart, 'rest-api', {
    image: imageOf(chart, system, 'rest-api'),
    component: 'api-gateway',
    replicas: replicas.restApi,
    ports: [{ name: 'http', containerPort: 8080 }],
    resources: guaranteed('1500m', '1536Mi'),
    env: { ...databaseEnv(postgres), ...redisClient.env, DB_POOL_SIZE: '20' },
    secretEnv: { DATABASE_PASSWORD: postgres.connection.password, ...redisClient.secretEnv },
    probes: { readiness: { path: '/health', periodSeconds: 10 }, liveness: { tcp: true, periodSeconds: 30, failureThreshold: 5 } },
    disruptionBudget: { minAvailable: 1 },
    // 15 s, like the web tier: Song Nodes' critical error and latency alerts read 1-minute windows.
    metrics: { interval: '15s', custom: httpServerMetrics() },
    slo: false, // in-cluster only: the web tier's SLOs cover what users get
  });

  connect(scraper, rabbitmq, ['amqp']);
  connect(scraper, redis, ['redis']);
  connect(transformer, rabbitmq, ['amqp']);
  connect(transformer, redis, ['redis']);
  connect(transformer, postgres, ['postgres']);
  connect(restApi, postgres, ['postgres']);
  connect(restApi, redis, ['redis']);
  return { postgres, redis, rabbitmq, restApi };
}
