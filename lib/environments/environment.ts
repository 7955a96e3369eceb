import { IConstruct } from 'constructs';
import { isQualifiedName } from '../core/annotations';
import { hasHostBits, parseCidr } from '../core/cidr';
import { bucketNameProblem, isGcpServiceAccount } from '../core/cloud-storage';
import { ConfigurationError, fail } from '../core/errors';
import { isValidLabelValue } from '../core/labels';
import { isDnsLabel, isDnsSubdomain } from '../core/names';
import { CLUSTER_ISSUERS, knownIssuer } from '../ingress/cluster-issuers';

/** The environments every system is rendered for, in promotion order. */
export const ENVIRONMENT_NAMES = ['dev', 'staging', 'production'] as const;
export type EnvironmentName = typeof ENVIRONMENT_NAMES[number];

/** A value that differs per environment; every environment must be given one. */
export type PerEnvironment<T> = Readonly<Record<EnvironmentName, T>>;

/** Where Argo CD finds the rendered manifests and how it syncs them. */
export interface GitOpsSettings {
  /** Git repository Argo CD pulls dist/ from. */
  readonly repoURL: string;
  /** Branch, tag or commit Argo CD tracks. */
  readonly targetRevision: string;
  /** Sync automatically with prune and self-heal; otherwise a person presses Sync. */
  readonly automated: boolean;
  /** Namespace Argo CD runs in and where Applications live. */
  readonly namespace: string;
  /**
   * API server Argo CD deploys to.
   * @default 'https://kubernetes.default.svc' (the cluster Argo CD runs in)
   */
  readonly destinationServer?: string;
}

/** The secret manager behind an environment's ClusterSecretStore (External Secrets Operator). */
export type SecretManager =
  /** Google Secret Manager, reached through GKE Workload Identity (no static key). */
  | { readonly kind: 'gcp-secret-manager'; readonly projectID: string }
  /** AWS Secrets Manager, reached through IRSA (the operator's ServiceAccount assumes a role). */
  | { readonly kind: 'aws-secrets-manager'; readonly region: string }
  /** HashiCorp Vault's KV v2 engine, with Kubernetes auth. */
  | { readonly kind: 'vault'; readonly server: string; readonly path: string; readonly role: string };

/** Where the Secrets pods read come from. */
export interface SecretStoreSettings {
  /** Name of the ClusterSecretStore every ExternalSecret of the environment reads from. */
  readonly storeName: string;
  /** The secret manager holding the values. */
  readonly manager: SecretManager;
  /**
   * How often an ExternalSecret re-reads its values, so a rotation reaches the cluster
   * within this time (the documents rotate API keys every 30 days). A Go duration, e.g. "1h".
   */
  readonly refreshInterval: string;
}

/** Namespaces the datastore operators run in: each datastore's NetworkPolicy admits its operator. */
export interface DatastoreOperatorSettings {
  /**
   * RabbitMQ Cluster Operator; it calls each node's management API (15672) for status and
   * quorum checks. Its upstream kustomization (installed by the platform layer) fixes it to
   * "rabbitmq-system".
   */
  readonly rabbitmqNamespace: string;
  /** OT-CONTAINER-KIT redis-operator; it connects to Redis (6379) and Sentinel (26379) to set up replication. */
  readonly redisNamespace: string;
}

/** A Cloud Storage bucket and the Google service account that writes it through GKE Workload Identity. */
export interface BucketSettings {
  /** Bucket name, e.g. "fleet-production-pg-backups". */
  readonly bucket: string;
  /**
   * Google service account the writers' Kubernetes ServiceAccounts impersonate (no key):
   * `iam.gke.io/gcp-service-account`, e.g. "pg-backups@fleet-production.iam.gserviceaccount.com".
   */
  readonly serviceAccount: string;
}

/** Object storage (Google Cloud Storage), one bucket per purpose and environment. */
export interface ObjectStorageSettings {
  /** PostgreSQL base backups and WAL archives (barman-cloud), one folder per namespace and cluster. */
  readonly backups: BucketSettings;
  /** AriaForge's rendered audio (its design document keeps audio in object storage). */
  readonly audio: BucketSettings;
}

