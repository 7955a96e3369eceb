import { IConstruct } from 'constructs';
import { AutoscalingSpec, podsMetricSource } from '../autoscaling/autoscaler';
import { fail } from '../core/errors';
import { GatewayProxyMetrics } from '../gateway/implementations';
import { CERTIFICATE_WARNING_DAYS } from '../monitoring/endpoint-probes';
import { anyOf } from '../monitoring/promql';
import { parseQuantity } from '../core/quantity';
import { HTTP_DURATION, HTTP_REQUESTS } from './catalogue';
import { PanelSpec, PanelUnit } from './dashboard';
import { CustomMetric, isRatio, jobMatcher, MetricSpec, MetricUnit, seriesLabel } from './metric';
import { BURN_RATE_ALERTS, bucketBound, errorRatioRecord, IndicatorSeries, pct, ServiceLevelObjectives, statusClassMatcher } from './service-level';

/**
 * Panels derived from what a service declares: its scrape (jobs, custom metrics), its HPA,
 * its SLOs, its Ingresses. Every query uses the labels the scrape really produces: `namespace`
 * and `job` (the Service's name, set by the ServiceMonitor), cAdvisor's `container` (our
 * containers are named after their workload), kube-state-metrics' object names, and
 * ingress-nginx's `exported_namespace`, `ingress`, `service` and `host`.
 */

/** A scraped workload, as its Monitor describes it. */
export interface ScrapedWorkload {
  /** Workload (and container) name. */
  readonly workload: string;
  /** Namespace of its series. */
  readonly namespace: string;
  /** `job` values of its series. */
  readonly jobs: readonly string[];
  /** The metrics it declares. */
  readonly custom: readonly CustomMetric[];
}

/** The selector (inside braces) of a workload's series. */
export function selectorOf(w: ScrapedWorkload): string {
  return `namespace="${w.namespace}", ${jobMatcher(w.jobs)}`;
}

const RATE = '$__rate_interval';

/** The panel unit of a metric's values (a counter's: per second). */
function unitOf(m: MetricSpec): PanelUnit {
  const units: Record<MetricUnit, PanelUnit> = { seconds: 's', milliseconds: 'ms', bytes: 'bytes', ratio: 'percentunit', none: 'short' };
  if (m.type === 'counter') { return m.unit === 'bytes' ? 'Bps' : m.unit === 'seconds' ? 's' : 'ops'; }
  return units[m.unit ?? 'none'];
}

/** `agg by (labels) (inner)`, or `agg(inner)` without labels. */
function aggregate(agg: string, labels: readonly string[], inner: string): string {
  return labels.length ? `${agg} by (${labels.join(', ')}) (${inner})` : `${agg}(${inner})`;
}

/**
 * One panel for a declared metric, aggregated as the declaration says: a counter as its
 * per-second rate, a gauge as it is, a histogram as its p50/p95/p99 (or the p95 per label
 * value), a ratio of counters as one ratio.
 */
export function metricPanel(w: ScrapedWorkload, m: CustomMetric, title: string): PanelSpec {
  const sel = selectorOf(w);
  const exposedBy = `Exposed by ${w.workload} (${jobMatcher(w.jobs)}).`;
  const threshold = m.threshold ? [{ value: m.threshold.value, meaning: m.threshold.meaning }] : undefined;
  if (isRatio(m)) {
    const counter = (name: string) => {
      const decl = w.custom.find((c): c is MetricSpec => !isRatio(c) && c.name === name)!;
      // Replicas that read one shared thing report it once each: collapse them first.
      return decl.aggregate === 'sum' ? `sum(rate(${name}{${sel}}[${RATE}]))`
        : `sum(${decl.aggregate} by (${(decl.labels ?? []).map(seriesLabel).join(', ') || 'job'}) (rate(${name}{${sel}}[${RATE}])))`;
    };
    return {
      title, description: `${m.help} ${exposedBy}`, unit: 'percentunit', min: 0, thresholds: threshold,
      queries: [{ expr: `${counter(m.numerator)} / (${m.denominator.map(counter).join(' + ')})`, legend: w.workload }],
    };
  }
  const labels = (m.labels ?? []).map(seriesLabel);
  const legend = labels.length ? labels.map(l => `{{${l}}}`).join(' ') : w.workload;
  const base = { title, description: `${m.help} ${exposedBy}`, unit: unitOf(m), thresholds: threshold };
  if (m.type === 'histogram') {
    const buckets = `rate(${m.name}_bucket{${sel}}[${RATE}])`;
    const queries = labels.length
      ? [{ expr: `histogram_quantile(0.95, sum by (le, ${labels.join(', ')}) (${buckets}))`, legend: `p95 ${legend}` }]
      : [0.5, 0.95, 0.99].map(q => ({ expr: `histogram_quantile(${q}, sum by (le) (${buckets}))`, legend: `p${q * 100}` }));
    return { ...base, unit: unitOf({ ...m, type: 'gauge' }), queries };
  }
  const inner = m.type === 'counter' ? `rate(${m.name}{${sel}}[${RATE}])` : `${m.name}{${sel}}`;
  return { ...base, queries: [{ expr: aggregate(m.aggregate, labels, inner), legend }] };
}

