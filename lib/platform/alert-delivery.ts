import { IConstruct } from 'constructs';
import { byCodeUnit } from '../core/checks';
import { fail } from '../core/errors';
import { Environment } from '../environments/environment';
import { BLACKBOX_MODULES, BlackboxModuleName } from '../monitoring/blackbox';

/**
 * How Alertmanager matches an AlertmanagerConfig's routes to alerts: only alerts labelled
 * with the config's own namespace. A system's routing then never catches another's alerts,
 * and AlertRules labels every alert with its namespace, so none is left out.
 */
export const MATCHER_STRATEGY = 'OnNamespace';

/** What the platform's Alertmanager must select to route every system's alerts. */
export interface AlertRoutingSelection {
  /** The labels every AlertmanagerConfig carries. */
  readonly labels: Readonly<Record<string, string>>;
  /** The namespaces with an AlertmanagerConfig, sorted. */
  readonly namespaces: readonly string[];
}

/**
 * The AlertmanagerConfigs the systems render, as the Alertmanager must select them: each must
 * carry the environment's `prometheusSelector` labels, and every alerting rule must be
 * routable under the OnNamespace strategy: labelled with its PrometheusRule's namespace, and
 * in a namespace that has an AlertmanagerConfig (else it reaches nobody).
 */
export function alertRoutingSelection(scope: IConstruct, env: Environment, objects: readonly any[]): AlertRoutingSelection {
  const labels = env.settings.prometheusSelector;
  const configs = objects.filter(o => o.kind === 'AlertmanagerConfig');
  for (const c of configs) {
    const missing = Object.entries(labels).filter(([k, v]) => c.metadata.labels?.[k] !== v);
    if (missing.length) {
      fail(scope, `AlertmanagerConfig ${c.metadata.namespace}/${c.metadata.name} lacks ${missing.map(([k, v]) => `${k}=${v}`).join(', ')}, so Alertmanager would never select it`,
        'give it the environment\'s prometheusSelector labels (lib/environments/settings.ts)');
    }
  }
  const routed = new Set(configs.map(c => c.metadata.namespace));
  for (const rule of objects.filter(o => o.kind === 'PrometheusRule')) {
    const namespace = rule.metadata.namespace;
    for (const r of (rule.spec?.groups ?? []).flatMap((g: any) => g.rules ?? []).filter((x: any) => x.alert)) {
      if (r.labels?.namespace !== namespace) {
        fail(scope, `alert ${r.alert} of PrometheusRule ${namespace}/${rule.metadata.name} is labelled namespace="${r.labels?.namespace ?? ''}", so no AlertmanagerConfig would route it (${MATCHER_STRATEGY})`,
          `label it namespace: ${namespace} (AlertRules does this for every alert it renders)`);
      }
      if (!routed.has(namespace)) {
        fail(scope, `alert ${r.alert} of PrometheusRule ${namespace}/${rule.metadata.name} would reach nobody: namespace ${namespace} has no AlertmanagerConfig`,
          'give the system an AlertRouting (lib/monitoring/alert-routing.ts)');
      }
    }
  }
  return { labels, namespaces: [...routed].sort(byCodeUnit) };
}

/**
 * The blackbox exporter's modules: exactly those the rendered Probes name (a Probe naming
 * another would fail every probe: refused), from lib/monitoring/blackbox.ts.
 */
export function blackboxModules(scope: IConstruct, objects: readonly any[]): Partial<Record<BlackboxModuleName, unknown>> {
  const used = new Set<string>();
  for (const probe of objects.filter(o => o.kind === 'Probe')) {
    const module: string | undefined = probe.spec?.module;
    if (!module || !(module in BLACKBOX_MODULES)) {
      fail(scope, `Probe ${probe.metadata.namespace}/${probe.metadata.name} uses blackbox module "${module ?? ''}", which the exporter does not have`,
        `use one of ${Object.keys(BLACKBOX_MODULES).join(', ')}, or add it to lib/monitoring/blackbox.ts`);
    }
    used.add(module);
  }
  return Object.fromEntries([...used].sort(byCodeUnit).map(m => [m, BLACKBOX_MODULES[m as BlackboxModuleName]]));
}
