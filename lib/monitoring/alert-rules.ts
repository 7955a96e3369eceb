import { Construct } from 'constructs';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/monitoring.coreos.com';
import { SystemChart } from '../chart';
import { checkUnique } from '../core/checks';
import { fail } from '../core/errors';
import { checkLabelValue, stableLabels } from '../core/labels';
import { namespacedMeta } from '../core/metadata';
import { Environment } from '../environments/environment';
import { parseDuration } from './duration';
import { validateGoTemplate, validatePromQL } from './promql';

/**
 * The labels every alert of a system carries, whatever its expression keeps: `namespace`
 * above all, since the system's AlertmanagerConfig routes only alerts labelled with its own
 * namespace (the OnNamespace matcher strategy).
 */
export function systemAlertLabels(chart: SystemChart): { system: string; environment: string; namespace: string } {
  return { system: chart.system, environment: chart.environment.name, namespace: chart.namespaceName };
}

/** How urgently a person must act. */
export type AlertSeverity = 'critical' | 'warning' | 'info';

/** One alerting rule. */
export interface AlertSpec {
  /** Alert name in UpperCamelCase, e.g. `HighErrorRate`. */
  readonly alert: string;
  /**
   * PromQL expression; the alert fires for every series it returns. Parsed and type-checked
   * at construct time (lib/monitoring/promql.ts).
   */
  readonly expr: string;
  /** How long the condition must hold, e.g. "1m", "1h30m"; "0s" fires on the first evaluation. */
  readonly for: string;
  /** Severity label, used by Alertmanager routing. */
  readonly severity: AlertSeverity;
  /** One-line summary annotation. */
  readonly summary: string;
  /** Description annotation; a Go template that may use {{ $labels.x }} and {{ $value }}. */
  readonly description: string;
  /**
   * Extra labels, e.g. `priority: 'P0'`.
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Runbook link annotation.
   * @default - none
   */
  readonly runbookUrl?: string;
  /**
   * The problem this alert is one view of, e.g. `latency` for a critical and a warning on the
   * same quantile: while a critical alert of the family fires, the system's routing mutes the
   * family's warnings and infos with the same `job` and `instance` (lib/monitoring/alert-routing.ts).
   * Rendered as the `family` label.
   * @default - none: never muted, mutes nothing
   */
  readonly family?: string;
}

/** A named group of alerts evaluated together. */
export interface AlertGroupSpec {
  /** Group name. */
  readonly name: string;
  /**
   * Evaluation interval.
   * @default - Prometheus's global evaluation interval
   */
  readonly interval?: string;
  /** The alerts. */
  readonly alerts: AlertSpec[];
}

export interface AlertRulesProps {
  /** PrometheusRule name. */
  readonly name: string;
  /** Groups of alerts. */
  readonly groups: AlertGroupSpec[];
}

/** Labels every alert gets from AlertRules, which the routing matches on: not an alert's own to set. */
export const RESERVED_LABELS = ['severity', 'system', 'environment', 'namespace', 'family'] as const;

/** A prometheus-operator PrometheusRule rendered from typed alert definitions. */
export class AlertRules extends Construct {
  public readonly rule: PrometheusRule;
  public readonly alerts: readonly AlertSpec[];
  /** The groups as given: their evaluation intervals bound how fast an alert can fire. */
  public readonly groups: readonly AlertGroupSpec[];

  constructor(scope: Construct, id: string, props: AlertRulesProps) {
    super(scope, id);
    const env = Environment.of(this);
    const chart = SystemChart.of(this);
    if (props.groups.length === 0 || props.groups.some(g => g.alerts.length === 0)) {
      fail(this, 'an alert group is empty', 'give every group at least one alert, or remove it');
    }
    checkUnique(this, 'alert group name', props.groups.map(g => g.name));
    const all = props.groups.flatMap(g => g.alerts);
    checkUnique(this, 'alert name', all.map(a => a.alert));
    for (const a of all) {
      if (!/^[A-Z][A-Za-z0-9]*$/.test(a.alert)) {
        fail(this, `alert name "${a.alert}" is not UpperCamelCase`, 'name alerts like HighErrorRate');
      }
      if (!a.expr.trim()) {
        fail(this, `alert ${a.alert} has an empty expression`, 'give a PromQL expression that returns the failing series');
      }
      validatePromQL(this, `alert ${a.alert} expr`, a.expr);
      parseDuration(this, `alert ${a.alert} "for"`, a.for, { allowZero: true });
      if (!['critical', 'warning', 'info'].includes(a.severity)) {
        fail(this, `alert ${a.alert} severity "${a.severity}" is unknown`, 'use critical, warning or info');
      }
      if (!a.summary.trim() || !a.description.trim()) {
        fail(this, `alert ${a.alert} lacks a summary or description`, 'say what is wrong and what it affects, for whoever is paged');
      }
      // Prometheus expands annotations and label values as Go templates on every evaluation.
      validateGoTemplate(this, `alert ${a.alert} summary`, a.summary);
      validateGoTemplate(this, `alert ${a.alert} description`, a.description);
      if (a.runbookUrl) { validateGoTemplate(this, `alert ${a.alert} runbookUrl`, a.runbookUrl); }
      for (const [key, value] of Object.entries(a.labels ?? {})) {
        if ((RESERVED_LABELS as readonly string[]).includes(key)) {
          fail(this, `alert ${a.alert} sets label "${key}", which AlertRules sets itself (routing matches on it)`,
            key === 'family' ? 'use the family property' : key === 'severity' ? 'use the severity property' : `remove it: ${key} is the system's`);
        }
        if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(key)) {
          fail(this, `alert ${a.alert} label name "${key}" is not a Prometheus label name`, 'use letters, digits and underscores, not starting with a digit, e.g. priority');
        }
        validateGoTemplate(this, `alert ${a.alert} label ${key}`, value);
      }
      if (a.family !== undefined) {
        checkLabelValue(this, `alert ${a.alert} family`, a.family);
      }
    }
    for (const g of props.groups) {
      if (g.interval) { parseDuration(this, `group ${g.name} interval`, g.interval); }
    }
    this.alerts = all;
    this.groups = props.groups;
    this.rule = new PrometheusRule(this, 'Resource', {
      metadata: namespacedMeta(this, props.name, {
        ...stableLabels({ name: props.name, instance: props.name, component: 'alerting', partOf: chart.system }),
        ...env.settings.prometheusSelector,
      }),
      spec: {
        groups: props.groups.map(g => ({
          name: g.name,
          ...(g.interval ? { interval: g.interval } : {}),
          rules: g.alerts.map(a => ({
            alert: a.alert,
            expr: PrometheusRuleSpecGroupsRulesExpr.fromString(a.expr),
            for: a.for,
            labels: {
              ...(a.labels ?? {}),
              severity: a.severity,
              ...systemAlertLabels(chart),
              ...(a.family !== undefined ? { family: a.family } : {}),
            },
            annotations: {
              summary: a.summary,
              description: a.description,
              ...(a.runbookUrl ? { runbook_url: a.runbookUrl } : {}),
            },
          })),
        })),
      },
    });
  }
}
