import { SystemChart } from '../chart';
import { SecretKeyReference, SecretReference } from '../config/secret-reference';
import { RabbitmqCluster } from '../datastores/rabbitmq-cluster';
import { RedisReplication } from '../datastores/redis-replication';
import { Environment, PerEnvironment } from '../environments/environment';
import { imageOf } from '../environments/releases';
import { connect, PRIVATE_RANGES } from '../network/network-policy';
import { StatefulService } from '../stateful/stateful-service';
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

/** The datastores and API of the pipeline, for the web tier to connect to. */
export interface IngestionPipeline {
  readonly postgres: StatefulService;
  readonly redis: RedisReplication;
  readonly rabbitmq: RabbitmqCluster;
  readonly restApi: Microservice;
}

/** REDIS_HOST, REDIS_PORT and REDIS_PASSWORD, as Song Nodes' services read them, from Redis's connection info. */
export function redisClientEnv(redis: RedisReplication): { env: Record<string, string>; secretEnv: Record<string, SecretKeyReference> } {
  const c = redis.connection;
  return { env: { REDIS_HOST: c.host, REDIS_PORT: String(c.port) }, secretEnv: c.password ? { REDIS_PASSWORD: c.password } : {} };
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

  const postgres = new StatefulService(chart, 'postgres', {
    image: imageOf(chart, system, 'postgres'),
    ports: [{ name: 'postgres', containerPort: 5432 }],
    resources: guaranteed('4', '6Gi'),
    env: { POSTGRES_DB: 'musicdb', POSTGRES_USER: 'songnodes', PGDATA: '/var/lib/postgresql/data/pgdata' },
    secretEnv: { POSTGRES_PASSWORD: secrets.key('POSTGRES_PASSWORD') },
    args: ['-c', 'max_connections=200', '-c', 'shared_buffers=1536MB', '-c', 'effective_cache_size=4GB',
      '-c', 'shared_preload_libraries=pg_stat_statements'],
    probes: {
      readiness: { exec: ['pg_isready', '-U', 'songnodes', '-d', 'musicdb'], periodSeconds: 10 },
      liveness: { tcp: true, port: 'postgres', periodSeconds: 20, failureThreshold: 6 },
    },
    writablePaths: ['/tmp', '/var/run/postgresql'],
    dataVolume: { size: env.pick({ dev: '20Gi', staging: '50Gi', production: '200Gi' }), mountPath: '/var/lib/postgresql/data' },
    exporter: {
      image: imageOf(chart, system, 'postgres-exporter'),
      port: 9187,
      resources: exporterResources,
      env: { DATA_SOURCE_URI: 'localhost:5432/musicdb?sslmode=disable', DATA_SOURCE_USER: 'songnodes' },
      secretEnv: { DATA_SOURCE_PASS: secrets.key('POSTGRES_PASSWORD') },
      scrape: { interval: '15s' },
    },
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
    env: { ...queueEnv, DATABASE_HOST: 'postgres', DATABASE_PORT: '5432', DATABASE_NAME: 'musicdb', DATABASE_USER: 'songnodes', DB_POOL_SIZE: '20' },
    secretEnv: { ...queueSecrets, DATABASE_PASSWORD: secrets.key('POSTGRES_PASSWORD') },
    probes: workerProbes,
    metrics: { interval: '30s' },
  });

  const restApi = new Microservice(chart, 'rest-api', {
    image: imageOf(chart, system, 'rest-api'),
    component: 'api-gateway',
    replicas: replicas.restApi,
    ports: [{ name: 'http', containerPort: 8080 }],
    resources: guaranteed('1500m', '1536Mi'),
    env: { DATABASE_HOST: 'postgres', DATABASE_PORT: '5432', DATABASE_NAME: 'musicdb', DATABASE_USER: 'songnodes', ...redisClient.env, DB_POOL_SIZE: '20' },
    secretEnv: { DATABASE_PASSWORD: secrets.key('POSTGRES_PASSWORD'), ...redisClient.secretEnv },
    probes: { readiness: { path: '/health', periodSeconds: 10 }, liveness: { tcp: true, periodSeconds: 30, failureThreshold: 5 } },
    disruptionBudget: { minAvailable: 1 },
    metrics: { interval: '30s' },
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
