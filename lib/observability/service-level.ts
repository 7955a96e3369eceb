import { Construct } from 'constructs';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/monitoring.coreos.com';
import { SystemChart } from '../chart';
import { fail } from '../core/errors';
import { stableLabels } from '../core/labels';
import { namespacedMeta } from '../core/metadata';
import { Environment } from '../environments/environment';
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
 * The label ingress-nginx's `namespace` (the Ingress's) arrives under: its ServiceMonitor
 * does not honor the exporter's labels (the chart's default), so Prometheus's own
 * `namespace` (the controller's) wins and the original is kept as `exported_namespace`.
 */
export const INGRESS_NAMESPACE_LABEL = 'exported_namespace';

/** The series an SLI counts, as the promtool tests feed them (lib/observability/slo-tests.ts). */
export interface IndicatorSeries {
  /** Where the SLI is measured. */
  readonly source: 'application' | 'ingress';
  /** The labels every counted series carries (the selector, as equalities). */
  readonly labels: Readonly<Record<string, string>>;
  /** The request counter; the status label says which failed. */
  readonly requests: string;
  /** The latency histogram's base name. */
  readonly duration: string;
  /**
   * Labels of series that carry the same metrics but must not count (a per-color Service's
   * job, the preview host's Ingress), whether or not a canary runs: the tests feed them failing.
   */
  readonly decoy?: Readonly<Record<string, string>>;
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
   * is measured in the application, else at the ingress controller.
   * @default - not scraped: measured at the ingress controller
   */
  readonly custom?: readonly CustomMetric[];
  /** The `job` values of the Services users reach (the live Service; the preview too while a canary sends users there). */
  readonly jobs: readonly string[];
  /** Whether a canary Ingress sends a share of the users to the preview Service. */
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

/**
 * A user-facing service's SLOs as a PrometheusRule `<service>-slo`: per objective, the error
 * ratio over every window ({@link SLI_WINDOWS}) as recording rules, and one
 * {@link BURN_ALERT} rule per window pair of {@link BURN_RATE_ALERTS}.
 *
 * Counting is per service: the application SLI sums `http_requests_total` over the pods of the
 * Services users reach (a pod is behind exactly one of the live and preview Services; the
 * per-color Services are never scraped), the ingress SLI counts each request once, where the
 * controller served it. A service with no traffic has no ratio (0/0) and never alerts: its
 * "service down" alert covers that.
 */
export class ServiceLevelObjectives extends Construct {
  public readonly rule: PrometheusRule;
  public readonly service: string;
  public readonly spec: ServiceLevelSpec;
  public readonly indicator: IndicatorSeries;
  public readonly objectives: readonly RenderedObjective[];
  /** The selector (inside braces) of the counted series. */
  public readonly selector: string;

  constructor(scope: Construct, id: string, props: ServiceLevelObjectivesProps) {
    super(scope, id);
    const env = Environment.of(this);
    const chart = SystemChart.of(this);
    const { spec, service } = props;
    this.service = service;
    this.spec = spec;
    checkObjective(this, 'availability', spec.availability);
    if (!spec.basis?.trim()) {
      fail(this, 'the SLO has no basis', 'say where its numbers come from, e.g. "document 001: 99.9 % uptime"');
    }
    const declared = (name: string) => (props.custom ?? []).find((m): m is MetricSpec => !isRatio(m) && m.name === name);
    const requests = declared(HTTP_REQUESTS);
    const source = requests ? 'application' : 'ingress';
    if (source === 'ingress' && !env.servesIngressNginx) {
      fail(this, `${service} exports no ${HTTP_REQUESTS}, so its SLO would be measured at ingress-nginx, which ${env.name}'s edge (${env.settings.edge}) does not run`,
        `declare the service's own HTTP metrics (metrics.custom: httpServerMetrics()), or set slo: false in ${env.name} and let its endpoint probes watch it`);
    }
    if (requests && (requests.type !== 'counter' || !(requests.labels ?? []).includes('status'))) {
      fail(this, `${HTTP_REQUESTS} is declared without a "status" label or not as a counter`,
        'declare it with httpServerMetrics() (lib/observability/catalogue.ts): the SLO counts failures by status');
    }
    let buckets: readonly number[] = DEFAULT_BUCKETS; // ingress-nginx's request duration buckets
    if (spec.latency) {
      checkObjective(this, 'latency percentile', spec.latency.percentile);
      if (source === 'application') {
        const duration = declared(HTTP_DURATION);
        if (!duration || duration.type !== 'histogram') {
          fail(this, `a latency objective needs the histogram ${HTTP_DURATION}, which ${service} does not declare`,
            'declare it with httpServerMetrics() in the scrape\'s custom metrics, or drop the latency objective');
        }
        buckets = bucketsOf(duration);
      }
      if (!buckets.includes(spec.latency.thresholdSeconds)) {
        fail(this, `latency threshold ${spec.latency.thresholdSeconds}s is not a bucket bound of ${source === 'application' ? HTTP_DURATION : 'the ingress controller\'s histogram'} (${buckets.join(', ')})`,
          `use one of those bounds, or add ${spec.latency.thresholdSeconds} to the histogram's buckets: the SLI counts the requests in that bucket`);
      }
    }

    const ns = chart.namespaceName;
    const objectives: RenderedObjective[] = [
      { slo: 'availability', objective: spec.availability, budget: clean(1 - spec.availability) },
      ...(spec.latency ? [{
        slo: 'latency' as const, objective: spec.latency.percentile, budget: clean(1 - spec.latency.percentile),
        thresholdSeconds: spec.latency.thresholdSeconds,
      }] : []),
    ];
    this.objectives = objectives;
    if (source === 'application') {
      this.selector = `namespace="${ns}", ${jobMatcher(props.jobs)}`;
      this.indicator = {
        source, labels: { namespace: ns, job: props.jobs[0] }, requests: HTTP_REQUESTS, duration: HTTP_DURATION,
        // A per-color Service is never scraped; were it, each pod would count twice.
        ...(props.preview ? { decoy: { namespace: ns, job: `${service}-blue` } } : {}),
      };
    } else {
      // ingress-nginx labels each request with the backend Service. A canary Ingress sends
      // users to the preview Service; the preview host's own Ingress (testers) does not count.
      this.selector = props.canary
        ? `${INGRESS_NAMESPACE_LABEL}="${ns}", service=~"${service}|${service}-preview", ingress!="${service}-preview"`
        : `${INGRESS_NAMESPACE_LABEL}="${ns}", service="${service}"`;
      this.indicator = {
        source, labels: { [INGRESS_NAMESPACE_LABEL]: ns, service, ingress: service },
        requests: 'nginx_ingress_controller_requests', duration: 'nginx_ingress_controller_request_duration_seconds',
        ...(props.preview ? { decoy: { [INGRESS_NAMESPACE_LABEL]: ns, service: `${service}-preview`, ingress: `${service}-preview` } } : {}),
      };
    }
    const sel = this.selector;
    const ratio = (o: RenderedObjective, w: string) => o.slo === 'availability'
      ? `sum(rate(${this.indicator.requests}{${sel}, status=~"5.."}[${w}])) / sum(rate(${this.indicator.requests}{${sel}}[${w}]))`
      : `1 - (sum(rate(${this.indicator.duration}_bucket{${sel}, ${leMatcher(o.thresholdSeconds!)}}[${w}])) / sum(rate(${this.indicator.duration}_count{${sel}}[${w}])))`;

    const ruleLabels = (o: RenderedObjective) => ({ namespace: ns, service, slo: o.slo });
    const groups = objectives.map(o => {
      const match = `{namespace="${ns}", service="${service}", slo="${o.slo}"}`;
      const what = o.slo === 'availability'
        ? `${pct(o.objective)} of requests succeed`
        : `${pct(o.objective)} of requests are faster than ${o.thresholdSeconds! * 1000} ms`;
      const records = SLI_WINDOWS.map(w => ({ record: errorRatioRecord(w), expr: ratio(o, w), labels: ruleLabels(o) }));
      const alerts = BURN_RATE_ALERTS.map(a => ({
        alert: BURN_ALERT,
        expr: `${errorRatioRecord(a.long)}${match} > (${a.factor} * ${o.budget}) and ${errorRatioRecord(a.short)}${match} > (${a.factor} * ${o.budget})`,
        labels: {
          severity: a.severity, long_window: a.long, short_window: a.short,
          // `namespace`: the system's AlertmanagerConfig routes only its own namespace's alerts.
          system: chart.system, environment: env.name, namespace: ns,
        },
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
    for (const g of groups) {
      for (const r of g.rules) {
        const name = 'record' in r ? r.record : `${r.alert} ${r.labels.long_window}`;
        validatePromQL(this, `SLO rule ${name}`, r.expr, ['vector']);
        if ('annotations' in r) {
          validateGoTemplate(this, `SLO alert ${name} description`, r.annotations.description);
        }
      }
    }
    const name = `${service}-slo`;
    this.rule = new PrometheusRule(this, 'Resource', {
      metadata: namespacedMeta(this, name, {
        ...stableLabels({ name, instance: name, component: 'slo', partOf: chart.system }),
        ...env.settings.prometheusSelector,
      }),
      spec: {
        groups: groups.map(g => ({
          name: g.name,
          rules: g.rules.map(r => 'record' in r
            ? { record: r.record, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr), labels: r.labels }
            : { alert: r.alert, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr), labels: r.labels, annotations: r.annotations }),
        })),
      },
    });
  }
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
