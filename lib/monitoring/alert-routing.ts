import { Construct } from 'constructs';
import {
  AlertmanagerConfig, AlertmanagerConfigSpecInhibitRulesSourceMatchMatchType as SourceMatch,
  AlertmanagerConfigSpecInhibitRulesTargetMatchMatchType as TargetMatch, AlertmanagerConfigSpecReceivers,
  AlertmanagerConfigSpecRouteMatchersMatchType as RouteMatch,
} from '../../imports/monitoring.coreos.com';
import { SystemChart } from '../chart';
import { useSecretKeyReference, SecretKeyReference, SecretReference } from '../config/secret-reference';
import { fail } from '../core/errors';
import { stableLabels } from '../core/labels';
import { namespacedMeta } from '../core/metadata';
import { Environment } from '../environments/environment';
import { AlertRules, AlertSeverity } from './alert-rules';
import { durationSeconds } from './duration';

/** How Alertmanager batches and repeats the notifications of one severity. */
export interface RouteTiming {
  /** Wait before the first notification of a new group, to batch alerts that start together. */
  readonly groupWait: string;
  /** Wait before notifying about alerts added to (or resolved in) a group already notified. */
  readonly groupInterval: string;
  /** Wait before repeating a notification for alerts still firing. */
  readonly repeatInterval: string;
}

/**
 * The fleet's route timings. critical: a person is paged within seconds of the alert firing
 * (group_wait 10 s: Song Nodes asks for a response under a minute, NovaCron for notification
 * under two), new failures in the same group page again after a minute, and a page still
 * firing is repeated hourly. warning: chat within half a minute (the documents' warnings
 * allow 3–5 minutes in all), regrouped every 5 minutes, repeated every 4 hours. info: one
 * mail per 5 minutes of new findings, repeated daily.
 */
export const ROUTE_TIMING: Readonly<Record<AlertSeverity, RouteTiming>> = {
  critical: { groupWait: '10s', groupInterval: '1m', repeatInterval: '1h' },
  warning: { groupWait: '30s', groupInterval: '5m', repeatInterval: '4h' },
  info: { groupWait: '5m', groupInterval: '30m', repeatInterval: '24h' },
};

/**
 * Prometheus's rule evaluation interval where a group sets none: prometheus-operator's
 * default, which the platform also writes explicitly (lib/platform/platform.ts).
 */
export const DEFAULT_EVALUATION_INTERVAL = '30s';

/** The keys of the receivers' Secret, one per credential. */
export const RECEIVER_KEYS = {
  /** PagerDuty Events API v2 integration key of the system's service. */
  pagerduty: 'pagerduty-routing-key',
  /** Slack incoming-webhook URL of the system's channel (the URL is the credential). */
  slack: 'slack-webhook-url',
  /** Password of the SMTP relay login (environment setting alerting.smtp.username). */
  smtp: 'smtp-password',
} as const;

/** Labels alerts are grouped by in one notification: one page per alert name, not per pod. */
const GROUP_BY = ['alertname', 'namespace'];
/** Labels that must match for a critical to mute a warning of its family: the same job and target. */
const INHIBIT_EQUAL = ['family', 'job', 'instance'];

export interface AlertRoutingProps {
  /** Slack channel warnings (and criticals) are posted to, e.g. "#songnodes-alerts". */
  readonly chatChannel: string;
  /** Where info alerts are mailed (a team list or a ticket queue's address). */
  readonly email: string;
  /**
   * The Secret with the receivers' credentials (keys {@link RECEIVER_KEYS}), produced by an
   * ExternalSecret from the secret manager.
   * @default SecretReference.fromName('alertmanager-receivers')
   */
  readonly credentials?: SecretReference;
  /**
   * The longest a severity may take from its condition holding to a notification, as the
   * system's document promises (e.g. `{ critical: '1m' }`): checked at synth for every alert of
   * the system, as rule evaluation interval + `for` + the route's group_wait.
   * @default - no bound
   */
  readonly responseTime?: Partial<Record<AlertSeverity, string>>;
}

/**
 * A system's alert routing: one prometheus-operator AlertmanagerConfig in its namespace.
 * critical → the pager (PagerDuty, where the environment pages) and chat; warning → chat
 * (Slack); info → e-mail. While a critical alert of a family fires, the family's warnings and
 * infos for the same job and target are muted. Every credential is a key of one Secret,
 * read by name: the system's ExternalSecret produces it from the secret manager.
 *
 * The platform's Alertmanager selects it with the OnNamespace matcher strategy: it receives
 * the alerts labelled with its namespace, which AlertRules puts on every alert.
 */
export class AlertRouting extends Construct {
  public readonly config: AlertmanagerConfig;

