import { anyOf } from '../monitoring/promql';
import { IConstruct } from 'constructs';
import { checkUnique } from '../core/checks';
import { fail } from '../core/errors';

/**
 * What a service says it exposes on its metrics port, beyond the process and runtime metrics
 * every client library adds: the metric names its design document gives, typed, so that its
 * dashboards, SLOs and autoscaling panels are derived from the declaration (and a panel can
 * only read a series that some scrape really carries).
 */

/** How the pods' series of one metric combine into what a panel shows. */
export type Aggregate = 'sum' | 'max' | 'avg' | 'min';

/** What a metric's values measure; decides the panel's unit. */
export type MetricUnit = 'seconds' | 'milliseconds' | 'bytes' | 'ratio' | 'none';

/** A line on a panel: the document's target or alert threshold for the value. */
export interface MetricThreshold {
  /** The value, in the metric's unit (a counter's: per second). */
  readonly value: number;
  /** What the line is, e.g. "document 001 target < 50 ms". */
  readonly meaning: string;
}

/** A metric the service exposes itself. */
export interface MetricSpec {
  /**
   * The exposition name; a histogram by its base name (`…_seconds`, not `…_bucket`).
   * Must be the name the service really exports: panels read exactly this.
   */
  readonly name: string;
  /** Prometheus metric type. */
  readonly type: 'counter' | 'gauge' | 'histogram';
  /** What it counts or measures, in a sentence; the panel's description. */
  readonly help: string;
  /**
   * The title of its panel, when the document names the panel (AriaForge's "Active Users").
   * @default - the metric name
   */
  readonly title?: string;
  /**
   * How the pods' series combine: `sum` when each pod reports its own share (requests it
   * served, connections it holds); `max` when every replica reports the same reading of one
   * shared thing (an exporter's database, a queue in Redis) — summing those would count the
   * thing once per replica; `avg` for per-pod ratios; `min`. Histograms always sum their
   * buckets. There is no default: a wrong one silently doubles a number.
   */
  readonly aggregate: Aggregate;
  /**
   * The metric's own labels, which panels split by (`graph_operations_total{operation, status}`).
   * @default - none
   */
  readonly labels?: readonly string[];
  /**
   * What the values measure.
   * @default 'none' (a count)
   */
  readonly unit?: MetricUnit;
  /**
   * The dashboard group it is drawn in (a system's dashboards show groups by name, e.g.
   * `graph`, `dwcp`); without one it gets no panel of its own (e.g. the HTTP metrics, which
   * the traffic and SLO panels read).
   * @default - no panel of its own
   */
  readonly group?: string;
  /**
   * A target or alert threshold drawn on its panel.
   * @default - none
   */
  readonly threshold?: MetricThreshold;
  /**
   * A histogram's bucket upper bounds (`le`), as the service configures them; a latency SLO
   * needs a bucket at its threshold.
   * @default - the client libraries' defaults ({@link DEFAULT_BUCKETS})
   */
  readonly buckets?: readonly number[];
}

/** A ratio of counters the service exposes, drawn as one panel (e.g. a cache hit ratio). */
export interface RatioSpec {
  readonly type: 'ratio';
  /** The panel title, e.g. "PostgreSQL buffer cache hit ratio". */
  readonly title: string;
  /** What it shows, in a sentence. */
  readonly help: string;
  /** The counter counted in the numerator (declared as a counter of the same scrape). */
  readonly numerator: string;
  /** The counters summed in the denominator (declared as counters of the same scrape). */
  readonly denominator: readonly string[];
  /** The dashboard group it is drawn in. */
  readonly group: string;
  /**
   * A target or alert threshold drawn on its panel, as a ratio (0–1).
   * @default - none
   */
  readonly threshold?: MetricThreshold;
}

/** One entry of a scrape's `custom` declaration. */
export type CustomMetric = MetricSpec | RatioSpec;

/**
 * The default histogram buckets of the Go, Python and Node.js Prometheus clients (Python adds
 * 0.075, 0.75 and 7.5, which no SLO here needs) and of ingress-nginx.
 */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Labels the histogram and summary types own. */
const RESERVED_LABELS = new Set(['le', 'quantile']);
/**
 * Labels the ServiceMonitor's scrape sets on every series. An exposed label of the same name
 * is kept as `exported_<name>` (honorLabels is off), e.g. AriaForge's `endpoint`.
 */
const TARGET_LABELS = new Set(['job', 'instance', 'namespace', 'pod', 'service', 'endpoint', 'container']);

/** The name an exposed label has in Prometheus. */
export function seriesLabel(label: string): string {
  return TARGET_LABELS.has(label) ? `exported_${label}` : label;
}

/** The matcher of a scrape's `job` values: `job="a"` or `job=~"a|b"`. */
export function jobMatcher(jobs: readonly string[]): string {
  return jobs.length === 1 ? `job="${jobs[0]}"` : `job=~"${anyOf(jobs)}"`;
}

const AGGREGATES: readonly Aggregate[] = ['sum', 'max', 'avg', 'min'];
const UNITS: readonly MetricUnit[] = ['seconds', 'milliseconds', 'bytes', 'ratio', 'none'];