/**
 * The Kubernetes API server as pods reach it (CloudNativePG's instance manager calls it).
 * NetworkPolicies match the address after the `kubernetes.default` Service is translated, so
 * this is the control plane's endpoint (`kubectl get endpoints kubernetes`; on GKE the
 * private endpoint range), not the Service's cluster IP.
 */
export interface KubernetesApiSettings {
  /** The endpoint's address or range, e.g. "172.16.0.0/28". */
  readonly cidr: string;
  /** The port it listens on (443 on GKE, often 6443 elsewhere). */
  readonly port: number;
}

/** Where an environment's alerts are delivered (lib/monitoring/alert-routing.ts renders each system's routing). */
export interface AlertingSettings {
  /**
   * Critical alerts page (PagerDuty) as well as reaching chat. Off where nobody is woken for
   * an alert (dev, staging): their criticals reach chat only.
   */
  readonly pageOnCritical: boolean;
  /** The mail relay info alerts are sent through; its password is a Secret key of each system's receivers. */
  readonly smtp: {
    /** `host:port` of the relay (STARTTLS), e.g. "smtp-relay.gmail.com:587". */
    readonly smarthost: string;
    /** The sender address, e.g. "alertmanager@example.com". */
    readonly from: string;
    /** The relay login. */
    readonly username: string;
  };
}

/**
 * Where an environment's traffic enters from the Internet (README, "The edge"):
 * - `gateway-api`: the Gateway API (gateway.networking.k8s.io), a Gateway owned by the
 *   platform layer and an HTTPRoute per Ingress spec of the services;
 * - `ingress-nginx`: Ingresses for the ingress-nginx controller (retired upstream in March
 *   2026; kept for clusters that still run it or a compatible controller);
 * - `both`: the cut-over, both rendered side by side for the same hosts. DNS still points at
 *   ingress-nginx, which also answers the ACME challenges of the Gateway's certificates, so
 *   the Gateway can be tried by its own address before DNS moves.
 */
export const EDGES = ['gateway-api', 'ingress-nginx', 'both'] as const;
export type Edge = typeof EDGES[number];

/** The Gateway API implementations the fleet renders for (their GatewayClass and policy kinds). */
export const GATEWAY_IMPLEMENTATIONS = ['envoy-gateway'] as const;
export type GatewayImplementation = typeof GATEWAY_IMPLEMENTATIONS[number];

/** The environment's Gateway and the implementation behind it (used where the edge is `gateway-api` or `both`). */
export interface GatewaySettings {
  /**
   * The implementation: it decides the GatewayClass's controller, the Helm chart the platform
   * installs and the policy kinds that carry what the Gateway API does not standardise (rate
   * limits, idle timeouts).
   */
  readonly implementation: GatewayImplementation;
  /** Name of the GatewayClass the platform renders for the implementation. */
  readonly className: string;
  /** Name of the environment's Gateway. */
  readonly name: string;
  /**
   * Namespace of the Gateway and of its certificates (the edge namespace). Routes attach to it
   * from the systems' namespaces; each HTTPS listener admits only the namespaces whose routes
   * claim its host.
   */
  readonly namespace: string;
  /**
   * The data plane: the proxies that carry requests to the pods. NetworkPolicies admit these
   * pods (namespace and labels) to a service's HTTP port wherever a route reaches it.
   */
  readonly dataPlane: {
    /** Namespace of the proxies (Envoy Gateway: its own namespace, where it also runs). */
    readonly namespace: string;
    /** Labels every proxy pod of this Gateway carries. */
    readonly podLabels: Readonly<Record<string, string>>;
  };
}

