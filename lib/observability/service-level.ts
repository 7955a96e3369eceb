import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/monitoring.coreos.com';
import { SystemChart } from '../chart';
import { fail } from '../core/errors';
import { stableLabels } from '../core/labels';
import { namespacedMeta } from '../core/metadata';
import { Environment } from '../environments/environment';
import { IMPLEMENTATIONS } from '../gateway/implementations';
import { routeRules } from '../gateway/web-route';
import { systemAlertLabels } from '../monitoring/alert-rules';
import { validateGoTemplate, validatePromQL } from '../monitoring/promql';
import { HTTP_DURATION, HTTP_REQUESTS } from './catalogue';
import { bucketsOf, CustomMetric, DEFAULT_BUCKETS, isRatio, jobMatcher, leMatcher, MetricSpec } from './metric';

/**
 * Service level objectives as the Google SRE workbook builds them (chapter 5, "Alerting on
 * SLOs"): an error ratio per window as recording rules, and multi-window, multi-burn-rate
 * alerts over a 30-day budget: page when the budget burns 14.4× too fast over 1 h (2 % of
 * it gone) or 6× over 6 h (5 %); open a ticket at 3× over 1 d or 1× over 3 d (10 %). Each
 * long window is paired with a short one (1/12 of it) that must burn too, so an alert
 * resolves within minutes of the problem ending instead of hours.
 */

/** A latency objective: `percentile` of requests faster than `thresholdSeconds`. */
export interface LatencyObjective {
  /** Share of requests that must be faster than the threshold, e.g. 0.95 for "p95 < 500 ms". */
  readonly percentile: number;
  /** The threshold in seconds; a bucket bound of the measured histogram (the SLI counts that bucket). */
  readonly thresholdSeconds: number;
}

/** What a user-facing service promises. */
export interface ServiceLevelSpec {
  /** Share of requests that must not fail (answered 5xx), e.g. 0.999 for "99.9 % uptime". */
  readonly availability: number;
  /**
   * The latency objective.
   * @default - none (e.g. WebSocket and streaming services, whose requests last as long as a session)
   */
  readonly latency?: LatencyObjective;
  /** Where the numbers come from, e.g. "document 001: 99.9 % uptime, p95 < 500 ms". */
  readonly basis: string;
}

/** The objectives a Microservice declares: `false` for a service users never reach. */
export type ServiceLevelProp = ServiceLevelSpec | false;

/** The multi-window, multi-burn-rate alerts (SRE workbook, table 5-8). */
export const BURN_RATE_ALERTS = [
  { long: '1h', short: '5m', factor: 14.4, severity: 'critical', action: 'page', spent: '2 % of the 30-day budget in 1 hour' },
  { long: '6h', short: '30m', factor: 6, severity: 'critical', action: 'page', spent: '5 % of the 30-day budget in 6 hours' },
  { long: '1d', short: '2h', factor: 3, severity: 'warning', action: 'ticket', spent: '10 % of the 30-day budget in 1 day' },
  { long: '3d', short: '6h', factor: 1, severity: 'warning', action: 'ticket', spent: '10 % of the 30-day budget in 3 days' },
] as const;
export type BurnRateAlert = typeof BURN_RATE_ALERTS[number];

/** The windows whose error ratio is recorded: every long and short window above. */
export const SLI_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;

/** The recording rule holding the error ratio over `window`. */
export function errorRatioRecord(window: string): string {
  return `slo:sli_error:ratio_rate${window}`;
}

/** The alert every burn-rate rule raises (one rule per window pair; labels say which). */
export const BURN_ALERT = 'ErrorBudgetBurn';

/**
 * The alert of an SLI measured at the Gateway whose series are gone: its proxies unscraped, or
 * its route rules not programmed. Without it such an SLO would go quiet instead of burning.
 */
export const SLI_ABSENT_ALERT = 'ServiceLevelIndicatorAbsent';
/** How long the SLI must be gone before {@link SLI_ABSENT_ALERT} fires. */
export const SLI_ABSENT_FOR = '5m';

/**
 * The label ingress-nginx's `namespace` (the Ingress's) arrives under: its ServiceMonitor
 * does not honor the exporter's labels (the chart's default), so Prometheus's own
 * `namespace` (the controller's) wins and the original is kept as `exported_namespace`.
 */