/** Scrape health: the targets up per job. */
export function targetsPanel(workloads: readonly ScrapedWorkload[]): PanelSpec {
  const ns = workloads[0].namespace;
  const jobs = workloads.flatMap(w => w.jobs);
  return {
    title: 'Scrape targets up by job',
    description: `Pods Prometheus scrapes and finds up, per job (a job is a scraped Service): ${jobs.join(', ')}. A job that drops to 0, or vanishes, is down.`,
    unit: 'short', min: 0,
    queries: [{ expr: `sum by (job) (up{namespace="${ns}", ${jobMatcher(jobs)}})`, legend: '{{job}}' }],
  };
}

/** CPU and memory of each container, as a share of its limit (cAdvisor over kube-state-metrics). */
export function resourcePanels(namespace: string, containers?: readonly string[]): PanelSpec[] {
  const c = containers ? `container=~"${containers.join('|')}"` : 'container!="", container!="POD"';
  // A restarted container briefly has two cAdvisor series, and kube-state-metrics may run
  // replicated: one series per container before any sum.
  const perContainer = (inner: string) => `sum by (container) (max by (namespace, pod, container) (${inner}))`;
  const limit = (resource: string) => perContainer(`kube_pod_container_resource_limits{namespace="${namespace}", ${c}, resource="${resource}"}`);
  return [
    {
      title: 'CPU use, share of limit, by container', unit: 'percentunit', min: 0,
      description: 'CPU the containers use over their summed CPU limits (all pods of each container).',
      queries: [{ expr: `${perContainer(`rate(container_cpu_usage_seconds_total{namespace="${namespace}", ${c}}[${RATE}])`)} / ${limit('cpu')}`, legend: '{{container}}' }],
    },
    {
      title: 'Memory working set, share of limit, by container', unit: 'percentunit', min: 0,
      description: 'Working-set memory (what the OOM killer counts) over the summed memory limits.',
      queries: [{ expr: `${perContainer(`container_memory_working_set_bytes{namespace="${namespace}", ${c}}`)} / ${limit('memory')}`, legend: '{{container}}' }],
    },
  ];
}

/** Network traffic per pod. */
export function networkPanel(namespace: string, pods?: readonly string[]): PanelSpec {
  const p = pods ? `, pod=~"${pods.map(x => `${x}-.*`).join('|')}"` : '';
  return {
    title: 'Network received and sent by pod', unit: 'Bps',
    description: 'Bytes per second each pod receives and sends (cAdvisor, pod network namespace).',
    queries: [
      { expr: `sum by (pod) (rate(container_network_receive_bytes_total{namespace="${namespace}"${p}}[${RATE}]))`, legend: '{{pod}} received' },
      { expr: `sum by (pod) (rate(container_network_transmit_bytes_total{namespace="${namespace}"${p}}[${RATE}]))`, legend: '{{pod}} sent' },
    ],
  };
}

/** Volume use per claim (kubelet). */
export function storagePanel(namespace: string, fullAt?: { value: number; meaning: string }): PanelSpec {
  return {
    title: 'Volume use by claim', unit: 'percentunit', min: 0,
    description: 'Used over capacity of each mounted PersistentVolumeClaim, as the kubelet reports it.',
    thresholds: fullAt ? [fullAt] : undefined,
    queries: [{
      expr: `max by (persistentvolumeclaim) (kubelet_volume_stats_used_bytes{namespace="${namespace}"} / kubelet_volume_stats_capacity_bytes{namespace="${namespace}"})`,
      legend: '{{persistentvolumeclaim}}',
    }],
  };
}

