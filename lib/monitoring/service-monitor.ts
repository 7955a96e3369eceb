import { Construct } from 'constructs';
import { ServiceMonitor, ServiceMonitorSpecEndpointsScheme } from '../../imports/monitoring.coreos.com';
import { SystemChart } from '../chart';
import { fail } from '../core/errors';
import { namespacedMeta } from '../core/metadata';
import { Environment } from '../environments/environment';
import { checkCustomMetrics, CustomMetric } from '../observability/metric';
import { parseDuration } from './duration';

/** How Prometheus scrapes a workload. */
export interface ScrapeSpec {
  /**
   * Named Service port that serves metrics.
   * @default 'metrics' when the workload has such a port, else 'http'
   */
  readonly port?: string;
  /**
   * Metrics path.
   * @default '/metrics'
   */
  readonly path?: string;
  /**
   * Scrape interval.
   * @default '30s'
   */
  readonly interval?: string;
  /**
   * Scrape timeout; at most the interval.
   * @default '10s', or the interval when shorter
   */
  readonly scrapeTimeout?: string;
  /**
   * The metrics the workload exposes beyond its process and runtime metrics — the names its
   * design document gives — typed, so that dashboards, SLOs and autoscaling panels are
   * derived from them (lib/observability/).
   * @default - none declared
   */
  readonly custom?: readonly CustomMetric[];
}

export interface MonitorProps extends ScrapeSpec {
  /** ServiceMonitor name. */
  readonly name: string;
  /**
   * The workload the scraped pods belong to (its container name), e.g. `api-server`.
   * @default - the monitor's name
   */
  readonly workload?: string;
  /**
   * The `job` label values the scraped series carry: the names of the Services selected (the
   * operator sets `job` to the Service name), e.g. `api-server` and `api-server-preview`.
   * @default - [name]
   */
  readonly jobs?: readonly string[];
  /** Labels for the object (the Prometheus selector label is added). */
  readonly labels: Record<string, string>;
  /** Labels of the Services to scrape. */
  readonly serviceSelector: Record<string, string>;
  /**
   * Services carrying this label key are not scraped (e.g. a blue/green service's per-color
   * Services, which select the same pods as its live and preview Services: scraping them too
   * would count every pod twice).
   * @default - every selected Service is scraped
   */
  readonly skipServicesLabelled?: string;
  /** Named ports the selected Services expose; the scrape port must be one of them. */
  readonly servicePortNames: string[];
  /**
   * Pod labels copied onto every scraped series (e.g. `color`, to compare blue with green).
   * @default - none
   */
  readonly podTargetLabels?: string[];
}

/**
 * The path, interval and timeout of a scrape: the path defaults to /metrics and must be
 * absolute; the interval defaults to 30s, the timeout to 10s (or the interval when shorter)
 * and may not exceed the interval.
 */
export function scrapeEndpoint(scope: Construct, spec: Pick<ScrapeSpec, 'path' | 'interval' | 'scrapeTimeout'>): { path: string; interval: string; scrapeTimeout: string } {
  const path = spec.path ?? '/metrics';
  if (!path.startsWith('/')) {
    fail(scope, `metrics path "${path}" does not start with "/"`, 'use an absolute path such as "/metrics"');
  }
  const interval = spec.interval ?? '30s';
  const intervalSeconds = parseDuration(scope, 'scrape interval', interval);
  const scrapeTimeout = spec.scrapeTimeout ?? (intervalSeconds < 10 ? interval : '10s');
  if (parseDuration(scope, 'scrape timeout', scrapeTimeout) > intervalSeconds) {
    fail(scope, `scrapeTimeout ${scrapeTimeout} is longer than the interval ${interval}`,
      `set scrapeTimeout to at most ${interval}`);
  }
  return { path, interval, scrapeTimeout };
}

/** A prometheus-operator ServiceMonitor for one workload's Services. */
export class Monitor extends Construct {
  public readonly serviceMonitor: ServiceMonitor;
  /** The workload whose pods are scraped. */
  public readonly workload: string;
  /** The `job` label values of the scraped series. */
  public readonly jobs: readonly string[];
  /** The namespace of the scraped series (their `namespace` label). */
  public readonly namespace: string;
  /** The metrics the workload declares it exposes. */
  public readonly custom: readonly CustomMetric[];

  constructor(scope: Construct, id: string, props: MonitorProps) {
    super(scope, id);
    const env = Environment.of(this);
    checkCustomMetrics(this, props.custom ?? []);
    this.workload = props.workload ?? props.name;
    this.jobs = props.jobs ?? [props.name];
    this.namespace = SystemChart.of(this).namespaceName;
    this.custom = props.custom ?? [];
    const port = props.port ?? (props.servicePortNames.includes('metrics') ? 'metrics' : 'http');
    if (!props.servicePortNames.includes(port)) {
      fail(this, `metrics port "${port}" is not a named port of the Service`,
        `use one of: ${props.servicePortNames.join(', ') || '(none)'}`);
    }
    const { path, interval, scrapeTimeout } = scrapeEndpoint(this, props);
    this.serviceMonitor = new ServiceMonitor(this, 'Resource', {
      metadata: namespacedMeta(this, props.name, { ...props.labels, ...env.settings.prometheusSelector }),
      spec: {
        selector: {
          matchLabels: props.serviceSelector,
          ...(props.skipServicesLabelled ? { matchExpressions: [{ key: props.skipServicesLabelled, operator: 'DoesNotExist' }] } : {}),
        },
        namespaceSelector: { matchNames: [this.namespace] },
        endpoints: [{ port, path, interval, scrapeTimeout, scheme: ServiceMonitorSpecEndpointsScheme.HTTP }],
        ...(props.podTargetLabels?.length ? { podTargetLabels: props.podTargetLabels } : {}),
      },
    });
  }
}