export const INGRESS_NAMESPACE_LABEL = 'exported_namespace';

/** Where an SLI is measured. */
export type IndicatorSource = 'application' | 'ingress' | 'gateway';

/** The series an SLI counts at one place, as the rules read them and the promtool tests feed them. */
export interface IndicatorSeries {
  /** Where the SLI is measured. */
  readonly source: IndicatorSource;
  /** Where, said in a description: "at the Gateway's proxies". */
  readonly where: string;
  /** The selector (inside braces) of the counted series. */
  readonly selector: string;
  /** The labels a counted series carries (the selector, as equalities). */
  readonly labels: Readonly<Record<string, string>>;
  /** The counter of responses; its status label says which failed. */
  readonly requests: string;
  /** The label holding the response's status: its code (`503`), or only its class (`5`). */
  readonly status: { readonly label: string; readonly classOnly: boolean };
  /** The latency histogram's base name. */
  readonly duration: string;
  /** How many of the histogram's units make a second: 1 (seconds), 1000 (milliseconds). */
  readonly durationUnitsPerSecond: number;
  /**
   * Labels of series that carry the same metrics but must not count (a per-color Service's
   * job, the preview host's Ingress or route), whether or not a canary runs: the tests feed them failing.
   */
  readonly decoy?: Readonly<Record<string, string>>;
  /**
   * Series that exist while the SLI is measured, requests or not, one per part of it (the
   * Gateway's: each route rule's cluster); a part without its series makes
   * {@link SLI_ABSENT_ALERT} fire for that part.
   */
  readonly presence?: readonly PresenceSeries[];
}

/** The series whose presence says one part of an SLI is measured. */
export interface PresenceSeries {
  /** The part, e.g. the route rule's cluster `httproute/shop/web/rule/0`; the alert's `route_rule` label. */
  readonly part: string;
  /** The series selector, metric and matchers, that absent() reads. */
  readonly series: string;
  /** The metric's name. */
  readonly metric: string;
  /** The labels of one series the selector matches (the tests feed it). */
  readonly sample: Readonly<Record<string, string>>;
}

/** The matcher of responses of status class `c` (5 for 5xx). */
export function statusClassMatcher(ind: Pick<IndicatorSeries, 'status'>, c: number): string {
  return ind.status.classOnly ? `${ind.status.label}="${c}"` : `${ind.status.label}=~"${c}.."`;
}

/** The status label's value for a response with `code`. */
export function statusValue(ind: Pick<IndicatorSeries, 'status'>, code: number): string {
  return ind.status.classOnly ? String(Math.floor(code / 100)) : String(code);
}

/** A bound in seconds in the histogram's unit (0.5 s is `500` for milliseconds). */
export function bucketBound(ind: Pick<IndicatorSeries, 'durationUnitsPerSecond'>, seconds: number): number {
  return clean(seconds * ind.durationUnitsPerSecond);
}

/** One objective, as rendered. */
export interface RenderedObjective {
  /** `availability` or `latency`. */
  readonly slo: 'availability' | 'latency';
  /** The objective, e.g. 0.999. */
  readonly objective: number;
  /** 1 − objective: the error ratio that uses up the budget exactly over 30 days. */
  readonly budget: number;
  /** The latency threshold, for a latency objective. */
  readonly thresholdSeconds?: number;
}

export interface ServiceLevelObjectivesProps {
  /** The service (its `service` label in the rules), e.g. `api-server`. */
  readonly service: string;
  /** The objectives. */
  readonly spec: ServiceLevelSpec;
  /**
   * What the service's scrape declares it exposes; with `http_requests_total{status}` the SLI
   * is measured in the application, else at the edge: ingress-nginx, the Gateway's proxies,
   * or both summed during a cut-over (edge "both").
   * @default - not scraped: measured at the edge
   */
  readonly custom?: readonly CustomMetric[];
  /** The `job` values of the Services users reach (the live Service; the preview too while a canary sends users there). */
  readonly jobs: readonly string[];
  /** Whether a canary sends a share of the users to the preview Service. */
  readonly canary: boolean;
  /**
   * Whether the service has a preview Service (blue/green), whose traffic is not the users'.
   * @default false
   */
  readonly preview?: boolean;
}