/** How a service's requests are counted for its traffic panels. */
export interface TrafficSource {
  /** The service. */
  readonly service: string;
  /** The series: the request counter with its status label, the duration histogram, the selector, where they are measured. */
  readonly series: Pick<IndicatorSeries, 'requests' | 'status' | 'duration' | 'durationUnitsPerSecond' | 'selector' | 'where'>;
  /** Its SLOs, for the lines. */
  readonly slo?: ServiceLevelObjectives;
  /** Said in the titles when a service is measured at two places (a cut-over between edges). */
  readonly place?: string;
}

/** The traffic sources of a scraped service declaring HTTP metrics, or of an SLO (one per place it is measured). */
export function trafficSourceOf(service: string, slo: ServiceLevelObjectives | undefined, scraped: ScrapedWorkload | undefined): TrafficSource[] {
  if (slo) {
    const several = slo.indicators.length > 1;
    return slo.indicators.map(i => ({
      service, slo, series: i,
      ...(several ? { place: i.where } : {}),
    }));
  }
  if (scraped?.custom.some(m => !isRatio(m) && m.name === HTTP_REQUESTS)) {
    return [{
      service,
      series: {
        requests: HTTP_REQUESTS, status: { label: 'status', classOnly: false }, duration: HTTP_DURATION, durationUnitsPerSecond: 1,
        selector: selectorOf(scraped), where: 'as the service counts them',
      },
    }];
  }
  return [];
}

/** Requests by status class, the 5xx ratio and the latency quantiles of one service. */
export function trafficPanels(t: TrafficSource): PanelSpec[] {
  const s = t.series;
  const rate = (extra = '') => `sum(rate(${s.requests}{${s.selector}${extra}}[${RATE}]))`;
  const availability = t.slo?.objectives.find(o => o.slo === 'availability');
  const latency = t.slo?.objectives.find(o => o.slo === 'latency');
  const title = (what: string) => `${t.service}${t.place ? ` (${t.place})` : ''}: ${what}`;
  const panels: PanelSpec[] = [
    {
      title: title('requests by status class'), unit: 'reqps', min: 0,
      description: `Requests per second ${s.where}, by status class.`,
      queries: [2, 3, 4, 5].map(c => ({ expr: rate(`, ${statusClassMatcher(s, c)}`), legend: `${c}xx` })),
    },
    {
      title: title('error ratio (5xx)'), unit: 'percentunit', min: 0,
      description: `Share of requests answered 5xx ${s.where}.`,
      thresholds: availability ? [{ value: availability.budget, meaning: `SLO error budget ${pct(availability.budget)}` }] : undefined,
      queries: [{ expr: `${rate(`, ${statusClassMatcher(s, 5)}`)} / ${rate()}`, legend: 'error ratio' }],
    },
  ];
  const buckets = `sum by (le) (rate(${s.duration}_bucket{${s.selector}}[${RATE}]))`;
  // An edge's histogram may count milliseconds (Envoy's); the application's count seconds.
  const ms = s.durationUnitsPerSecond === 1000;
  panels.push({
    title: title('latency p50, p95, p99'), unit: ms ? 'ms' : 's', min: 0,
    description: `Request duration quantiles ${s.where}${ms ? ' (to the backend\'s response, in milliseconds)' : ''}.`,
    thresholds: latency ? [{ value: bucketBound(s, latency.thresholdSeconds!), meaning: `SLO: ${pct(latency.objective)} under ${latency.thresholdSeconds! * 1000} ms` }] : undefined,
    queries: [0.5, 0.95, 0.99].map(q => ({ expr: `histogram_quantile(${q}, ${buckets})`, legend: `p${Math.round(q * 100)}` })),
  });
  return panels;
}

/** Per objective: its burn rate over each alert's long window, with the alerts' factors as lines. */
export function sloPanels(slo: ServiceLevelObjectives): PanelSpec[] {
  return slo.objectives.map(o => ({
    title: `${slo.service}: ${o.slo} error budget burn rate`, unit: 'short', min: 0,
    description: `How many times faster than sustainable the ${o.slo} budget burns (1 = the budget lasts exactly 30 days). `
      + `Objective: ${pct(o.objective)}${o.thresholdSeconds ? ` under ${o.thresholdSeconds * 1000} ms` : ''}; basis: ${slo.spec.basis}. `
      + 'A page fires when the 1 h (or 6 h) line and its short window are above their factor.',
    thresholds: BURN_RATE_ALERTS.map(a => ({ value: a.factor, meaning: `${a.action} at ${a.factor}× over ${a.long}` })),
    queries: BURN_RATE_ALERTS.map(a => ({
      expr: `${errorRatioRecord(a.long)}{namespace="${slo.rule.metadata.namespace}", service="${slo.service}", slo="${o.slo}"} / ${o.budget}`,
      legend: `over ${a.long}`,
    })),
  }));
}

