import { Construct } from 'constructs';
import { AutoscalingSpec } from '../autoscaling/autoscaler';
import { SystemChart } from '../chart';
import { SecretReference } from '../config/secret-reference';
import { Environment, PerEnvironment } from '../environments/environment';
import { imageOf, releaseOf } from '../environments/releases';
import { ResponseHeaders } from '../ingress/response-headers';
import { AlertRules } from '../monitoring/alert-rules';
import { AlertRouting } from '../monitoring/alert-routing';
import { EndpointProbes } from '../monitoring/endpoint-probes';
import { httpServerMetrics } from '../observability/catalogue';
import { CustomMetric } from '../observability/metric';
import { ServiceLevelSpec } from '../observability/service-level';
import { SystemDashboards } from '../observability/system-dashboards';
import { connect } from '../network/network-policy';
import { Microservice } from '../workload/microservice';
import { cnpgConnectionsAbove, cnpgMeanQuerySecondsAbove, containerCpuAbove, containerMemoryAbove, serviceDown } from './alert-expressions';
import { databaseEnv, INGESTION_DASHBOARD, redisClientEnv, songnodesIngestion } from './songnodes-ingestion';

/**
 * Song Nodes web platform (design document 000): frontend, backend API, WebSocket service,
 * graph API and health monitor, plus the ingestion pipeline (document 003) in one namespace.
 */
export const SONGNODES = {
  system: 'songnodes',
  hosts: { app: 'songnodes.com', api: 'api.songnodes.com', ws: 'ws.songnodes.com' },
  /** Scale up fast (60 s window, at most +100 % per minute), down slowly (300 s, at most −50 %). */
  behavior: {
    scaleUp: { stabilizationWindowSeconds: 60, percent: 100, periodSeconds: 60 },
    scaleDown: { stabilizationWindowSeconds: 300, percent: 50, periodSeconds: 60 },
  },
  /** HPA bounds per service; production from the document, staging smaller but HA, dev single. */
  bounds: {
    'frontend': { dev: [1, 2], staging: [2, 3], production: [2, 5] },
    'backend-api': { dev: [1, 2], staging: [2, 4], production: [2, 10] },
    'websocket': { dev: [1, 2], staging: [2, 4], production: [2, 8] },
    'graph-api': { dev: [1, 2], staging: [2, 3], production: [2, 6] },
  } as Record<string, PerEnvironment<[number, number]>>,
};

/**
 * Document 000's custom graph metrics, by the service that exposes them (the graph API
 * computes the graph; the WebSocket service holds the connections).
 */
export const SONGNODES_METRICS: Readonly<Record<'graph' | 'websocket', readonly CustomMetric[]>> = {
  graph: [
    {
      name: 'graph_operations_total', type: 'counter', aggregate: 'sum', labels: ['operation', 'status'], group: 'graph',
      help: 'Graph operations per second, by operation and status.',
      threshold: { value: 10, meaning: 'document 000: HPA adds pods above 10 operations/s per pod' },
    },
    { name: 'node_processing_duration_seconds', type: 'histogram', aggregate: 'sum', unit: 'seconds', labels: ['batch_size'], group: 'graph', help: 'Time to process a batch of nodes, by batch size.' },
    { name: 'graph_memory_usage_bytes', type: 'gauge', aggregate: 'sum', unit: 'bytes', group: 'graph', help: 'Memory the graphs use, over every pod.' },
    { name: 'graph_cache_hit_ratio', type: 'gauge', aggregate: 'avg', unit: 'ratio', group: 'graph', help: 'Graph cache hit ratio, averaged over the pods.' },
    {
      name: 'graph_algorithm_duration_seconds', type: 'histogram', aggregate: 'sum', unit: 'seconds', labels: ['algorithm'], group: 'graph',
      help: 'Time graph algorithms take, by algorithm.', threshold: { value: 2, meaning: 'document 000: graph processing < 2 s' },
    },
  ],
  websocket: [
    { name: 'websocket_active_connections', type: 'gauge', aggregate: 'sum', labels: ['type'], group: 'realtime', help: 'WebSocket connections open, by type.' },
  ],
};