/** Rounds away floating-point noise (1 − 0.999 = 0.0010000000000000009). */
function clean(n: number): number {
  return Number(n.toPrecision(12));
}

interface RenderedRules {
  readonly indicators: readonly IndicatorSeries[];
  readonly groups: readonly { name: string; rules: readonly any[] }[];
  /** The Gateway clusters counted, when measured there: a route added later would be missed. */
  readonly clusters: readonly string[];
}

/**
 * A user-facing service's SLOs as a PrometheusRule `<service>-slo`: per objective, the error
 * ratio over every window ({@link SLI_WINDOWS}) as recording rules, and one
 * {@link BURN_ALERT} rule per window pair of {@link BURN_RATE_ALERTS}.
 *
 * Counting is per service: the application SLI sums `http_requests_total` over the pods of the
 * Services users reach (a pod is behind exactly one of the live and preview Services; the
 * per-color Services are never scraped); an edge SLI counts each request once, where the edge
 * served it: ingress-nginx by the backend Service, the Gateway's proxies by the HTTPRoute rules
 * that send users to the live Service (a canary shares its rule; the preview host's route does
 * not count). Those rules are read from the routes at synth, so a route may be built after the
 * service. A service with no traffic has no ratio (0/0) and never alerts: its "service down"
 * alert covers that, and at the Gateway {@link SLI_ABSENT_ALERT} covers a route that is not there.
 */
export class ServiceLevelObjectives extends Construct {
  public readonly rule: PrometheusRule;
  public readonly service: string;
  public readonly spec: ServiceLevelSpec;
  public readonly objectives: readonly RenderedObjective[];
  /** Where the SLI is measured: one place, or both edges during a cut-over. */
  public readonly sources: readonly IndicatorSource[];
  private readonly props: ServiceLevelObjectivesProps;
  private rendered?: RenderedRules;

