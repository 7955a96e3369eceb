import { EnvironmentSettings } from '../environments/environment';
import { AddonName } from './pins';

/** Namespaces the platform installs into that are no environment setting. */
export const FIXED_PLATFORM_NAMESPACES = ['cert-manager', 'cnpg-system', 'external-secrets', 'rabbitmq-system', 'reloader'] as const;

/** The namespace each add-on runs in. */
export function addonNamespaces(settings: EnvironmentSettings): Readonly<Record<AddonName, string>> {
  return {
    'argo-cd': settings.gitops.namespace,
    'cert-manager': 'cert-manager',
    'external-secrets': 'external-secrets',
    'cloudnative-pg': 'cnpg-system',
    'plugin-barman-cloud': 'cnpg-system', // must run beside the operator
    'rabbitmq-cluster-operator': 'rabbitmq-system', // fixed by its kustomization
    'redis-operator': settings.datastoreOperators.redisNamespace,
    'kube-prometheus-stack': settings.monitoringNamespace,
    'prometheus-adapter': settings.monitoringNamespace,
    'prometheus-blackbox-exporter': settings.monitoringNamespace,
    'ingress-nginx': settings.ingressControllerNamespace,
    'reloader': 'reloader',
    // Envoy Gateway runs its controller and, by default, every Gateway's Envoy proxies here.
    'envoy-gateway': settings.gateway.dataPlane.namespace,
  };
}