/** What differs between dev, staging and production for every system. */
export interface EnvironmentSettings {
  /** dev, staging or production. */
  readonly name: EnvironmentName;
  /**
   * Highly available: at least 2 replicas, a PodDisruptionBudget and node spread for every
   * workload, and blue/green delivery for user-facing HTTP services.
   */
  readonly highAvailability: boolean;
  /** Every Ingress must terminate TLS. */
  readonly requireTls: boolean;
  /** Where traffic enters: the Gateway API, ingress-nginx, or both during a cut-over. */
  readonly edge: Edge;
  /** The Gateway and its implementation, where the edge is `gateway-api` or `both`. */
  readonly gateway: GatewaySettings;
  /**
   * cert-manager ClusterIssuer that signs Ingress certificates: one of lib/ingress/cluster-issuers.ts,
   * which the platform renders. Browser-trusted wherever HSTS covers the hosts (everywhere).
   */
  readonly clusterIssuer: string;
  /** IngressClass of the ingress-nginx controller. */
  readonly ingressClassName: string;
  /** Namespace the ingress-nginx controller pods run in; NetworkPolicies admit it. */
  readonly ingressControllerNamespace: string;
  /** Namespace Prometheus runs in; NetworkPolicies admit it to metrics ports. */
  readonly monitoringNamespace: string;
  /** Label the prometheus-operator selects ServiceMonitors and PrometheusRules by. */
  readonly prometheusSelector: Readonly<Record<string, string>>;
  /**
   * Label inserted before a host's registrable domain, so `api.songnodes.com` becomes
   * `api.staging.songnodes.com`. Production has none: hosts are used as written.
   */
  readonly hostLabel?: string;
  /** Argo CD settings. */
  readonly gitops: GitOpsSettings;
  /** The secret manager and store every ExternalSecret reads from. */
  readonly secretStore: SecretStoreSettings;
  /** Where the datastore operators run (RabbitMQ, Redis). */
  readonly datastoreOperators: DatastoreOperatorSettings;
  /** Buckets for backups and application objects, and who may write them. */
  readonly objectStorage: ObjectStorageSettings;
  /** The API server's endpoint, for the pods that call it (CloudNativePG's instances). */
  readonly kubernetesApi: KubernetesApiSettings;
  /** Who alerts reach, and how. */
  readonly alerting: AlertingSettings;
}

/** One environment; constructs find it with {@link Environment.of}. */
export class Environment {
  /** The environment a construct is rendered for (from its enclosing system chart). */
  public static of(scope: IConstruct): Environment {
    for (const s of scope.node.scopes.slice().reverse()) {
      const env = (s as unknown as { environment?: unknown }).environment;
      if (env instanceof Environment) {
        return env;
      }
    }
    return fail(scope, 'construct is not inside a SystemChart, so it has no environment',
      'create it under a SystemChart (lib/chart.ts)');
  }

  public readonly name: EnvironmentName;
  constructor(public readonly settings: EnvironmentSettings) {
    checkSettings(settings);
    this.name = settings.name;
  }

  /** Whether the environment renders Ingresses for ingress-nginx (edge `ingress-nginx`, or `both`). */
  public get servesIngressNginx(): boolean {
    return this.settings.edge !== 'gateway-api';
  }

  /** Whether the environment renders the Gateway API (edge `gateway-api`, or `both`). */
  public get servesGatewayApi(): boolean {
    return this.settings.edge !== 'ingress-nginx';
  }

  /** Picks this environment's value. */
  public pick<T>(values: PerEnvironment<T>): T {
    return values[this.name];
  }

  /** The host a production host name maps to in this environment. */
  public host(productionHost: string): string {
    const label = this.settings.hostLabel;
    if (!label) {
      return productionHost;
    }
    const parts = productionHost.split('.');
    const apex = parts.slice(-2).join('.');
    return [...parts.slice(0, -2), label, apex].join('.');
  }
}

/**
 * Checks an environment's settings when the Environment is made, before any construct uses
 * them: every value that becomes a namespace, class or issuer name, label or URL must be one
 * the API server, ingress-nginx and cert-manager accept. Errors name `environments/<name>`.
 */