  constructor(scope: Construct, id: string, props: ServiceLevelObjectivesProps) {
    super(scope, id);
    const env = Environment.of(this);
    const chart = SystemChart.of(this);
    const { spec, service } = props;
    this.props = props;
    this.service = service;
    this.spec = spec;
    checkObjective(this, 'availability', spec.availability);
    if (!spec.basis?.trim()) {
      fail(this, 'the SLO has no basis', 'say where its numbers come from, e.g. "document 001: 99.9 % uptime"');
    }
    const requests = declared(props, HTTP_REQUESTS);
    if (requests && (requests.type !== 'counter' || !(requests.labels ?? []).includes('status'))) {
      fail(this, `${HTTP_REQUESTS} is declared without a "status" label or not as a counter`,
        'declare it with httpServerMetrics() (lib/observability/catalogue.ts): the SLO counts failures by status');
    }
    this.sources = requests ? ['application']
      : [...(env.servesIngressNginx ? ['ingress' as const] : []), ...(env.servesGatewayApi ? ['gateway' as const] : [])];
    if (spec.latency) {
      checkObjective(this, 'latency percentile', spec.latency.percentile);
      for (const source of this.sources) {
        let buckets: readonly number[];
        let histogram: string;
        if (source === 'application') {
          const duration = declared(props, HTTP_DURATION);
          if (!duration || duration.type !== 'histogram') {
            fail(this, `a latency objective needs the histogram ${HTTP_DURATION}, which ${service} does not declare`,
              'declare it with httpServerMetrics() in the scrape\'s custom metrics, or drop the latency objective');
          }
          buckets = bucketsOf(duration);
          histogram = HTTP_DURATION;
        } else if (source === 'ingress') {
          buckets = DEFAULT_BUCKETS; // ingress-nginx's request duration buckets
          histogram = 'ingress-nginx\'s request duration histogram';
        } else {
          buckets = IMPLEMENTATIONS[env.settings.gateway.implementation].proxyMetrics.bucketsSeconds;
          histogram = `${env.settings.gateway.implementation}'s upstream request time histogram`;
        }
        const bound = clean(spec.latency.thresholdSeconds * (source === 'gateway' ? IMPLEMENTATIONS[env.settings.gateway.implementation].proxyMetrics.durationUnitsPerSecond : 1));
        if (bound < 1e-4 || bound >= 1e6) {
          // Prometheus 3 stores `le` as Go's shortest float ('g'): 1e-05, 1.8e+06.
          fail(this, `latency threshold ${spec.latency.thresholdSeconds}s is the bucket bound ${bound} of ${histogram}, which Prometheus 3 writes in exponent form`,
            'use a threshold between 0.1 ms and 1,000 s (in the histogram\'s unit, from 0.0001 to 999999)');
        }
        if (!buckets.includes(spec.latency.thresholdSeconds)) {
          fail(this, `latency threshold ${spec.latency.thresholdSeconds}s is not a bucket bound of ${histogram} (${buckets.join(', ')} seconds)`,
            `use one of those bounds${source === 'application' ? `, or add ${spec.latency.thresholdSeconds} to the histogram's buckets` : ''}: the SLI counts the requests in that bucket`);
        }
      }
    }
    this.objectives = [
      { slo: 'availability', objective: spec.availability, budget: clean(1 - spec.availability) },
      ...(spec.latency ? [{
        slo: 'latency' as const, objective: spec.latency.percentile, budget: clean(1 - spec.latency.percentile),
        thresholdSeconds: spec.latency.thresholdSeconds,
      }] : []),
    ];

    const name = `${service}-slo`;
    this.rule = new PrometheusRule(this, 'Resource', {
      metadata: namespacedMeta(this, name, {
        ...stableLabels({ name, instance: name, component: 'slo', partOf: chart.system }),
        ...env.settings.prometheusSelector,
      }),
      spec: {
        // At synth: the Gateway's SLI counts the rules of routes built after the service.
        groups: Lazy.any({
          produce: () => this.render().groups.map(g => ({
            name: g.name,
            rules: g.rules.map(r => 'record' in r
              ? { record: r.record, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr), labels: r.labels }
              : { alert: r.alert, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr), ...(r.for ? { for: r.for } : {}), labels: r.labels, annotations: r.annotations }),
          })),
        }),
      },
    });
    this.node.addValidation({
      validate: () => {
        if (!this.sources.includes('gateway')) { return []; }
        const before = this.render().clusters;
        const now = this.gatewayClusters().counted;
        return before.join() === now.join() ? []
          : [`an HTTPRoute rule to ${service} was built after its SLO was read (by the dashboards), so the SLO misses it. Fix: build the routes before SystemDashboards`];
      },
    });
  }

  /** The series the SLI counts, one per place it is measured (read at synth, or by the dashboards built last). */
  public get indicators(): readonly IndicatorSeries[] {
    return this.render().indicators;
  }

  /** The HTTPRoute rules of this environment that send users to the live Service, as the proxies name their clusters; and the preview's. */
  private gatewayClusters(): { counted: string[]; preview: string[] } {
    const env = Environment.of(this);
    const ns = SystemChart.of(this).namespaceName;
    const metrics = IMPLEMENTATIONS[env.settings.gateway.implementation].proxyMetrics;
    const rules = routeRules(this, env.name);
    const clusters = (serviceName: string) => rules.filter(r => r.serviceNamespace === ns && r.serviceName === serviceName)
      .map(r => metrics.clusterOf(r.namespace, r.route, r.index)).sort();
    return { counted: clusters(this.service), preview: clusters(`${this.service}-preview`) };
  }

  private render(): RenderedRules {
    if (this.rendered) { return this.rendered; }
    const env = Environment.of(this);
    const chart = SystemChart.of(this);
    const ns = chart.namespaceName;
    const { service, spec, props } = this;
    let clusters: string[] = [];
    const indicators = this.sources.map((source): IndicatorSeries => {
      if (source === 'application') {
        return {
          source, where: 'as the service counts them',
          selector: `namespace="${ns}", ${jobMatcher(props.jobs)}`,
          labels: { namespace: ns, job: props.jobs[0] },
          requests: HTTP_REQUESTS, status: { label: 'status', classOnly: false },
          duration: HTTP_DURATION, durationUnitsPerSecond: 1,
          // A per-color Service is never scraped; were it, each pod would count twice.
          ...(props.preview ? { decoy: { namespace: ns, job: `${service}-blue` } } : {}),
        };
      }
      if (source === 'ingress') {
        return {
          source, where: 'at the ingress controller',
          // ingress-nginx labels each request with the backend Service. A canary Ingress sends
          // users to the preview Service; the preview host's own Ingress (testers) does not count.
          selector: props.canary
            ? `${INGRESS_NAMESPACE_LABEL}="${ns}", service=~"${service}|${service}-preview", ingress!="${service}-preview"`
            : `${INGRESS_NAMESPACE_LABEL}="${ns}", service="${service}"`,
          labels: { [INGRESS_NAMESPACE_LABEL]: ns, service, ingress: service },
          requests: 'nginx_ingress_controller_requests', status: { label: 'status', classOnly: false },
          duration: 'nginx_ingress_controller_request_duration_seconds', durationUnitsPerSecond: 1,
          ...(props.preview ? { decoy: { [INGRESS_NAMESPACE_LABEL]: ns, service: `${service}-preview`, ingress: `${service}-preview` } } : {}),
        };
      }
      const metrics = IMPLEMENTATIONS[env.settings.gateway.implementation].proxyMetrics;
      const proxies = env.settings.gateway.dataPlane.namespace;
      const found = this.gatewayClusters();
      clusters = found.counted;
      if (clusters.length === 0) {
        fail(this, `${service}'s SLO is measured at the Gateway (${service} exports no ${HTTP_REQUESTS}), but no HTTPRoute in ${env.name} sends users to its Service`,
          'route users to it (the Microservice\'s ingresses, or an EdgeRoute), declare its own HTTP metrics (metrics.custom: httpServerMetrics()), or set slo: false');
      }
      const clusterSelector = (names: readonly string[]) => `namespace="${proxies}", ${metrics.clusterLabel}=~"${metrics.clusterMatch(names)}"`;
      const selector = clusterSelector(clusters);
      return {
        source, where: 'at the Gateway\'s proxies',
        selector,
        labels: { namespace: proxies, [metrics.clusterLabel]: clusters[0] },
        requests: metrics.responses, status: { label: metrics.statusClassLabel, classOnly: true },
        duration: metrics.duration, durationUnitsPerSecond: metrics.durationUnitsPerSecond,
        // The preview host's route (testers) is a cluster of its own.
        ...(found.preview.length ? { decoy: { namespace: proxies, [metrics.clusterLabel]: found.preview[0] } } : {}),
        presence: clusters.map(cluster => ({
          part: cluster, metric: metrics.clusterGauge, series: `${metrics.clusterGauge}{${clusterSelector([cluster])}}`,
          sample: { namespace: proxies, [metrics.clusterLabel]: cluster },
        })),
      };
    });

    // Summed over the places it is measured; a place with no series yet counts 0.
    const sum = (terms: string[]) => terms.length === 1 ? terms[0] : `(${terms.map(t => `(${t} or vector(0))`).join(' + ')})`;
    const ratio = (o: RenderedObjective, w: string) => o.slo === 'availability'
      ? `${sum(indicators.map(i => `sum(rate(${i.requests}{${i.selector}, ${statusClassMatcher(i, 5)}}[${w}]))`))} / `
        + `${sum(indicators.map(i => `sum(rate(${i.requests}{${i.selector}}[${w}]))`))}`
      : `1 - (${sum(indicators.map(i => `sum(rate(${i.duration}_bucket{${i.selector}, ${leMatcher(bucketBound(i, o.thresholdSeconds!))}}[${w}]))`))} / `
        + `${sum(indicators.map(i => `sum(rate(${i.duration}_count{${i.selector}}[${w}]))`))})`;

    const ruleLabels = (o: RenderedObjective) => ({ namespace: ns, service, slo: o.slo });
    const alertLabels = systemAlertLabels(chart);
    const groups: { name: string; rules: any[] }[] = this.objectives.map(o => {
      const match = `{namespace="${ns}", service="${service}", slo="${o.slo}"}`;
      const what = o.slo === 'availability'
        ? `${pct(o.objective)} of requests succeed`
        : `${pct(o.objective)} of requests are faster than ${o.thresholdSeconds! * 1000} ms`;
      const records = SLI_WINDOWS.map(w => ({ record: errorRatioRecord(w), expr: ratio(o, w), labels: ruleLabels(o) }));
      const alerts = BURN_RATE_ALERTS.map(a => ({
        alert: BURN_ALERT,
        expr: `${errorRatioRecord(a.long)}${match} > (${a.factor} * ${o.budget}) and ${errorRatioRecord(a.short)}${match} > (${a.factor} * ${o.budget})`,
        labels: { severity: a.severity, long_window: a.long, short_window: a.short, ...alertLabels },
        annotations: {
          summary: `${service} burns its ${o.slo} error budget ${a.factor}× too fast (${a.action})`,
          // No {{ $value }}: the burn rate panel of the dashboards shows it, and a value in
          // the text makes promtool's expectations depend on rate()'s extrapolation.
          description: `Objective: ${what} over 30 days (budget ${pct(o.budget)}). Over the last ${a.long}, and still over the last ${a.short}, `
            + `more than ${a.factor} × ${pct(o.budget)} of requests missed it: ${a.factor}× the budget rate, which spends ${a.spent}. `
            + `Basis: ${spec.basis}.`,
        },
      }));
      return { name: `${service}-${o.slo}-slo`, rules: [...records, ...alerts] };
    });
    const parts = indicators.flatMap(i => (i.presence ?? []).map(p => ({ i, p })));
    if (parts.length) {
      groups.push({
        name: `${service}-sli`,
        rules: parts.map(({ i, p }) => ({
          alert: SLI_ABSENT_ALERT,
          expr: `absent(${p.series})`,
          for: SLI_ABSENT_FOR,
          labels: { severity: 'warning', service, route_rule: p.part, ...alertLabels },
          annotations: {
            summary: `${service}'s SLO does not measure ${p.part} ${i.where}`,
            description: `No series ${p.series} for ${SLI_ABSENT_FOR}. Either the proxies are not scraped (their PodMonitor, `
              + 'Prometheus\'s namespace selector), or the rule has no cluster: not programmed (the route\'s status), or every backend '
              + `without endpoints, which Envoy Gateway answers 503 itself. Its requests are not in the SLO meanwhile; the endpoint probes still watch ${service} from outside.`,
          },
        })),
      });
    }
    for (const g of groups) {
      for (const r of g.rules) {
        const what = 'record' in r ? r.record : `${r.alert}${r.labels.long_window ? ` ${r.labels.long_window}` : ''}`;
        validatePromQL(this, `SLO rule ${what}`, r.expr, ['vector']);
        if ('annotations' in r) {
          validateGoTemplate(this, `SLO alert ${what} description`, r.annotations.description);
        }
      }
    }
    this.rendered = { indicators, groups, clusters };
    return this.rendered;
  }
}

/** The metric the service's scrape declares under `name`. */
function declared(props: ServiceLevelObjectivesProps, name: string): MetricSpec | undefined {
  return (props.custom ?? []).find((m): m is MetricSpec => !isRatio(m) && m.name === name);
}

/** "99.9 %" for 0.999. */
export function pct(ratio: number): string {
  return `${clean(ratio * 100)} %`;
}

/**
 * An objective is a share of requests below 1; and a page must be possible: at 14.4× the
 * budget rate the error ratio must stay below 100 %, i.e. the objective above 1 − 1/14.4.
 */
function checkObjective(scope: Construct, what: string, value: number): void {
  const fastest = BURN_RATE_ALERTS[0].factor;
  if (typeof value !== 'number' || !(value > 0 && value < 1)) {
    fail(scope, `${what} objective ${value} is not a share between 0 and 1`, 'write it as a ratio, e.g. 0.999 for 99.9 %');
  }
  if ((1 - value) * fastest >= 1) {
    fail(scope, `${what} objective ${value} leaves a budget of ${pct(1 - value)}: burning it ${fastest}× too fast would need more than 100 % errors, so the page could never fire`,
      `use an objective above ${clean(1 - 1 / fastest)} (e.g. 0.95), or measure a different threshold`);
  }
}