export function isRatio(m: CustomMetric): m is RatioSpec {
  return m.type === 'ratio';
}

/** The name a custom metric is known by: its exposition name, or a ratio's title. */
export function metricId(m: CustomMetric): string {
  return isRatio(m) ? m.title : m.name;
}

/**
 * Refuses a declaration Prometheus or a panel could not use: a bad metric or label name, a
 * histogram declared by a series name (`_bucket`), an aggregate a histogram cannot have, a
 * ratio of undeclared counters, a duplicate.
 */
export function checkCustomMetrics(scope: IConstruct, metrics: readonly CustomMetric[]): void {
  checkUnique(scope, 'custom metric', metrics.map(metricId));
  const counters = new Set(metrics.filter((m): m is MetricSpec => !isRatio(m) && m.type === 'counter').map(m => m.name));
  for (const m of metrics) {
    if (isRatio(m)) {
      for (const part of [m.numerator, ...m.denominator]) {
        if (!counters.has(part)) {
          fail(scope, `ratio "${m.title}" reads ${part}, which is not a counter declared in the same custom metrics`,
            `declare ${part} as { type: 'counter', … } beside it, or read one of: ${[...counters].join(', ') || '(no counters)'}`);
        }
      }
      if (m.denominator.length === 0) {
        fail(scope, `ratio "${m.title}" has no denominator`, 'give the counters whose sum is the whole, e.g. hits and misses');
      }
      checkGroup(scope, m.title, m.group);
      continue;
    }
    if (!METRIC_NAME.test(m.name)) {
      fail(scope, `custom metric "${m.name}" is not a Prometheus metric name`, 'use letters, digits, underscores and colons, not starting with a digit');
    }
    if (m.type === 'histogram' && /_(bucket|count|sum)$/.test(m.name)) {
      fail(scope, `histogram "${m.name}" is declared by one of its series`, `declare it by its base name "${m.name.replace(/_(bucket|count|sum)$/, '')}"`);
    }
    if (!['counter', 'gauge', 'histogram'].includes(m.type)) {
      fail(scope, `custom metric ${m.name} has type "${m.type}"`, 'use counter, gauge or histogram (or type: \'ratio\' for a ratio panel)');
    }
    if (!AGGREGATES.includes(m.aggregate)) {
      fail(scope, `custom metric ${m.name} has aggregate "${m.aggregate}"`, `use one of ${AGGREGATES.join(', ')}`);
    }
    if (m.type === 'histogram' && m.aggregate !== 'sum') {
      fail(scope, `histogram ${m.name} has aggregate "${m.aggregate}"`, 'use "sum": quantiles are computed from the buckets summed over every pod');
    }
    if (m.unit !== undefined && !UNITS.includes(m.unit)) {
      fail(scope, `custom metric ${m.name} has unit "${m.unit}"`, `use one of ${UNITS.join(', ')}`);
    }
    for (const l of m.labels ?? []) {
      if (!LABEL_NAME.test(l) || l.startsWith('__')) {
        fail(scope, `custom metric ${m.name} label "${l}" is not a Prometheus label name`, 'use letters, digits and underscores, not starting with a digit or "__"');
      }
      if (RESERVED_LABELS.has(l)) {
        fail(scope, `custom metric ${m.name} declares the label "${l}", which its metric type owns`, `remove "${l}" from labels`);
      }
    }
    if (m.buckets !== undefined) {
      if (m.type !== 'histogram') {
        fail(scope, `custom metric ${m.name} is a ${m.type} with buckets`, 'give buckets only to histograms');
      }
      if (m.buckets.length === 0 || m.buckets.some((b, i) => !(b > 0) || (i > 0 && b <= m.buckets![i - 1]))) {
        fail(scope, `histogram ${m.name} buckets [${m.buckets.join(', ')}] are not positive and ascending`, 'list the upper bounds in ascending order, e.g. [0.1, 0.5, 1]');
      }
    }
    if (m.group !== undefined) { checkGroup(scope, m.name, m.group); }
    if (!m.help.trim()) {
      fail(scope, `custom metric ${m.name} has no help`, 'say what it counts or measures: it becomes the panel\'s description');
    }
  }
}

function checkGroup(scope: IConstruct, what: string, group: string): void {
  if (!/^[a-z][a-z0-9-]*$/.test(group)) {
    fail(scope, `${what}: dashboard group "${group}" is not a lowercase name`, 'use lowercase letters, digits and "-", e.g. "graph"');
  }
}

/** The bucket bounds of a histogram: declared, or the client defaults. */
export function bucketsOf(m: MetricSpec): readonly number[] {
  return m.buckets ?? DEFAULT_BUCKETS;
}

/**
 * The `le` label value of a bucket bound as the clients write it: Go writes 1 as "1",
 * Python as "1.0"; Prometheus 3 normalizes both to "1" on ingestion, 2.x keeps them. A
 * whole number is matched in both forms.
 */
export function leMatcher(bound: number): string {
  return Number.isInteger(bound) ? `le=~"${bound}(\\\\.0)?"` : `le="${bound}"`;
}
