import { GatewayImplementation } from '../environments/environment';
import { anyOf } from '../monitoring/promql';

/**
 * How an implementation's proxies count the requests of a route rule, in Prometheus: what a
 * service level indicator measured at the Gateway reads (lib/observability/service-level.ts).
 */
export interface GatewayProxyMetrics {
  /** Named container port of the proxy pods that serves the metrics. */
  readonly port: string;
  /** Path of the metrics. */
  readonly path: string;
  /** Counter of responses per route rule, by status class. */
  readonly responses: string;
  /** The label of {@link responses} holding the status class: `5` for 5xx. */
  readonly statusClassLabel: string;
  /** Counter of responses per route rule, by status code. */
  readonly responsesByCode: string;
  /** The label of {@link responsesByCode} holding the code: `403`. */
  readonly statusCodeLabel: string;
  /** A series each route rule's cluster has from its creation, requests or not: the indicator exists. */
  readonly clusterGauge: string;
  /** Histogram of the time to the backend's response per route rule, by its base name. */
  readonly duration: string;
  /** How many of the histogram's units make a second (1000: milliseconds). */
  readonly durationUnitsPerSecond: number;
  /** The histogram's bucket bounds, in seconds. */
  readonly bucketsSeconds: readonly number[];
  /** The label naming the route rule's cluster. */
  readonly clusterLabel: string;
  /** The cluster name of rule `rule` (0-based) of HTTPRoute `namespace/name`. */
  clusterOf(namespace: string, name: string, rule: number): string;
  /** A regular expression (inside a PromQL `=~"…"`) matching the clusters of these rules, whatever form they take. */
  clusterMatch(clusters: readonly string[]): string;
  /** A regular expression matching the clusters of every HTTPRoute rule in `namespace`. */
  clustersIn(namespace: string): string;
}

/** What the fleet needs to know of a Gateway API implementation. */
export interface GatewayImplementationSpec {
  /** The controllerName its GatewayClass names: the implementation manages the Gateways of that class. */
  readonly controllerName: string;
  /** The platform add-on (lib/platform/pins.ts) that installs it, with the Gateway API CRDs. */
  readonly addon: 'envoy-gateway';
  /** How its proxies expose per-route metrics. */
  readonly proxyMetrics: GatewayProxyMetrics;
  /**
   * The pods it runs for Gateway `namespace`/`name`: their labels and named container ports,
   * so the checks that read only dist/ see what a PodMonitor or NetworkPolicy selects.
   */
  proxyPods(namespace: string, name: string): { readonly labels: Record<string, string>; readonly ports: ReadonlyArray<{ readonly name: string; readonly containerPort: number }> };
}

/**
 * Envoy's default histogram buckets (source/common/stats/histogram_impl.cc), in milliseconds
 * for `upstream_rq_time`, up to 10 minutes: Prometheus 3 writes the larger bounds (1800000,
 * 3600000) in exponent form (`le="1.8e+06"`), which no threshold of ours should depend on.
 */
const ENVOY_DEFAULT_BUCKETS_MS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000];

/**
 * The implementations the fleet renders for. Rate limits and idle timeouts are not standard
 * Gateway API yet, so each implementation's policy kinds carry them (lib/gateway/web-route.ts
 * renders Envoy Gateway's BackendTrafficPolicy); adding NGINX Gateway Fabric or another means
 * an entry here, its policy rendering and its pin.
 */
export const IMPLEMENTATIONS: Readonly<Record<GatewayImplementation, GatewayImplementationSpec>> = {
  'envoy-gateway': {
    // Envoy Gateway's default controller name (its chart's config.envoyGateway.gateway.controllerName).
    controllerName: 'gateway.envoyproxy.io/gatewayclass-controller',
    addon: 'envoy-gateway',
    // v1.9.0: each proxy pod's container port "metrics" (19001) serves Envoy's /stats/prometheus
    // (internal/infrastructure/kubernetes/proxy/resource.go). Every HTTPRoute rule is an Envoy
    // cluster named <kind>/<namespace>/<name>/rule/<index> (internal/gatewayapi/helpers.go),
    // its canary backends included, as long as EnvoyProxy's mergeBackends (experimental, off)
    // and telemetry.metrics.clusterStatName stay unset. Envoy charges a local reply ("no healthy
    // upstream", a timeout, a reset) to the cluster's upstream_rq_<code> as well.
    proxyMetrics: {
      port: 'metrics',
      path: '/stats/prometheus',
      responses: 'envoy_cluster_upstream_rq_xx',
      statusClassLabel: 'envoy_response_code_class',
      responsesByCode: 'envoy_cluster_upstream_rq',
      statusCodeLabel: 'envoy_response_code',
      // A cluster endpoint stat, created with the cluster. Traffic stats such as upstream_rq_total
      // are created on first use: Envoy Gateway's bootstrap defers them (enableDeferredCreationStats).
      clusterGauge: 'envoy_cluster_membership_total',
      duration: 'envoy_cluster_upstream_rq_time',
      durationUnitsPerSecond: 1000,
      bucketsSeconds: ENVOY_DEFAULT_BUCKETS_MS.map(ms => ms / 1000),
      clusterLabel: 'envoy_cluster_name',
      clusterOf: (namespace, name, rule) => `httproute/${namespace}/${name}/rule/${rule}`,
      clustersIn: namespace => `httproute/${namespace}/.+`,
      // A rule with a backend without endpoints (or an invalid one) gets a cluster per backend,
      // <rule>/backend/<n> (ir.HTTPRoute.NeedsClusterPerSetting, translator.go).
      clusterMatch: clusters => `${clusters.length === 1 ? anyOf(clusters) : `(${anyOf(clusters)})`}(/backend/[0-9]+)?`,
    },
    // internal/infrastructure/kubernetes/proxy: EnvoyAppLabel() and the owning Gateway's labels;
    // the ports of internal/xds/bootstrap (stats 19001, readiness 19003).
    proxyPods: (namespace, name) => ({
      labels: {
        'app.kubernetes.io/name': 'envoy',
        'app.kubernetes.io/component': 'proxy',
        'app.kubernetes.io/managed-by': 'envoy-gateway',
        'gateway.envoyproxy.io/owning-gateway-name': name,
        'gateway.envoyproxy.io/owning-gateway-namespace': namespace,
      },
      ports: [{ name: 'metrics', containerPort: 19001 }, { name: 'readiness', containerPort: 19003 }],
    }),
  },
};
