import { Construct } from 'constructs';
import { PodMonitor, PodMonitorSpecPodMetricsEndpointsScheme } from '../../imports/monitoring.coreos.com';
import { SystemChart } from '../chart';
import { fail } from '../core/errors';
import { namespacedMeta } from '../core/metadata';
import { Environment } from '../environments/environment';
import { checkCustomMetrics, CustomMetric } from '../observability/metric';
import { ScrapeSpec, scrapeEndpoint } from './service-monitor';

export interface PodScrapeProps extends Omit<ScrapeSpec, 'port'> {
  /** PodMonitor name. */
  readonly name: string;
  /** Labels for the object (the Prometheus selector label is added). */
  readonly labels: Record<string, string>;
  /** Labels of the pods to scrape (pods an operator creates, which no Service of ours selects). */
  readonly podSelector: Record<string, string>;
  /** Named container port that serves metrics. */
  readonly port: string;
  /**
   * A key of `podSelector` whose value becomes the `job` label, so alerts name the job as they
   * would a ServiceMonitor's (otherwise Prometheus calls the job `<namespace>/<name>`).
   */
  readonly jobLabel: string;
}

/**
 * A prometheus-operator PodMonitor: scrapes each selected pod once, directly, for pods an
 * operator renders behind several Services of its own (a ServiceMonitor would scrape a pod
 * once per Service that exposes the port).
 */
export class PodScrape extends Construct {
  public readonly podMonitor: PodMonitor;
  /** The workload scraped (the PodScrape's name), for dashboards. */
  public readonly workload: string;
  /** The `job` label values, as a Monitor's. */
  public readonly jobs: readonly string[];
  /** The namespace of the scraped series. */
  public readonly namespace: string;
  /** The metrics the pods declare they expose (lib/observability/). */
  public readonly custom: readonly CustomMetric[];

  constructor(scope: Construct, id: string, props: PodScrapeProps) {
    super(scope, id);
    const env = Environment.of(this);
    const job = props.podSelector[props.jobLabel];
    if (job === undefined) {
      fail(this, `jobLabel "${props.jobLabel}" is not a label of the pod selector`,
        `use one of: ${Object.keys(props.podSelector).join(', ')}`);
    }
    const { path, interval, scrapeTimeout } = scrapeEndpoint(this, props);
    checkCustomMetrics(this, props.custom ?? []);
    this.workload = props.name;
    this.jobs = [job];
    this.namespace = SystemChart.of(this).namespaceName;
    this.custom = props.custom ?? [];
    this.podMonitor = new PodMonitor(this, 'Resource', {
      metadata: namespacedMeta(this, props.name, { ...props.labels, ...env.settings.prometheusSelector }),
      spec: {
        jobLabel: props.jobLabel,
        selector: { matchLabels: props.podSelector },
        namespaceSelector: { matchNames: [this.namespace] },
        podMetricsEndpoints: [{ port: props.port, path, interval, scrapeTimeout, scheme: PodMonitorSpecPodMetricsEndpointsScheme.HTTP }],
      },
    });
  }
}