function checkSettings(settings: EnvironmentSettings): void {
  const where = `environments/${settings.name}`;
  const refuse = (problem: string, fix: string): never => { throw new ConfigurationError(where, problem, fix); };
  if (!(ENVIRONMENT_NAMES as readonly string[]).includes(settings.name)) {
    refuse(`environment name "${settings.name}" is not one of ${ENVIRONMENT_NAMES.join(', ')}`, 'use one of those, or add it to ENVIRONMENT_NAMES');
  }
  const label = 'lowercase letters, digits and \'-\' (at most 63), starting and ending with a letter or digit, e.g. "monitoring"';
  const namespaces: Array<[string, string]> = [
    ['monitoringNamespace', settings.monitoringNamespace],
    ['ingressControllerNamespace', settings.ingressControllerNamespace],
    ['gitops.namespace', settings.gitops.namespace],
    ['datastoreOperators.rabbitmqNamespace', settings.datastoreOperators.rabbitmqNamespace],
    ['datastoreOperators.redisNamespace', settings.datastoreOperators.redisNamespace],
    ['gateway.namespace', settings.gateway.namespace],
    ['gateway.dataPlane.namespace', settings.gateway.dataPlane.namespace],
  ];
  for (const [key, namespace] of namespaces) {
    if (!isDnsLabel(namespace)) {
      refuse(`${key} "${namespace}" is not a DNS-1123 label, so it cannot be a namespace`, `use ${label}`);
    }
  }
  if (settings.datastoreOperators.rabbitmqNamespace !== 'rabbitmq-system') {
    refuse(`datastoreOperators.rabbitmqNamespace "${settings.datastoreOperators.rabbitmqNamespace}" is not where the RabbitMQ Cluster Operator runs`,
      'use "rabbitmq-system": the operator\'s upstream kustomization (lib/platform/pins.ts) installs it there');
  }
  for (const key of ['ingressClassName', 'clusterIssuer'] as const) {
    if (!isDnsSubdomain(settings[key])) {
      refuse(`${key} "${settings[key]}" is not a DNS-1123 subdomain`, 'use the lowercase name of the object, e.g. "nginx" or "letsencrypt-prod"');
    }
  }
  if (isDnsSubdomain(settings.clusterIssuer) && !knownIssuer(settings.clusterIssuer)) {
    refuse(`clusterIssuer "${settings.clusterIssuer}" is not a ClusterIssuer the platform renders`,
      `use one of ${Object.keys(CLUSTER_ISSUERS).join(', ')}, or add it to lib/ingress/cluster-issuers.ts`);
  }
  if (!(EDGES as readonly string[]).includes(settings.edge)) {
    refuse(`edge "${settings.edge}" is not one of ${EDGES.join(', ')}`, 'use "gateway-api" (the default for staging and production), "ingress-nginx", or "both" during a cut-over');
  }
  if (!(GATEWAY_IMPLEMENTATIONS as readonly string[]).includes(settings.gateway.implementation)) {
    refuse(`gateway.implementation "${settings.gateway.implementation}" is not one of ${GATEWAY_IMPLEMENTATIONS.join(', ')}`,
      'use "envoy-gateway", or add the implementation to GATEWAY_IMPLEMENTATIONS and lib/gateway/implementations.ts');
  }
  for (const key of ['className', 'name'] as const) {
    if (!isDnsLabel(settings.gateway[key])) {
      refuse(`gateway.${key} "${settings.gateway[key]}" is not a DNS-1123 label`, `use ${label}`);
    }
  }
  if (settings.gateway.namespace === settings.gitops.namespace || settings.gateway.namespace === settings.monitoringNamespace) {
    refuse(`gateway.namespace "${settings.gateway.namespace}" is the namespace of ${settings.gateway.namespace === settings.gitops.namespace ? 'Argo CD' : 'monitoring'}`,
      'give the Gateway a namespace of its own, e.g. "edge": its certificates live there');
  }
  const dataPlaneLabels = Object.entries(settings.gateway.dataPlane.podLabels);
  if (dataPlaneLabels.length === 0) {
    refuse('gateway.dataPlane.podLabels is empty, so NetworkPolicies would admit every pod of its namespace', 'give the labels the implementation puts on its proxy pods, e.g. app.kubernetes.io/name: envoy');
  }
  for (const [key, value] of dataPlaneLabels) {
    if (!isQualifiedName(key) || !isValidLabelValue(value)) {
      refuse(`gateway.dataPlane.podLabels ${key}="${value}" is not a valid label`, 'use the labels the implementation puts on its proxy pods');
    }
  }
  if (settings.hostLabel !== undefined && !isDnsLabel(settings.hostLabel)) {
    refuse(`hostLabel "${settings.hostLabel}" is not a DNS label`, 'use lowercase letters, digits and \'-\' (at most 63), e.g. "staging"');
  }
  for (const [key, value] of Object.entries(settings.prometheusSelector)) {
    if (!isQualifiedName(key) || !isValidLabelValue(value)) {
      refuse(`prometheusSelector ${key}="${value}" is not a valid label`, 'use the label the Prometheus operator selects on, e.g. release: "kube-prometheus-stack"');
    }
  }
  checkStorageAndApiSettings(settings, refuse);
  checkAlertingSettings(settings.alerting, refuse);
  // gitops.repoURL, targetRevision and destinationServer are checked by FleetGitOps (lib/gitops/argo-cd.ts).
}

