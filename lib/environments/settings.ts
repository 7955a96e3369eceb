import { AlertingSettings, EnvironmentSettings, EnvironmentName, GatewaySettings, ObjectStorageSettings, PerEnvironment, SecretStoreSettings } from './environment';
import { IMPLEMENTATIONS } from '../gateway/implementations';

/** The repository Argo CD reads the rendered manifests from. */
export const GITOPS_REPO_URL = 'https://github.com/fleet-platform/fleet-manifests.git';

/** The upstream install namespaces of the RabbitMQ Cluster Operator and the OT-CONTAINER-KIT redis-operator. */
const datastoreOperators = { rabbitmqNamespace: 'rabbitmq-system', redisNamespace: 'redis-operator' };

/**
 * The Gateway of every environment whose edge is the Gateway API: Envoy Gateway (installed by
 * the platform into envoy-gateway-system, where it also runs the Envoy proxies of each Gateway,
 * labelled as its proxy resources are: internal/infrastructure/kubernetes/proxy, v1.9.0).
 */
const gateway: GatewaySettings = {
  implementation: 'envoy-gateway',
  className: 'envoy-gateway',
  name: 'edge',
  namespace: 'edge',
  dataPlane: {
    namespace: 'envoy-gateway-system',
    podLabels: IMPLEMENTATIONS['envoy-gateway'].proxyPods('edge', 'edge').labels,
  },
};

const shared = {
  gateway,
  ingressClassName: 'nginx',
  ingressControllerNamespace: 'ingress-nginx',
  monitoringNamespace: 'monitoring',
  prometheusSelector: { release: 'kube-prometheus-stack' },
  datastoreOperators,
};

/**
 * Alerts: critical pages only in production (dev and staging criticals reach chat); info
 * mail through the Google Workspace SMTP relay, as the fleet's alert sender.
 */
const alerting = (pageOnCritical: boolean): AlertingSettings => ({
  pageOnCritical,
  smtp: { smarthost: 'smtp-relay.gmail.com:587', from: 'alertmanager@fleet-platform.dev', username: 'alertmanager@fleet-platform.dev' },
});

/** Each environment's secrets live in its own Google Cloud project's Secret Manager. */
const secretStore = (projectID: string): SecretStoreSettings => ({
  storeName: 'fleet-secrets',
  manager: { kind: 'gcp-secret-manager', projectID },
  refreshInterval: '1h',
});

/**
 * Each environment's buckets live in its own Google Cloud project, written by one Google
 * service account per purpose through GKE Workload Identity (no key anywhere).
 */
const objectStorage = (project: string): ObjectStorageSettings => ({
  backups: { bucket: `${project}-pg-backups`, serviceAccount: `pg-backups@${project}.iam.gserviceaccount.com` },
  audio: { bucket: `${project}-ariaforge-audio`, serviceAccount: `ariaforge-audio@${project}.iam.gserviceaccount.com` },
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
    // dev keeps ingress-nginx, so that edge stays rendered and tested (README, "The edge").
    edge: 'ingress-nginx',
    clusterIssuer: 'letsencrypt-prod',
    hostLabel: 'dev',
    gitops: { repoURL: GITOPS_REPO_URL, targetRevision: 'main', automated: true, namespace: 'argocd' },
    secretStore: secretStore('fleet-dev'),
    objectStorage: objectStorage('fleet-dev'),
    alerting: alerting(false),
    // The GKE cluster's private control plane endpoint range.
    kubernetesApi: { cidr: '172.16.0.0/28', port: 443 },
  },
  staging: {
    ...shared,
    name: 'staging',
    highAvailability: true,
    requireTls: true,
    edge: 'gateway-api',
    clusterIssuer: 'letsencrypt-prod',
    hostLabel: 'staging',
    gitops: { repoURL: GITOPS_REPO_URL, targetRevision: 'main', automated: true, namespace: 'argocd' },
    secretStore: secretStore('fleet-staging'),
    objectStorage: objectStorage('fleet-staging'),
    alerting: alerting(false),
    // The GKE cluster's private control plane endpoint range.
    kubernetesApi: { cidr: '172.16.0.16/28', port: 443 },
  },
  production: {
    ...shared,
    name: 'production',
    highAvailability: true,
    requireTls: true,
    edge: 'gateway-api',
    clusterIssuer: 'letsencrypt-prod',
    gitops: { repoURL: GITOPS_REPO_URL, targetRevision: 'main', automated: false, namespace: 'argocd' },
    secretStore: secretStore('fleet-production'),
    objectStorage: objectStorage('fleet-production'),
    alerting: alerting(true),
    // The GKE cluster's private control plane endpoint range.
    kubernetesApi: { cidr: '172.16.0.32/28', port: 443 },
  },
};

export function environmentSettings(name: EnvironmentName): EnvironmentSettings {
  return ENVIRONMENTS[name];
}