/**
 * The HPA's replicas against its bounds, and each Pods metric per pod against its target.
 * The source series of a Pods metric must be declared: the HPA cannot scale on a series the
 * service does not expose.
 */
export function autoscalingPanels(scope: IConstruct, service: string, spec: AutoscalingSpec, live: ScrapedWorkload | undefined, namespace: string): PanelSpec[] {
  const hpa = `horizontalpodautoscaler=~"${service}|${service}-blue|${service}-green"`;
  const ksm = (m: string) => `max by (horizontalpodautoscaler) (${m}{namespace="${namespace}", ${hpa}})`;
  const panels: PanelSpec[] = [{
    title: `${service}: replicas (HPA)`, unit: 'short', min: 0,
    description: `Current and desired replicas of ${service}'s HorizontalPodAutoscalers (kube-state-metrics); with blue/green, one per color.`,
    thresholds: [
      { value: spec.minReplicas, meaning: `HPA minimum ${spec.minReplicas}` },
      { value: spec.maxReplicas, meaning: `HPA maximum ${spec.maxReplicas}` },
    ],
    queries: [
      { expr: ksm('kube_horizontalpodautoscaler_status_current_replicas'), legend: '{{horizontalpodautoscaler}} current' },
      { expr: ksm('kube_horizontalpodautoscaler_status_desired_replicas'), legend: '{{horizontalpodautoscaler}} desired' },
    ],
  }];
  for (const p of spec.podsMetrics ?? []) {
    const source = podsMetricSource(p.metric);
    const declared = live?.custom.find((m): m is MetricSpec => !isRatio(m) && m.name === source.series);
    if (!declared || declared.type !== source.type) {
      fail(scope, `${service} autoscales on ${p.metric}, computed from the ${source.type} ${source.series}, which ${service} does not declare${declared ? ` as a ${source.type}` : ''}`,
        `declare ${source.series} as a ${source.type} in its metrics.custom (the HPA cannot scale on a series the service does not expose)`);
    }
    // The HPA of the live color averages over the live Service's pods.
    const sel = `namespace="${namespace}", job="${service}"`;
    const total = source.type === 'counter' ? `sum(rate(${source.series}{${sel}}[${RATE}]))` : `sum(${source.series}{${sel}})`;
    const target = typeof p.averageValue === 'number' ? p.averageValue : parseQuantity(scope, `autoscaling metric ${p.metric} target`, p.averageValue);
    panels.push({
      title: `${service}: ${p.metric} per pod (HPA target)`, unit: source.type === 'counter' ? 'ops' : 'short', min: 0,
      description: `The HPA's Pods metric ${p.metric}, from ${source.series}, averaged over the live pods; it adds pods above the target.`,
      thresholds: [{ value: target, meaning: `HPA target ${target} per pod` }],
      queries: [{ expr: `${total} / sum(up{${sel}})`, legend: 'per pod' }],
    });
  }
  return panels;
}

/** One Ingress as the security panels read it. */
export interface IngressModel {
  readonly name: string;
  readonly hosts: readonly string[];
}

/** Where a system's HTTPRoutes are served: the proxies' namespace and how they count per route rule. */
export interface GatewayModel {
  /** Namespace of the proxies' series. */
  readonly proxies: string;
  readonly metrics: GatewayProxyMetrics;
}

/**
 * What the Gateway's proxies answered the system's HTTPRoute rules, for the security row
 * where the edge is the Gateway API: denied and client errors by route rule (a rule's
 * cluster, `httproute/<namespace>/<route>/rule/<n>`).
 */
