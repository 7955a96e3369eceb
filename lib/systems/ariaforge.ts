import { Construct } from 'constructs';
import { SystemChart } from '../chart';
import { AppConfig } from '../config/app-config';
import { SecretReference } from '../config/secret-reference';
import { WorkloadIdentity } from '../config/workload-identity';
import { stableLabels } from '../core/labels';
import { PostgresCluster } from '../datastores/postgres-cluster';
import { RedisReplication } from '../datastores/redis-replication';
import { Environment, PerEnvironment } from '../environments/environment';
import { imageOf, releaseOf } from '../environments/releases';
import { AlertRouting } from '../monitoring/alert-routing';
import { EndpointProbes } from '../monitoring/endpoint-probes';
import { EdgeRoute } from '../edge/edge-route';
import { ResponseHeaders } from '../ingress/response-headers';
import { connect, PRIVATE_RANGES } from '../network/network-policy';
import { httpServerMetrics } from '../observability/catalogue';
import { CustomMetric } from '../observability/metric';
import { ServiceLevelSpec } from '../observability/service-level';
import { SystemDashboards } from '../observability/system-dashboards';
import { Microservice } from '../workload/microservice';

/**
 * AriaForge (design document 002): FastAPI backend with LLM calls and audio rendering,
 * the Next.js frontend as an in-cluster service, PostgreSQL (pgvector) on CloudNativePG with
 * nightly base backups and WAL archiving, Redis, and rendered audio in object storage.
 */
export const ARIAFORGE = {
  system: 'ariaforge',
  hosts: { api: 'api.ariaforge.com', app: 'ariaforge.com' },
  /** Strict-Transport-Security of document 002 (nginx/ssl.conf). */
  hsts: 'max-age=31536000; includeSubDomains',
  backendBounds: { dev: [1, 2], staging: [2, 4], production: [3, 10] } as PerEnvironment<[number, number]>,
  frontendBounds: { dev: [1, 2], staging: [2, 3], production: [2, 6] } as PerEnvironment<[number, number]>,
  postgresInstances: { dev: 1, staging: 2, production: 3 } as PerEnvironment<number>,
  /** Daily at 02:00 UTC, as the document's pg_dump CronJob (seconds first). */
  backupSchedule: '0 0 2 * * *',
  /** The document sets none; a month of nightly base backups and the WAL between them. */
  backupRetention: '30d',
};

/**
 * What the backend exposes (document 002, "Application Metrics" and the Overview dashboard's
 * queries): `http_requests_total{method, endpoint, status}`, an unlabelled request histogram,
 * the business and music metrics, and the two gauges the Overview dashboard reads.
 */
export const ARIAFORGE_BACKEND_METRICS: readonly CustomMetric[] = [
  ...httpServerMetrics({ requestLabels: ['method', 'endpoint'] }),
  { name: 'websocket_connections_active', title: 'Active Users', type: 'gauge', aggregate: 'sum', group: 'overview', help: 'Active WebSocket connections, over every backend pod.' },
  // The queue lives in Redis Streams: every replica reports the same length.
  { name: 'audio_processing_queue_size', title: 'Audio Processing Queue', type: 'gauge', aggregate: 'max', group: 'overview', help: 'Audio render jobs waiting.' },
  { name: 'compositions_created_total', type: 'counter', aggregate: 'sum', group: 'business', help: 'Compositions created per second.' },
  { name: 'audio_processing_duration_seconds', type: 'histogram', aggregate: 'sum', unit: 'seconds', group: 'business', help: 'Time to render audio.' },
  { name: 'active_sessions', type: 'gauge', aggregate: 'sum', group: 'business', help: 'Active collaboration sessions.' },
  { name: 'music_theory_validations_total', type: 'counter', aggregate: 'sum', group: 'business', help: 'Music theory validations per second.' },
  { name: 'audio_quality_score', type: 'histogram', aggregate: 'sum', group: 'business', help: 'Audio quality assessment scores.' },
];

/** Document 002 states no objective: the fleet's 99.9 % availability, and no latency objective (LLM calls and audio rendering take long). */
const ARIAFORGE_SLO: ServiceLevelSpec = {
  availability: 0.999,
  basis: 'fleet default 99.9 % availability (document 002 gives no objective)',
};