  constructor(scope: Construct, id: string, props: AlertRoutingProps) {
    super(scope, id);
    const env = Environment.of(this);
    const chart = SystemChart.of(this);
    if (!/^#[a-z0-9][a-z0-9._-]{0,79}$/.test(props.chatChannel)) {
      fail(this, `chatChannel "${props.chatChannel}" is not a Slack channel`, 'write "#" and a lowercase channel name, e.g. "#songnodes-alerts"');
    }
    if (!/^[^@\s<>]+@[^@\s<>]+\.[a-z]{2,}$/i.test(props.email)) {
      fail(this, `email "${props.email}" is not an e-mail address`, 'give the address info alerts are mailed to, e.g. "ops@songnodes.com"');
    }
    for (const [severity, bound] of Object.entries(props.responseTime ?? {})) {
      const seconds = durationSeconds(bound);
      if (seconds === undefined || seconds === 0) {
        fail(this, `responseTime.${severity} "${bound}" is not a positive Prometheus duration`, 'write it like "1m" or "5m"');
      }
    }
    const credentials = props.credentials ?? SecretReference.fromName('alertmanager-receivers');
    const secret = (what: string, key: string): SecretKeyReference => {
      const ref = credentials.key(key);
      useSecretKeyReference(this, what, ref);
      return ref;
    };
    const selector = (ref: SecretKeyReference) => ({ name: ref.secretName, key: ref.key });

    const slack = { apiUrl: selector(secret('Slack webhook URL', RECEIVER_KEYS.slack)), channel: props.chatChannel, sendResolved: true };
    // Each receiver is named after the severity it serves.
    const receivers: AlertmanagerConfigSpecReceivers[] = [
      {
        name: 'critical',
        ...(env.settings.alerting.pageOnCritical
          ? { pagerdutyConfigs: [{ routingKey: selector(secret('PagerDuty routing key', RECEIVER_KEYS.pagerduty)), sendResolved: true }] }
          : {}),
        slackConfigs: [slack],
      },
      { name: 'warning', slackConfigs: [slack] },
      {
        name: 'info',
        emailConfigs: [{
          to: props.email,
          from: env.settings.alerting.smtp.from,
          smarthost: env.settings.alerting.smtp.smarthost,
          authUsername: env.settings.alerting.smtp.username,
          authPassword: selector(secret('SMTP relay password', RECEIVER_KEYS.smtp)),
          requireTls: true,
          sendResolved: false,
        }],
      },
    ];
    const route = (severity: AlertSeverity) => ({
      receiver: severity,
      matchers: [{ name: 'severity', value: severity, matchType: RouteMatch.VALUE_EQUALS }],
      groupBy: GROUP_BY,
      ...ROUTE_TIMING[severity],
    });
    this.config = new AlertmanagerConfig(this, 'Resource', {
      metadata: namespacedMeta(this, chart.system, {
        ...stableLabels({ name: chart.system, instance: chart.system, component: 'alert-routing', partOf: chart.system }),
        ...env.settings.prometheusSelector,
      }),
      spec: {
        // The operator adds `namespace="<this namespace>"` to this route (OnNamespace), so it
        // sees the system's alerts only. An alert without a known severity still reaches chat.
        route: {
          receiver: 'warning',
          groupBy: GROUP_BY,
          ...ROUTE_TIMING.warning,
          routes: (['critical', 'warning', 'info'] as const).map(route),
        },
        receivers,
        inhibitRules: [{
          sourceMatch: [
            { name: 'severity', value: 'critical', matchType: SourceMatch.VALUE_EQUALS },
            { name: 'family', value: '.+', matchType: SourceMatch.VALUE_EQUAL_TILDE },
          ],
          targetMatch: [
            { name: 'severity', value: 'warning|info', matchType: TargetMatch.VALUE_EQUAL_TILDE },
            { name: 'family', value: '.+', matchType: TargetMatch.VALUE_EQUAL_TILDE },
          ],
          equal: INHIBIT_EQUAL,
        }],
      },
    });

    if (props.responseTime) {
      const bounds = props.responseTime;
      // At synth, when every alert of the system exists.
      this.node.addValidation({ validate: () => responseTimeProblems(chart, bounds) });
    }
  }
}

/**
 * The alerts of `chart` that cannot notify within their severity's bound: rule evaluation
 * interval (the group's, else Prometheus's) + `for` + the route's group_wait. Scrape
 * intervals and range windows come on top of that; they are the expressions' to keep short.
 */
function responseTimeProblems(chart: SystemChart, bounds: Partial<Record<AlertSeverity, string>>): string[] {
  const problems: string[] = [];
  for (const rules of chart.node.findAll().filter((c): c is AlertRules => c instanceof AlertRules)) {
    for (const group of rules.groups) {
      const interval = durationSeconds(group.interval ?? DEFAULT_EVALUATION_INTERVAL)!;
      for (const a of group.alerts) {
        const bound = bounds[a.severity];
        if (bound === undefined) { continue; }
        const wait = durationSeconds(ROUTE_TIMING[a.severity].groupWait)!;
        const total = interval + durationSeconds(a.for)! + wait;
        if (total > durationSeconds(bound)!) {
          problems.push(`${a.severity} alert ${a.alert} (${rules.node.path}) can take ${total}s to notify `
            + `(evaluation every ${interval}s + for ${a.for} + group_wait ${ROUTE_TIMING[a.severity].groupWait}), more than the ${bound} the system promises. `
            + `Fix: shorten its "for" (and its range windows), or evaluate group ${group.name} more often (interval)`);
        }
      }
    }
  }
  return problems;
}