/** Document 000: 99.9 % uptime, API response time < 500 ms (the p95 its critical alert watches). */
const SONGNODES_SLO: ServiceLevelSpec = {
  availability: 0.999,
  latency: { percentile: 0.95, thresholdSeconds: 0.5 },
  basis: 'document 000: target uptime 99.9 %, API response time < 500 ms (p95)',
};

export function songnodes(scope: Construct, env: Environment): SystemChart {
  const chart = new SystemChart(scope, { environment: env, system: SONGNODES.system });
  const system = SONGNODES.system;
  const hosts = {
    app: env.host(SONGNODES.hosts.app), api: env.host(SONGNODES.hosts.api), ws: env.host(SONGNODES.hosts.ws),
  };
  // One header set for every Song Nodes host; the CSP lets the app reach its API and socket.
  new ResponseHeaders(chart, 'security-headers', {
    name: 'security-headers',
    contentSecurityPolicy: [
      "default-src 'self'",
      `connect-src 'self' https://${hosts.api} wss://${hosts.ws}`,
      "img-src 'self' data:",
      "style-src 'self' 'unsafe-inline'",
      "object-src 'none'",
      "base-uri 'self'",
      "frame-ancestors 'none'",
    ].join('; '),
  });

  const data = songnodesIngestion(chart, env);
  const secrets = SecretReference.fromName('songnodes-secrets');
  const scaling = (service: string, extra: Omit<AutoscalingSpec, 'minReplicas' | 'maxReplicas'>): AutoscalingSpec => {
    const [minReplicas, maxReplicas] = env.pick(SONGNODES.bounds[service]);
    return { minReplicas, maxReplicas, ...SONGNODES.behavior, ...extra };
  };
  const redisClient = redisClientEnv(data.redis);
  const dbEnv = {
    ...databaseEnv(data.postgres),
    ...redisClient.env, ENVIRONMENT: env.name,
  };
  const dbSecrets = { DATABASE_PASSWORD: data.postgres.connection.password, ...redisClient.secretEnv };
  const common = {
    disruptionBudget: { minAvailable: 1 },
    ingressLimits: { connectionsPerIp: 20 },
  };

  const frontend = new Microservice(chart, 'frontend', {
    ...releaseOf(chart, system, 'frontend', { userFacing: true, previewHost: 'preview.songnodes.com' }),
    component: 'frontend',
    ports: [{ name: 'http', containerPort: 8080, servicePort: 80 }],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    probes: { readiness: { path: '/', periodSeconds: 10 }, liveness: { tcp: true, periodSeconds: 30, failureThreshold: 5 } },
    writablePaths: ['/tmp', '/var/cache/nginx'],
    autoscaling: scaling('frontend', { cpuUtilization: 70, memoryUtilization: 80 }),
    disruptionBudget: common.disruptionBudget,
    ingresses: [{ host: SONGNODES.hosts.app, rateLimit: { ...common.ingressLimits } }],
    metrics: false, // static assets: the endpoint probes below watch it from outside
    // Without metrics of its own, its SLO is measured at the edge (ingress-nginx, the Gateway's proxies).
    slo: SONGNODES_SLO,
  });

  const api = new Microservice(chart, 'backend-api', {
    ...releaseOf(chart, system, 'backend-api', { userFacing: true, previewHost: 'api-preview.songnodes.com' }),
    ports: [{ name: 'http', containerPort: 8000, servicePort: 80 }],
    resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    probes: {
      startup: { path: '/health/live', periodSeconds: 5, failureThreshold: 24 },
      readiness: { path: '/health/ready', periodSeconds: 10 },
      liveness: { path: '/health/live', periodSeconds: 20 },
    },
    env: dbEnv,
    secretEnv: { ...dbSecrets, JWT_SECRET: secrets.key('JWT_SECRET') },
    autoscaling: scaling('backend-api', {
      cpuUtilization: 70, memoryUtilization: 80,
      podsMetrics: [{ metric: 'http_requests_per_second', averageValue: 100 }],
    }),
    disruptionBudget: common.disruptionBudget,
    ingresses: [
      { host: SONGNODES.hosts.api, rateLimit: { requestsPerMinute: 100, ...common.ingressLimits } },
      // ingress-nginx limits apply per Ingress, so authentication gets its own, stricter one.
      { name: 'backend-api-auth', host: SONGNODES.hosts.api, paths: ['/api/v1/auth'], rateLimit: { requestsPerMinute: 20, ...common.ingressLimits } },
    ],
    metrics: { interval: '15s', custom: httpServerMetrics() },
    slo: SONGNODES_SLO,
  });

  const websocket = new Microservice(chart, 'websocket', {
    ...releaseOf(chart, system, 'websocket', { userFacing: true }),
    ports: [{ name: 'http', containerPort: 8083, servicePort: 80 }],
    resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    probes: { readiness: { path: '/health/ready' }, liveness: { path: '/health/live', periodSeconds: 20 } },
    env: dbEnv,
    secretEnv: dbSecrets,
    autoscaling: scaling('websocket', {
      cpuUtilization: 70, memoryUtilization: 75,
      podsMetrics: [{ metric: 'websocket_active_connections', averageValue: 500 }],
    }),
    disruptionBudget: common.disruptionBudget,
    ingresses: [{ host: SONGNODES.hosts.ws, websocketTimeoutSeconds: 3600, rateLimit: { ...common.ingressLimits } }],
    metrics: { interval: '15s', custom: [...httpServerMetrics(), ...SONGNODES_METRICS.websocket] },
    // A WebSocket request lasts as long as its session: availability only.
    slo: { availability: SONGNODES_SLO.availability, basis: 'document 000: target uptime 99.9 %' },
  });

  const graph = new Microservice(chart, 'graph-api', {
    ...releaseOf(chart, system, 'graph-api', { userFacing: true }),
    ports: [{ name: 'http', containerPort: 8084, servicePort: 80 }],
    resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } },
    probes: { readiness: { path: '/health/ready' }, liveness: { path: '/health/live', periodSeconds: 20 } },
    env: dbEnv,
    secretEnv: dbSecrets,
    autoscaling: scaling('graph-api', {
      cpuUtilization: 75, memoryUtilization: 85,
      podsMetrics: [{ metric: 'graph_operations_per_second', averageValue: 10 }],
    }),
    disruptionBudget: common.disruptionBudget,
    ingresses: [{ host: SONGNODES.hosts.api, paths: ['/api/v1/graph'], rateLimit: { requestsPerMinute: 30, ...common.ingressLimits } }],
    metrics: { interval: '15s', custom: [...httpServerMetrics(), ...SONGNODES_METRICS.graph] },
    slo: SONGNODES_SLO,
  });

  const health = new Microservice(chart, 'health-monitor', {
    image: imageOf(chart, system, 'health-monitor'),
    component: 'monitoring',
    ports: [{ name: 'http', containerPort: 8085 }],
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '256Mi' } },
    probes: { readiness: { path: '/health/ready' }, liveness: { path: '/health/live', periodSeconds: 20 } },
    metrics: { path: '/metrics', interval: '15s' },
  });

  // Who talks to whom: the web tier to its datastores, the health monitor to everything.
  for (const svc of [api, websocket, graph]) {
    connect(svc, data.postgres, ['postgres']);
    connect(svc, data.redis, ['redis']);
  }
  connect(api, graph, ['http']);
  for (const target of [frontend, api, websocket, graph, data.restApi]) {
    connect(health, target, ['http']);
  }
  connect(health, data.postgres, ['postgres']);
  connect(health, data.redis, ['redis']);
  connect(health, data.rabbitmq, ['amqp']);

  new AlertRules(chart, 'alerts', { name: 'songnodes-alerts', groups: songnodesAlerts() });
  // Every public host, the frontend's included: it serves static files and exports no metrics,
  // so what can fail (availability, speed, TLS, headers) is what a probe from outside sees.
  // Document 000: API response time < 500 ms.
  new EndpointProbes(chart, 'probes', { alertPrefix: 'SongNodes', latencyThresholdSeconds: 0.5 });
  // Document 000: critical alerts answered in under a minute.
  new AlertRouting(chart, 'alert-routing', {
    chatChannel: '#songnodes-alerts', email: 'ops@songnodes.com', responseTime: { critical: '1m' },
  });

  // Document 000, "Monitoring Dashboards", and document 003's infrastructure dashboard.
  new SystemDashboards(chart, 'dashboards', {
    dashboards: [
      {
        id: 'infrastructure', title: 'Infrastructure Overview',
        description: 'Document 000\'s "Infrastructure Overview": system health and resource usage of every workload.',
        rows: [
          { title: 'Health', show: 'targets' },
          { title: 'Resources', show: 'resources' },
          { title: 'Autoscaling', show: 'autoscaling' },
          { title: 'Network and storage', show: 'network' },
          { title: 'Volumes', show: 'storage', fullAt: { value: 0.9, meaning: 'document 000: disk space critical > 90 %' } },
          { title: 'PostgreSQL', show: 'metrics', group: 'database-activity' },
          { title: 'Redis', show: 'metrics', group: 'cache' },
          { title: 'Redis activity', show: 'metrics', group: 'cache-activity' },
        ],
      },
      {
        id: 'graph', title: 'Graph Performance',
        description: 'Document 000\'s "Graph Performance": the custom graph metrics of the graph API, with the document\'s thresholds.',
        rows: [{ title: 'Graph', show: 'metrics', group: 'graph' }],
      },
      {
        id: 'application', title: 'Application Metrics',
        description: 'Document 000\'s "Application Metrics": what users get (requests, errors, latency against the SLOs), live connections and the pipeline\'s flow.',
        rows: [
          { title: 'Traffic', show: 'traffic' },
          { title: 'Service level objectives', show: 'slo' },
          { title: 'Real-time', show: 'metrics', group: 'realtime' },
          { title: 'Ingestion flow', show: 'metrics', group: 'queue-flow' },
        ],
      },
      {
        id: 'security', title: 'Security',
        description: 'Document 000\'s "Security Dashboard": refused and rate-limited requests at the edge, and certificate lifetimes.',
        rows: [{ title: 'Edge', show: 'security' }],
      },
      INGESTION_DASHBOARD,
    ],
  });
  return chart;
}

