import { podsMetricSource } from '../autoscaling/autoscaler';
import { durationSeconds } from '../monitoring/duration';

/** One prometheus-adapter rule (its `rules.custom` entries; docs/config.md of kubernetes-sigs/prometheus-adapter). */
export interface AdapterRule {
  /** The series the rule serves, with the labels it needs. */
  readonly seriesQuery: string;
  /** Which series labels name which Kubernetes objects. */
  readonly resources: { readonly overrides: Readonly<Record<string, { readonly resource: string }>> };
  /** The metric name the custom metrics API serves for the series. */
  readonly name: { readonly matches: string; readonly as: string };
  /** The query answering one request, per pod. */
  readonly metricsQuery: string;
}

/** The Pods metrics the rendered HorizontalPodAutoscalers among `objects` ask for, sorted, each once. */
function podsMetricsOf(objects: readonly any[]): string[] {
  const names = objects
    .filter(o => o.kind === 'HorizontalPodAutoscaler')
    .flatMap(o => (o.spec?.metrics ?? []) as any[])
    .filter(m => m.type === 'Pods')
    .map(m => String(m.pods.metric.name));
  return [...new Set(names)].sort();
}

/**
 * The window a counter's rate is taken over: four scrapes of the slowest scrape interval
 * among the rendered ServiceMonitors and PodMonitors (so a rate never rests on fewer than
 * two samples, even with a missed scrape), and at least 2m.
 */
function rateWindow(objects: readonly any[]): string {
  const intervals = objects.flatMap(o => {
    if (o.kind === 'ServiceMonitor') { return (o.spec?.endpoints ?? []) as any[]; }
    if (o.kind === 'PodMonitor') { return (o.spec?.podMetricsEndpoints ?? []) as any[]; }
    return [];
  }).map(e => durationSeconds(e.interval ?? '30s') ?? 30);
  const seconds = Math.max(120, 4 * Math.max(30, ...intervals));
  return seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}

/**
 * prometheus-adapter rules serving exactly the Pods metrics the HPAs among `objects` ask for,
 * each from the series the pods expose ({@link podsMetricSource}): a counter's per-second rate
 * (`http_requests_per_second` = `rate(http_requests_total[…])`), or a gauge as it is, summed
 * per pod (a pod's series from several containers or endpoints add up to the pod's value).
 */
export function adapterRules(objects: readonly any[]): AdapterRule[] {
  const window = rateWindow(objects);
  return podsMetricsOf(objects).map(metric => {
    const source = podsMetricSource(metric);
    const series = source.type === 'counter' ? `rate(<<.Series>>{<<.LabelMatchers>>}[${window}])` : '<<.Series>>{<<.LabelMatchers>>}';
    return {
      // Only series Prometheus attributed to a pod: the scrape of a pod through its Service.
      seriesQuery: `${source.series}{namespace!="",pod!=""}`,
      resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
      name: { matches: `^${source.series}$`, as: metric },
      metricsQuery: `sum by (<<.GroupBy>>) (${series})`,
    };
  });
}

/** The in-cluster URL of the monitoring stack's Prometheus (kube-prometheus-stack's `<fullname>-prometheus` Service). */
export function prometheusUrl(fullname: string, namespace: string): string {
  return `http://${fullname}-prometheus.${namespace}.svc`;
}