/** The mail relay: an address Alertmanager can dial (host:port, as its config requires) and a sender address. */
function checkAlertingSettings(alerting: AlertingSettings, refuse: (problem: string, fix: string) => never): void {
  const { smarthost, from, username } = alerting.smtp;
  const m = /^([^:]+):(\d+)$/.exec(smarthost);
  if (!m || !isDnsSubdomain(m[1]) || Number(m[2]) < 1 || Number(m[2]) > 65535) {
    refuse(`alerting.smtp.smarthost "${smarthost}" is not host:port`, 'write the relay\'s name and port, e.g. "smtp-relay.gmail.com:587"');
  }
  if (!/^[^@\s<>]+@[^@\s<>]+\.[a-z]{2,}$/i.test(from)) {
    refuse(`alerting.smtp.from "${from}" is not an e-mail address`, 'give the sender address, e.g. "alertmanager@example.com"');
  }
  if (!username.trim()) {
    refuse('alerting.smtp.username is empty', 'give the relay login (its password comes from each system\'s alertmanager-receivers Secret)');
  }
}

/** The object storage buckets and the API endpoint: names Google accepts, an address a NetworkPolicy takes. */
function checkStorageAndApiSettings(settings: EnvironmentSettings, refuse: (problem: string, fix: string) => never): void {
  for (const [purpose, b] of Object.entries(settings.objectStorage) as Array<[string, BucketSettings]>) {
    const problem = bucketNameProblem(b.bucket);
    if (problem) {
      refuse(`objectStorage.${purpose}.bucket "${b.bucket}" ${problem}`, 'use the bucket\'s Cloud Storage name, e.g. "fleet-production-pg-backups"');
    }
    if (!isGcpServiceAccount(b.serviceAccount)) {
      refuse(`objectStorage.${purpose}.serviceAccount "${b.serviceAccount}" is not a Google service account e-mail`,
        'write <6-30 lowercase letters, digits, \'-\'>@<project id>.iam.gserviceaccount.com, e.g. "pg-backups@fleet-production.iam.gserviceaccount.com"');
    }
  }
  if (settings.objectStorage.backups.bucket === settings.objectStorage.audio.bucket) {
    refuse('objectStorage.backups and objectStorage.audio share a bucket', 'give backups their own bucket: the backup retention deletes whatever is older in its bucket');
  }
  const api = settings.kubernetesApi;
  const cidr = parseCidr(api.cidr);
  if (!cidr || hasHostBits(cidr)) {
    refuse(`kubernetesApi.cidr "${api.cidr}" is not an IPv4 network`, 'write the control plane endpoint\'s address as a.b.c.d/32 (or its range, e.g. "172.16.0.0/28")');
  }
  if (!Number.isInteger(api.port) || api.port < 1 || api.port > 65535) {
    refuse(`kubernetesApi.port ${api.port} is not a port`, 'give the port the API server endpoint listens on (443 on GKE, often 6443 elsewhere)');
  }
}