export function ariaforge(scope: Construct, env: Environment): SystemChart {
  const chart = new SystemChart(scope, { environment: env, system: ARIAFORGE.system });
  const system = ARIAFORGE.system;
  const secrets = SecretReference.fromName('ariaforge-secrets');
  // The document's headers (its nginx ssl.conf and FastAPI middleware): HSTS for one year with
  // includeSubDomains, no preload and no Content-Security-Policy.
  new ResponseHeaders(chart, 'security-headers', {
    name: 'security-headers',
    strictTransportSecurity: ARIAFORGE.hsts,
    contentSecurityPolicy: false,
  });

  // pgvector is in CloudNativePG's standard images; the release file pins one (with its digest).
  const postgres = new PostgresCluster(chart, 'postgres', {
    image: imageOf(chart, system, 'postgres'),
    instances: env.pick(ARIAFORGE.postgresInstances),
    resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1000m', memory: '2Gi' } },
    storage: '100Gi',
    database: { name: 'ariaforge', owner: 'ariaforge', extensions: ['vector'] },
    // The document's nightly backup at 02:00, now a base backup with WAL archiving in between.
    backup: { schedule: ARIAFORGE.backupSchedule, retention: ARIAFORGE.backupRetention },
  });

  // Streams the backend must not lose: no eviction, append-only (the operator's persistence).
  const redis = new RedisReplication(chart, 'redis', {
    image: imageOf(chart, system, 'redis'),
    sentinelImage: imageOf(chart, system, 'redis-sentinel'),
    exporterImage: imageOf(chart, system, 'redis-exporter'),
    replicas: env.pick({ dev: 1, staging: 3, production: 3 }),
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '200m', memory: '512Mi' } },
    storage: '10Gi',
    maxMemory: '400Mi',
    maxMemoryPolicy: 'noeviction',
  });

  const db = postgres.connection;
  const config = new AppConfig(chart, 'config', {
    name: 'ariaforge-config',
    data: {
      // The password is not in the URL: the app reads DB_PASSWORD from the operator's Secret.
      DATABASE_URL: `postgresql://${db.user}@${db.host}:${db.port}/${db.database}`,
      REDIS_URL: redis.connection.url,
      ENVIRONMENT: env.name,
      LOG_LEVEL: env.name === 'production' ? 'INFO' : 'DEBUG',
    },
  });

  // Rendered audio lives in a Cloud Storage bucket (the document's "Object Storage (S3/GCS)"):
  // every backend replica of both colors reads and writes it, which no ReadWriteOnce volume
  // allows, and it outlives the cluster. The backend acts as the audio writer through GKE
  // Workload Identity: no key.
  const audio = env.settings.objectStorage.audio;
  const backendIdentity = new WorkloadIdentity(chart, 'backend-identity', {
    name: 'backend',
    labels: stableLabels({ name: 'backend', instance: 'backend', component: 'api', partOf: system }),
    googleServiceAccount: audio.serviceAccount,
  });

  const [bMin, bMax] = env.pick(ARIAFORGE.backendBounds);
  const backend = new Microservice(chart, 'backend', {
    ...releaseOf(chart, system, 'backend', { userFacing: true, previewHost: 'api-preview.ariaforge.com' }),
    ports: [{ name: 'http', containerPort: 8000, servicePort: 80 }],
    resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '500m', memory: '1Gi' } },
    probes: {
      liveness: { tcp: true, initialDelaySeconds: 30, periodSeconds: 10 },
      readiness: { path: '/health', initialDelaySeconds: 5, periodSeconds: 5 },
    },
    envFrom: [config],
    env: { AUDIO_STORAGE_BACKEND: 'gcs', AUDIO_STORAGE_BUCKET: audio.bucket },
    secretEnv: {
      SECRET_KEY: secrets.key('SECRET_KEY'),
      OPENAI_API_KEY: secrets.key('OPENAI_API_KEY'),
      ANTHROPIC_API_KEY: secrets.key('ANTHROPIC_API_KEY'),
      DB_PASSWORD: db.password,
    },
    workloadIdentity: backendIdentity,
    autoscaling: { minReplicas: bMin, maxReplicas: bMax, cpuUtilization: 70, memoryUtilization: 80 },
    metrics: { interval: '5s', custom: ARIAFORGE_BACKEND_METRICS },
    slo: ARIAFORGE_SLO,
    // OpenAI and Anthropic over HTTPS; nothing private outside the cluster.
    externalEgress: [{ cidr: '0.0.0.0/0', except: PRIVATE_RANGES, ports: [{ port: 443 }], description: 'OpenAI and Anthropic APIs (HTTPS)' }],
  });

  const [fMin, fMax] = env.pick(ARIAFORGE.frontendBounds);
  const frontend = new Microservice(chart, 'frontend', {
    ...releaseOf(chart, system, 'frontend', { userFacing: true, previewHost: 'preview.ariaforge.com' }),
    component: 'frontend',
    ports: [{ name: 'http', containerPort: 3000, servicePort: 80 }],
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    probes: {
      readiness: { path: '/', periodSeconds: 10 },
      liveness: { tcp: true, periodSeconds: 30, failureThreshold: 5 },
    },
    env: {
      NEXT_PUBLIC_API_URL: `https://${env.host(ARIAFORGE.hosts.api)}`,
      NEXT_PUBLIC_WS_URL: `wss://${env.host(ARIAFORGE.hosts.api)}`,
      NEXT_PUBLIC_APP_URL: `https://${env.host(ARIAFORGE.hosts.app)}`,
      NEXT_TELEMETRY_DISABLED: '1',
    },
    writablePaths: ['/tmp', '/app/.next/cache'],
    autoscaling: { minReplicas: fMin, maxReplicas: fMax, cpuUtilization: 70, memoryUtilization: 80 },
    metrics: false,
    // No metrics of its own: its SLO is measured at the edge (ingress-nginx, the Gateway's proxies).
    slo: ARIAFORGE_SLO,
  });

  // One route for both hosts, as the document's ariaforge-ingress (one certificate on
  // ingress-nginx; one HTTPRoute per host on the Gateway API).
  new EdgeRoute(chart, 'ingress', {
    name: 'ariaforge',
    routes: [
      { host: env.host(ARIAFORGE.hosts.api), backend },
      { host: env.host(ARIAFORGE.hosts.app), backend: frontend },
    ],
    tlsSecretName: 'ariaforge-tls',
    websocketTimeoutSeconds: 3600,
    maxBodySize: '50m',
    rateLimit: { requestsPerMinute: 300, connectionsPerIp: 20 },
  });

  connect(backend, postgres, ['postgres']);
  connect(backend, redis, ['redis']);
  connect(frontend, backend, ['http']); // server-side rendering calls the API in-cluster

  // Document 002 sets no response time; 1 s for a health check and the app's first page.
  new EndpointProbes(chart, 'probes', { alertPrefix: 'AriaForge', latencyThresholdSeconds: 1 });
  new AlertRouting(chart, 'alert-routing', { chatChannel: '#ariaforge-alerts', email: 'ops@ariaforge.com' });

  // Document 002, "Grafana Dashboards": ariaforge-overview.json.
  new SystemDashboards(chart, 'dashboards', {
    dashboards: [{
      id: 'overview', title: 'AriaForge Overview',
      description: 'Document 002\'s overview dashboard: API response time, active users and the audio processing queue, then the services behind them.',
      rows: [
        { title: 'Overview', show: 'metrics', group: 'overview' },
        { title: 'API response time and traffic', show: 'traffic' },
        { title: 'Service level objectives', show: 'slo' },
        { title: 'Compositions and audio', show: 'metrics', group: 'business' },
        { title: 'PostgreSQL', show: 'metrics', group: 'database' },
        { title: 'PostgreSQL activity', show: 'metrics', group: 'database-activity' },
        { title: 'Redis', show: 'metrics', group: 'cache' },
        { title: 'Redis activity', show: 'metrics', group: 'cache-activity' },
        { title: 'Autoscaling', show: 'autoscaling' },
        { title: 'Resources', show: 'resources' },
        { title: 'Scrape targets', show: 'targets' },
      ],
    }, {
      id: 'security', title: 'AriaForge Edge',
      description: 'Refused and rate-limited requests and certificate lifetimes of ariaforge.com and api.ariaforge.com (document 002, "Security Configuration").',
      rows: [{ title: 'Edge', show: 'security' }],
    }],
  });
  return chart;
}