const NS = 'namespace="songnodes"';
/**
 * Every scrape job (a ServiceMonitor's job is the Service's name; a PodMonitor's, such as
 * PostgreSQL's, its jobLabel's value: the cluster's name), live colors only: an idle color
 * may be scaled to zero. test/alerts.test.ts checks this against the monitors.
 */
const SCRAPED_JOBS = [
  'backend-api', 'data-transformer-metrics', 'graph-api', 'health-monitor', 'postgres', 'rabbitmq', 'redis',
  'rest-api', 'scraper-1001tracklists-metrics', 'websocket',
];

function songnodesAlerts() {
  return [
    {
      name: 'songnodes-critical',
      // Document 000: critical alerts answered in under a minute. Evaluated every 15 s, true
      // for 30 s, paged after the 10 s group_wait: 55 s (AlertRouting checks the sum), on
      // 1-minute windows, so a step change shows within a scrape or two.
      interval: '15s',
      alerts: [
        {
          alert: 'SongNodesServiceDown', severity: 'critical' as const, for: '30s',
          expr: serviceDown('songnodes', SCRAPED_JOBS),
          summary: 'Song Nodes service {{ $labels.job }} is down',
          description: 'No {{ $labels.job }} target has been up (or none has existed) for 30 seconds.',
        },
        {
          alert: 'SongNodesHighErrorRate', severity: 'critical' as const, for: '30s',
          expr: `sum by (job) (rate(http_requests_total{${NS}, status=~"5.."}[1m])) / sum by (job) (rate(http_requests_total{${NS}}[1m])) > 0.05`,
          summary: 'Error rate above 5% on {{ $labels.job }}',
          description: '{{ $value | humanizePercentage }} of {{ $labels.job }} requests fail with 5xx.',
        },
        {
          alert: 'SongNodesHighResponseTime', severity: 'critical' as const, for: '30s', family: 'latency',
          expr: `histogram_quantile(0.95, sum by (job, le) (rate(http_request_duration_seconds_bucket{${NS}}[1m]))) > 0.5`,
          summary: 'p95 latency above 500 ms on {{ $labels.job }}',
          description: 'The 95th percentile response time of {{ $labels.job }} is {{ $value | humanizeDuration }}.',
        },
        {
          alert: 'SongNodesGraphProcessingSlow', severity: 'critical' as const, for: '30s', family: 'graph',
          expr: `histogram_quantile(0.95, sum by (le) (rate(graph_algorithm_duration_seconds_bucket{${NS}}[1m]))) > 2`,
          summary: 'Graph processing above 2 s',
          description: 'The 95th percentile graph algorithm duration is {{ $value | humanizeDuration }}.',
        },
        {
          alert: 'SongNodesDatabasePoolCritical', severity: 'critical' as const, for: '30s',
          expr: cnpgConnectionsAbove('songnodes', 'postgres', 0.9), // per instance: each has its own max_connections
          summary: 'Database connections above 90% of the pool',
          description: 'PostgreSQL is at {{ $value | humanizePercentage }} of max_connections.',
        },
        {
          alert: 'SongNodesMemoryExhaustion', severity: 'critical' as const, for: '30s',
          expr: containerMemoryAbove('songnodes', undefined, 0.9),
          summary: 'Container {{ $labels.container }} above 90% of its memory limit',
          description: '{{ $labels.pod }} uses {{ $value | humanizePercentage }} of its memory limit and risks an OOM kill.',
        },
        {
          alert: 'SongNodesDiskSpaceCritical', severity: 'critical' as const, for: '30s',
          expr: `max by (persistentvolumeclaim) (kubelet_volume_stats_used_bytes{${NS}} / kubelet_volume_stats_capacity_bytes{${NS}}) > 0.9`,
          summary: 'Volume {{ $labels.persistentvolumeclaim }} above 90% full',
          description: '{{ $labels.persistentvolumeclaim }} is {{ $value | humanizePercentage }} full.',
        },
        {
          alert: 'SongNodesWebSocketStorm', severity: 'critical' as const, for: '30s',
          expr: `sum(deriv(websocket_active_connections{${NS}}[1m])) > 1000`,
          summary: 'WebSocket connections rising by more than 1000/s',
          description: 'Active WebSocket connections grow by {{ $value }} per second.',
        },
      ],
    },
    {
      name: 'songnodes-warning',
      // Document 000: warnings answered in 3–5 minutes: true for 3 minutes (CPU: the document's
      // 5), evaluated every 30 s, in chat after the 30 s group_wait.
      alerts: [
        {
          alert: 'SongNodesElevatedResponseTime', severity: 'warning' as const, for: '3m', family: 'latency',
          expr: `histogram_quantile(0.95, sum by (job, le) (rate(http_request_duration_seconds_bucket{${NS}}[5m]))) > 0.2`,
          summary: 'p95 latency above 200 ms on {{ $labels.job }}',
          description: 'The 95th percentile response time of {{ $labels.job }} is {{ $value | humanizeDuration }}.',
        },
        {
          alert: 'SongNodesHighCPUUsage', severity: 'warning' as const, for: '5m',
          expr: containerCpuAbove('songnodes', undefined, 0.8),
          summary: 'Container {{ $labels.container }} above 80% CPU for 5 minutes',
          description: '{{ $labels.pod }} uses {{ $value | humanizePercentage }} of its CPU limit.',
        },
        {
          alert: 'SongNodesSlowDatabaseQueries', severity: 'warning' as const, for: '3m',
          expr: cnpgMeanQuerySecondsAbove('songnodes', 'postgres', 0.1),
          summary: 'Average database query above 100 ms',
          description: 'The mean PostgreSQL statement time is {{ $value | humanizeDuration }}.',
        },
        {
          alert: 'SongNodesRedisMemoryHigh', severity: 'warning' as const, for: '3m',
          expr: `max(redis_memory_used_bytes{${NS}} / redis_memory_max_bytes{${NS}}) > 0.8`,
          summary: 'Redis memory above 80%',
          description: 'Redis uses {{ $value | humanizePercentage }} of maxmemory.',
        },
        {
          alert: 'SongNodesGraphBacklog', severity: 'warning' as const, for: '3m', family: 'graph',
          expr: `sum(graph_operations_pending{${NS}}) > 100`,
          summary: 'More than 100 graph operations pending',
          description: '{{ $value }} graph operations wait to be processed.',
        },
      ],
    },
  ];
}
