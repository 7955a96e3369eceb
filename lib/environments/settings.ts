import { EnvironmentSettings, EnvironmentName, PerEnvironment, SecretStoreSettings } from './environment';

/** The repository Argo CD reads the rendered manifests from. */
export const GITOPS_REPO_URL = 'https://github.com/fleet-platform/fleet-manifests.git';

/** The upstream install namespaces of the RabbitMQ Cluster Operator and the OT-CONTAINER-KIT redis-operator. */
const datastoreOperators = { rabbitmqNamespace: 'rabbitmq-system', redisNamespace: 'redis-operator' };

const shared = {
  ingressClassName: 'nginx',
  ingressControllerNamespace: 'ingress-nginx',
  monitoringNamespace: 'monitoring',
  prometheusSelector: { release: 'kube-prometheus-stack' },
  datastoreOperators,
};

/** Each environment's secrets live in its own Google Cloud project's Secret Manager. */
const secretStore = (projectID: string): SecretStoreSettings => ({
  storeName: 'fleet-secrets',
  manager: { kind: 'gcp-secret-manager', projectID },
  refreshInterval: '1h',
});

/**
 * The three environments. dev is cheap (single replicas); staging and production are highly
 * available. Production syncs by hand unless configured otherwise.
 *
 * HSTS without lock-out: production's apexes send `includeSubDomains; preload`, which covers
 * the dev and staging hosts (`api.staging.songnodes.com`), so every environment requires TLS
 * and signs with the browser-trusted letsencrypt-prod (README, "HSTS and certificates").
 */
export const ENVIRONMENTS: PerEnvironment<EnvironmentSettings> = {
  dev: {
    ...shared,
    name: 'dev',
    highAvailability: false,
    requireTls: true,
    clusterIssuer: 'letsencrypt-prod',
    hostLabel: 'dev',
    gitops: { repoURL: GITOPS_REPO_URL, targetRevision: 'main', automated: true, namespace: 'argocd' },
    secretStore: secretStore('fleet-dev'),
  },
  staging: {
    ...shared,
    name: 'staging',
    highAvailability: true,
    requireTls: true,
    clusterIssuer: 'letsencrypt-prod',
    hostLabel: 'staging',
    gitops: { repoURL: GITOPS_REPO_URL, targetRevision: 'main', automated: true, namespace: 'argocd' },
    secretStore: secretStore('fleet-staging'),
  },
  production: {
    ...shared,
    name: 'production',
    highAvailability: true,
    requireTls: true,
    clusterIssuer: 'letsencrypt-prod',
    gitops: { repoURL: GITOPS_REPO_URL, targetRevision: 'main', automated: false, namespace: 'argocd' },
    secretStore: secretStore('fleet-production'),
  },
};

export function environmentSettings(name: EnvironmentName): EnvironmentSettings {
  return ENVIRONMENTS[name];
}