export function gatewaySecurityPanels(namespace: string, gateway: GatewayModel): PanelSpec[] {
  const m = gateway.metrics;
  const sel = `namespace="${gateway.proxies}", ${m.clusterLabel}=~"${m.clustersIn(namespace)}"`;
  return [
    {
      title: 'Denied requests (401, 403) by route rule', unit: 'reqps', min: 0,
      description: 'Requests the backends refused as unauthenticated or forbidden, at the Gateway: a rise is credential stuffing or a broken client.',
      queries: [{
        expr: `sum by (${m.clusterLabel}, ${m.statusCodeLabel}) (rate(${m.responsesByCode}{${sel}, ${m.statusCodeLabel}=~"401|403"}[${RATE}]))`,
        legend: `{{${m.clusterLabel}}} {{${m.statusCodeLabel}}}`,
      }],
    },
    {
      title: 'Client errors (4xx) by route rule', unit: 'reqps', min: 0,
      description: 'All 4xx answers per route rule, at the Gateway: scanning for paths shows as 404s. Requests over the rate limit are answered 429 by the proxy itself, before any rule, and are not here.',
      queries: [{ expr: `sum by (${m.clusterLabel}) (rate(${m.responses}{${sel}, ${m.statusClassLabel}="4"}[${RATE}]))`, legend: `{{${m.clusterLabel}}}` }],
    },
  ];
}

/**
 * The edge as the blackbox probes see it from outside, where no ingress-nginx runs (the Gateway
 * API edge; its per-route traffic is in the traffic rows of the services measured there):
 * certificates and the security headers of every probed host (lib/monitoring/endpoint-probes.ts).
 */
export function probeSecurityPanels(namespace: string): PanelSpec[] {
  const sel = `namespace="${namespace}", job=~"probe/${namespace}/.*"`;
  return [
    {
      title: 'Days until the TLS certificate expires, by probed URL', unit: 'short',
      description: 'Lifetime left of the certificate each public host serves, as the blackbox exporter sees it (cert-manager renews 30 days ahead).',
      thresholds: [{ value: CERTIFICATE_WARNING_DAYS, meaning: `document 000: ${CERTIFICATE_WARNING_DAYS}-day expiry warning` }],
      queries: [{ expr: `min by (instance) (probe_ssl_earliest_cert_expiry{${sel}} - time()) / 86400`, legend: '{{instance}}' }],
    },
    {
      title: 'Probes succeeding, by probed URL and check', unit: 'percentunit', min: 0,
      description: 'Share of probes that succeeded over 5 minutes: availability, and the security headers check (its own probe job).',
      queries: [{ expr: `avg by (job, instance) (avg_over_time(probe_success{${sel}}[5m]))`, legend: '{{job}} {{instance}}' }],
    },
  ];
}

/** Denied requests, client errors, edge 503s and certificate lifetimes of a system's Ingresses. */
export function securityPanels(namespace: string, ingresses: readonly IngressModel[]): PanelSpec[] {
  const names = ingresses.map(i => i.name);
  const hosts = [...new Set(ingresses.flatMap(i => i.hosts))].sort();
  const sel = `exported_namespace="${namespace}", ingress=~"${anyOf(names)}"`;
  const requests = (status: string, by: string) => `sum by (${by}) (rate(nginx_ingress_controller_requests{${sel}, status=~"${status}"}[${RATE}]))`;
  return [
    {
      title: 'Denied requests (401, 403) by Ingress', unit: 'reqps', min: 0,
      description: 'Requests refused as unauthenticated or forbidden, at the ingress controller: a rise is credential stuffing or a broken client.',
      queries: [{ expr: requests('401|403', 'ingress, status'), legend: '{{ingress}} {{status}}' }],
    },
    {
      title: 'Client errors (4xx) by host', unit: 'reqps', min: 0,
      description: 'All 4xx answers per host: scanning for paths shows as 404s, abuse as 4xx from one host.',
      queries: [{ expr: requests('4..', 'host'), legend: '{{host}}' }],
    },
    {
      title: 'Rate limited (429) by Ingress', unit: 'reqps', min: 0,
      description: 'Requests over the per-IP limits (limit-rpm, limit-connections), which the fleet\'s ingress-nginx answers with 429.',
      queries: [{ expr: requests('429', 'ingress'), legend: '{{ingress}}' }],
    },
    {
      title: 'Days until the TLS certificate expires, by host', unit: 'short',
      description: 'Lifetime left of the certificate the ingress controller serves for each host (cert-manager renews 30 days ahead).',
      thresholds: [{ value: CERTIFICATE_WARNING_DAYS, meaning: `document 000: ${CERTIFICATE_WARNING_DAYS}-day expiry warning` }],
      queries: [{ expr: `min by (host) (nginx_ingress_controller_ssl_expire_time_seconds{host=~"${anyOf(hosts)}"} - time()) / 86400`, legend: '{{host}}' }],
    },
  ];
}
