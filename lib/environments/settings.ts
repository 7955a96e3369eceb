import { EnvironmentSettings, EnvironmentName, PerEnvironment } from './environment';

/** The repository Argo CD reads the rendered manifests from. */
export const GITOPS_REPO_URL = 'https://github.com/fleet-platform/fleet-manifests.git';

const shared = {
  ingressClassName: 'nginx',
  ingressControllerNamespace: 'ingress-nginx',
  monitoringNamespace: 'monitoring',
  prometheusSelector: { release: 'kube-prometheus-stack' },
};

/**
 * The three environments. dev is cheap (single replicas, optional TLS); staging and
 * production are highly available. Production syncs by hand unless configured otherwise.
 */
export const ENVIRONMENTS: PerEnvironment<EnvironmentSettings> = {
  dev: {
    ...shared,
    name: 'dev',
    highAvailability: false,
    requireTls: false,
    clusterIssuer: 'letsencrypt-staging',
    hostLabel: 'dev',
    gitops: { repoURL: GITOPS_REPO_URL, targetRevision: 'main', automated: true, namespace: 'argocd' },
  },
  staging: {
    ...shared,
    name: 'staging',
    highAvailability: true,
    requireTls: true,
    clusterIssuer: 'letsencrypt-staging',
    hostLabel: 'staging',
    gitops: { repoURL: GITOPS_REPO_URL, targetRevision: 'main', automated: true, namespace: 'argocd' },
  },
  production: {
    ...shared,
    name: 'production',
    highAvailability: true,
    requireTls: true,
    clusterIssuer: 'letsencrypt-prod',
    gitops: { repoURL: GITOPS_REPO_URL, targetRevision: 'main', automated: false, namespace: 'argocd' },
  },
};

export function environmentSettings(name: EnvironmentName): EnvironmentSettings {
  return ENVIRONMENTS[name];
}
