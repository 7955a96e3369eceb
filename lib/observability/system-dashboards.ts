import { Construct } from 'constructs';
import { EndpointProbes } from '../monitoring/endpoint-probes';
import { SystemChart } from '../chart';
import { checkUnique } from '../core/checks';
import { fail } from '../core/errors';
import { IMPLEMENTATIONS } from '../gateway/implementations';
import { WebRoute } from '../gateway/web-route';
import { WebIngress } from '../ingress/web-ingress';
import { PodScrape } from '../monitoring/pod-monitor';
import { Monitor } from '../monitoring/service-monitor';
import { Microservice } from '../workload/microservice';
import { CATALOGUE_GROUPS } from './catalogue';
import { Dashboard, PanelSpec, PanelThreshold, RowSpec } from './dashboard';
import { CustomMetric, isRatio, metricId } from './metric';
import {
  autoscalingPanels, GatewayModel, gatewaySecurityPanels, IngressModel, metricPanel, networkPanel, probeSecurityPanels, resourcePanels, ScrapedWorkload, securityPanels, sloPanels,
  storagePanel, targetsPanel, trafficPanels, trafficSourceOf,
} from './panels';

/**
 * What a row of a dashboard shows. Each kind is derived from the system's services as they
 * are declared, so a new service (or a new metric, SLO, HPA or Ingress) gets its panels on
 * every dashboard that shows its kind, with no dashboard code touched.
 */
export type PanelSource =
  /** Scrape targets up, per job of every scraped workload. */
  | { readonly show: 'targets' }
  /** CPU and memory of each container against its limit. */
  | { readonly show: 'resources' }
  /** Network traffic per pod. */
  | { readonly show: 'network' }
  /** Volume use per claim, with an optional "full" line. */
  | { readonly show: 'storage'; readonly fullAt?: PanelThreshold }
  /** Requests, error ratio and latency of each service with an SLO or HTTP metrics. */
  | { readonly show: 'traffic' }
  /** The burn rate of each SLO. */
  | { readonly show: 'slo' }
  /** Replicas and Pods metrics of each autoscaled service. */
  | { readonly show: 'autoscaling' }
  /** One panel per declared custom metric (or ratio) of this group. */
  | { readonly show: 'metrics'; readonly group: string }
  /** Denied requests, 4xx, 503s and certificate lifetimes of every Ingress. */
  | { readonly show: 'security' };

/** A row: a title and what it shows, optionally only for some workloads. */
export type RowSource = PanelSource & {
  /** Row title. */
  readonly title: string;
  /**
   * Only these workloads (services, workers, datastores) of the system.
   * @default - every workload
   */
  readonly workloads?: readonly string[];
};

/** One dashboard a design document names. */
export interface SystemDashboardSpec {
  /** Short id, the uid's suffix: `<system>-<id>`. */
  readonly id: string;
  /** Title as the document names it. */
  readonly title: string;
  /** What it is for; say which document names it. */
  readonly description: string;
  /** Its rows. */
  readonly rows: readonly RowSource[];
}

export interface SystemDashboardsProps {
  /** The dashboards. */
  readonly dashboards: readonly SystemDashboardSpec[];
  /**
   * Grafana folder.
   * @default - the system's name
   */
  readonly folder?: string;
}

/** A system's services, as the panels read them. */
interface ServiceModel {
  readonly namespace: string;
  readonly scraped: readonly ScrapedWorkload[];
  readonly services: readonly Microservice[];
  readonly ingresses: readonly IngressModel[];
  /** Where its HTTPRoutes are served, when it has any. */
  readonly gateway?: GatewayModel;
  /** The system probes its public hosts from outside (blackbox Probes). */
  readonly probed: boolean;
  /** Every workload name (scraped or serving), for row filters. */
  readonly workloads: readonly string[];
}

/** Reads the system's model from its constructs. */
function serviceModel(chart: SystemChart): ServiceModel {
  const all = chart.node.findAll();
  // ServiceMonitors of our workloads, PodMonitors of the operators' pods.
  const scraped = all.filter((c): c is Monitor | PodScrape => c instanceof Monitor || c instanceof PodScrape)
    .map(m => ({ workload: m.workload, namespace: m.namespace, jobs: m.jobs, custom: m.custom }));
  const services = all.filter((c): c is Microservice => c instanceof Microservice);
  const ingresses = all.filter((c): c is WebIngress => c instanceof WebIngress)
    .flatMap(i => [{ name: i.name, hosts: i.hosts }, ...i.canaries.map(c => ({ name: c.metadata.name!, hosts: i.hosts }))]);
  const workloads = [...new Set([...scraped.map(s => s.workload), ...services.map(s => s.name)])];
  const probed = all.some(c => c instanceof EndpointProbes);
  const settings = chart.environment.settings.gateway;
  const gateway = all.some(c => c instanceof WebRoute)
    ? { proxies: settings.dataPlane.namespace, metrics: IMPLEMENTATIONS[settings.implementation].proxyMetrics } : undefined;
  return { namespace: chart.namespaceName, scraped, services, ingresses, gateway, probed, workloads };
}

