import { Construct, IConstruct } from 'constructs';
import { ExternalSecret, ExternalSecretSpecSecretStoreRefKind, ExternalSecretSpecTargetCreationPolicy } from '../../imports/external-secrets.io';
import { byCodeUnit } from '../core/checks';
import { fail } from '../core/errors';
import { platformLabels } from './platform-chart';
import { Environment } from '../environments/environment';

/** The kinds the prometheus-operator's Prometheus selects by label and namespace. */
const SELECTED_KINDS = ['ServiceMonitor', 'PodMonitor', 'PrometheusRule', 'Probe'] as const;

/** What Prometheus must select to see every monitor and rule the fleet renders. */
export interface MonitoringSelection {
  /** The labels every ServiceMonitor, PodMonitor, PrometheusRule and Probe carries. */
  readonly labels: Readonly<Record<string, string>>;
  /** The namespaces they are in (and those of the platform's own monitors), sorted. */
  readonly namespaces: readonly string[];
}

/**
 * The selection the monitoring stack's Prometheus needs: the environment's
 * `prometheusSelector` labels, which every rendered ServiceMonitor, PodMonitor,
 * PrometheusRule and Probe must carry (one that does not would never be scraped or evaluated: refused),
 * and the namespaces they are in, plus `platformNamespaces` (where the stack's own and the
 * ingress controller's monitors live).
 */
export function monitoringSelection(scope: IConstruct, env: Environment, objects: readonly any[], platformNamespaces: readonly string[]): MonitoringSelection {
  const labels = env.settings.prometheusSelector;
  const namespaces = new Set(platformNamespaces);
  for (const o of objects.filter(x => (SELECTED_KINDS as readonly string[]).includes(x.kind))) {
    const missing = Object.entries(labels).filter(([k, v]) => o.metadata.labels?.[k] !== v);
    if (missing.length) {
      fail(scope, `${o.kind} ${o.metadata.namespace}/${o.metadata.name} lacks ${missing.map(([k, v]) => `${k}=${v}`).join(', ')}, so Prometheus would never select it`,
        'give it the environment\'s prometheusSelector labels (lib/environments/settings.ts)');
    }
    namespaces.add(o.metadata.namespace);
  }
  return { labels, namespaces: [...namespaces].sort(byCodeUnit) };
}

/** A label selector for namespaces by name (the API server sets `kubernetes.io/metadata.name` on every namespace). */
export function namespacesByName(namespaces: readonly string[]) {
  return { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [...namespaces] }] };
}

/** The Secret Grafana's admin login comes from, and the secret manager keys it is read from. */
export const GRAFANA_ADMIN = {
  secretName: 'grafana-admin',
  userKey: 'admin-user',
  passwordKey: 'admin-password',
  remoteUserKey: 'grafana-admin-user',
  remotePasswordKey: 'grafana-admin-password',
} as const;

export interface GrafanaAdminSecretProps {
  /** Namespace Grafana runs in. */
  readonly namespace: string;
}

/**
 * Grafana's admin login, materialized by the External Secrets Operator from the environment's
 * secret manager (the chart would otherwise generate a password on every render).
 */
export class GrafanaAdminSecret extends Construct {
  public readonly externalSecret: ExternalSecret;

  constructor(scope: Construct, id: string, props: GrafanaAdminSecretProps) {
    super(scope, id);
    const store = Environment.of(this).settings.secretStore;
    this.externalSecret = new ExternalSecret(this, 'Resource', {
      metadata: {
        name: GRAFANA_ADMIN.secretName,
        namespace: props.namespace,
        labels: platformLabels(GRAFANA_ADMIN.secretName, 'secret'),
      },
      spec: {
        refreshInterval: store.refreshInterval,
        secretStoreRef: { kind: ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE, name: store.storeName },
        target: { name: GRAFANA_ADMIN.secretName, creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER },
        data: [
          { secretKey: GRAFANA_ADMIN.userKey, remoteRef: { key: GRAFANA_ADMIN.remoteUserKey } },
          { secretKey: GRAFANA_ADMIN.passwordKey, remoteRef: { key: GRAFANA_ADMIN.remotePasswordKey } },
        ],
      },
    });
  }
}