/** The panels of one row, derived from the model. */
function rowPanels(model: ServiceModel, row: RowSource): PanelSpec[] {
  const only = row.workloads ? new Set(row.workloads) : undefined;
  const keep = (name: string) => !only || only.has(name);
  const scraped = model.scraped.filter(s => keep(s.workload));
  const services = model.services.filter(s => keep(s.name));
  switch (row.show) {
    case 'targets': return scraped.length ? [targetsPanel(scraped)] : [];
    case 'resources': return resourcePanels(model.namespace, row.workloads);
    case 'network': return [networkPanel(model.namespace, row.workloads)];
    case 'storage': return [storagePanel(model.namespace, row.fullAt)];
    case 'traffic': return services.flatMap(s => trafficSourceOf(s.name, s.slo, scraped.find(w => w.workload === s.name)).flatMap(trafficPanels));
    case 'slo': return services.flatMap(s => (s.slo ? sloPanels(s.slo) : []));
    case 'autoscaling': return services.flatMap(s => (s.autoscaling
      ? autoscalingPanels(s, s.name, s.autoscaling, scraped.find(w => w.workload === s.name), model.namespace) : []));
    case 'metrics': {
      const entries = scraped.flatMap(w => w.custom.filter(m => m.group === row.group).map(m => ({ w, m })));
      const ids = entries.map(e => metricId(e.m));
      // The same metric from two workloads (two exporters): the workload tells them apart.
      return entries.map(({ w, m }) => metricPanel(w, m, ids.filter(i => i === metricId(m)).length > 1
        ? `${w.workload}: ${panelTitle(m)}` : panelTitle(m)));
    }
    // Each edge that serves the system; where ingress-nginx does not, the certificates as the probes see them.
    case 'security': return [
      ...(model.ingresses.length ? securityPanels(model.namespace, model.ingresses) : []),
      ...(model.gateway ? gatewaySecurityPanels(model.namespace, model.gateway) : []),
      ...(!model.ingresses.length && model.probed ? probeSecurityPanels(model.namespace) : []),
    ];
  }
}

/** A metric's panel title: its declared title, else its name (a ratio: its title). */
function panelTitle(m: CustomMetric): string {
  return isRatio(m) ? m.title : m.title ?? m.name;
}

/**
 * A system's dashboards (the ones its design documents name), each a {@link Dashboard}
 * ConfigMap, with rows derived from the system's services. Build it after the services: a
 * service added later would be missing, which is refused.
 */
export class SystemDashboards extends Construct {
  public readonly dashboards: readonly Dashboard[];

  constructor(scope: Construct, id: string, props: SystemDashboardsProps) {
    super(scope, id);
    const chart = SystemChart.of(this);
    const env = chart.environment;
    checkUnique(this, 'dashboard id', props.dashboards.map(d => d.id));
    const model = serviceModel(chart);
    for (const d of props.dashboards) {
      for (const w of d.rows.flatMap(r => r.workloads ?? [])) {
        if (!model.workloads.includes(w)) {
          fail(this, `dashboard ${d.id} row lists the workload "${w}", which the system does not have`, `use one of: ${model.workloads.join(', ')}`);
        }
      }
    }
    // Every group a service's own metric is declared in is shown somewhere: a typo would hide
    // the metric. The catalogues' groups are a menu (a system may leave a datastore's detail out).
    const shown = new Set(props.dashboards.flatMap(d => d.rows.flatMap(r => (r.show === 'metrics' ? [r.group] : []))));
    for (const w of model.scraped) {
      for (const m of w.custom) {
        if (m.group !== undefined && !shown.has(m.group) && !CATALOGUE_GROUPS.has(m.group)) {
          fail(this, `${w.workload} declares ${metricId(m)} in the dashboard group "${m.group}", which no dashboard shows`,
            `use a group a dashboard shows (${[...shown].join(', ') || 'none yet'}), or add a row { show: 'metrics', group: '${m.group}' }`);
        }
      }
    }
    this.dashboards = props.dashboards.map(d => {
      const rows: RowSpec[] = d.rows.map(r => {
        const panels = rowPanels(model, r);
        if (panels.length === 0) {
          fail(this, `dashboard ${d.id} row "${r.title}" (${r.show}${r.show === 'metrics' ? ` ${r.group}` : ''}) shows nothing: no workload declares what it needs`,
            'remove the row, or declare the metrics, SLOs, autoscaling or Ingresses it draws');
        }
        return { title: r.title, panels };
      });
      return new Dashboard(this, d.id, {
        uid: `${chart.system}-${d.id}`,
        title: d.title,
        description: d.description,
        folder: props.folder ?? chart.system,
        tags: [chart.system, env.name],
        rows,
      });
    });
    // A service built after the dashboards would have no panels.
    const seen = model.scraped.length + model.services.length;
    this.node.addValidation({
      validate: () => {
        const now = chart.node.findAll().filter(c => c instanceof Monitor || c instanceof PodScrape || c instanceof Microservice).length;
        return now === seen ? []
          : [`a service or scrape was added after the dashboards were built, so it has no panels. Fix: build SystemDashboards last in ${chart.system}'s builder`];
      },
    });
  }
}
