import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { Application, AppProject } from '../../imports/argoproj.io';
import { SystemChart } from '../chart';
import { byCodeUnit } from '../core/checks';
import { fail } from '../core/errors';
import { IN_CLUSTER, PLATFORM_NAME, syncRetry } from '../gitops/argo-cd';
import { healthCustomizations } from '../gitops/health-checks';
import { syncWaveAnnotation } from '../gitops/sync-waves';
import { DEFAULT_EVALUATION_INTERVAL } from '../monitoring/alert-routing';
import { BLACKBOX_EXPORTER } from '../monitoring/blackbox';
import { EdgeGateway } from '../gateway/edge-gateway';
import { IMPLEMENTATIONS } from '../gateway/implementations';
import { HTTP_LISTENER } from '../gateway/listeners';
import { AddonApplication } from './addon-application';
import { alertRoutingSelection, blackboxModules, MATCHER_STRATEGY } from './alert-delivery';
import { AcmeClusterIssuer, issuersUsed } from './cluster-issuers';
import { allowedResponseHeaders } from './ingress-controller';
import { addonNamespaces } from './namespaces';
import { GRAFANA_ADMIN, GrafanaAdminSecret, monitoringSelection, namespacesByName } from './monitoring-stack';
import { AddonName, PINS } from './pins';
import { PlatformChart, platformLabels } from './platform-chart';
import { grafanaSidecarValues } from '../observability/dashboard';
import { adapterRules, prometheusUrl } from './prometheus-adapter';
import { FleetSecretStore, operatorServiceAccountAnnotations } from './secret-store';
import { PLATFORM, PlatformSettings } from './settings';

/**
 * The order the platform folder applies in. Argo CD waits for each wave's Applications to be
 * Healthy (lib/gitops/health-checks.ts) before the next.
 */
export enum PlatformWave {
  /** The add-ons' Namespaces, with their Pod Security labels. */
  NAMESPACES = -3,
  /** The AppProject of the add-on Applications. */
  PROJECT = -2,
  /** Argo CD itself: a change to its configuration (the health checks) applies before anything relies on it. */
  ARGO_CD = 0,
  /**
   * The Gateway implementation, with the Gateway API CRDs its chart installs, beside Argo CD:
   * cert-manager (next wave) does not start with its Gateway API support on unless
   * gateway.networking.k8s.io/v1 is served (cert-manager#5616).
   */
  GATEWAY_API = 0,
  /** cert-manager and the External Secrets Operator, whose CRDs and webhooks the next waves use. */
  FOUNDATIONS = 1,
  /** The ClusterIssuers, the ClusterSecretStore and Grafana's admin login (platform-config). */
  CONFIG = 2,
  /** The monitoring stack (its CRDs) and the datastore operators (theirs; RabbitMQ's needs cert-manager). */
  OPERATORS = 3,
  /** What needs an operator of wave 3: the barman-cloud plugin (CloudNativePG), the ingress controller, adapter and blackbox exporter (Prometheus, ServiceMonitor CRD). */
  CONSUMERS = 4,
}

/** Name of the AppProject of the add-on Applications. */
const ADDONS_PROJECT = 'platform-addons';

/**
 * The cluster-scoped kinds the pinned charts and kustomization render (read from their
 * templates at the pinned versions): the add-on project allows these and no other.
 */
const ADDON_CLUSTER_KINDS = [
  { group: '', kind: 'Namespace' }, // rabbitmq-system, from its kustomization
  { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration' },
  // Envoy Gateway's chart: the Gateway API bundle's safe-upgrades policy and its binding.
  { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicy' },
  { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicyBinding' },
  { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration' },
  { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
  { group: 'apiregistration.k8s.io', kind: 'APIService' }, // prometheus-adapter's custom.metrics.k8s.io
  { group: 'networking.k8s.io', kind: 'IngressClass' },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
];

/** The namespace where an API server keeps what extension API servers must read (prometheus-adapter binds a Role there). */
const KUBE_SYSTEM = 'kube-system';

export interface FleetPlatformProps {
  /** The environment's systems: the add-ons' values are derived from what they render. */
  readonly systems: readonly SystemChart[];
  /** The chart of `dist/<env>/platform-config/`, where the cluster objects of the add-ons' kinds render. */
  readonly config: PlatformChart;
  /**
   * Settings beyond the environment's.
   * @default - PLATFORM[environment] (lib/platform/settings.ts)
   */
  readonly settings?: PlatformSettings;
}

/**
 * An environment's platform layer: the Argo CD Applications installing every pinned add-on
 * (lib/platform/pins.ts) into its namespace, in waves, with values derived from what the
 * systems render, plus the ClusterIssuers, the ClusterSecretStore and Grafana's admin login,
 * which a later wave applies once their CRDs exist. Argo CD's own values, with the health
 * checks the waves rely on, are also written for the hand-run bootstrap install.
 */
export class FleetPlatform extends Construct {
  public readonly chart: PlatformChart;
  public readonly configChart: PlatformChart;
  /** The add-ons' Namespaces, by name. */
  public readonly namespaces: Readonly<Record<string, k8s.KubeNamespace>>;
  /** The AppProject of the add-on Applications. */
  public readonly project: AppProject;
  /** Each add-on's Application: every pinned add-on but the edge the environment does not use (ingress-nginx or Envoy Gateway). */
  public readonly addons: Readonly<Partial<Record<AddonName, AddonApplication>>>;
  /** The GatewayClass and Gateway, where the environment's edge is the Gateway API. */
  public readonly gateway?: EdgeGateway;
  /** The Application syncing `dist/<env>/platform-config/`. */
  public readonly configApplication: Application;
  public readonly issuers: readonly AcmeClusterIssuer[];
  public readonly secretStore: FleetSecretStore;
  public readonly grafanaAdmin: GrafanaAdminSecret;
  /** The Helm values of Argo CD itself, as the bootstrap file and the argo-cd Application carry them. */
  public readonly argoCdValues: Record<string, unknown>;

  constructor(scope: PlatformChart, id: string, props: FleetPlatformProps) {
    super(scope, id);
    this.chart = scope;
    this.configChart = props.config;
    const env = scope.environment;
    const settings = props.settings ?? PLATFORM[env.name];
    const gitops = env.settings.gitops;
    const ha = env.settings.highAvailability;
    if (scope.folder !== 'platform' || props.config.folder !== 'platform-config' || props.config.environment !== env) {
      fail(this, `the platform renders into ${scope.outputDir} and ${props.config.outputDir}`, `pass ${env.name}'s "platform" chart as the scope and its "platform-config" chart as config`);
    }
    for (const system of props.systems) {
      if (system.environment !== env) {
        fail(this, `system ${system.node.path} is rendered for ${system.environment.name}, not ${env.name}`, 'pass only the systems of this environment');
      }
    }
    // What the systems render, as Argo CD will apply it: every derived value is read from here.
    const rendered = props.systems.flatMap(s => s.toJson());

    const monitoring = env.settings.monitoringNamespace;
    const ingress = env.settings.ingressControllerNamespace;
    // Only the edge the environment uses: a retired controller is not installed where nothing
    // needs it, and of the Gateway API implementations only the environment's.
    const gatewayAddons = new Set<string>(Object.values(IMPLEMENTATIONS).map(i => i.addon));
    const gatewayAddon = env.servesGatewayApi ? IMPLEMENTATIONS[env.settings.gateway.implementation].addon : undefined;
    const installed = (Object.keys(PINS) as AddonName[]).filter(name =>
      (name !== 'ingress-nginx' || env.servesIngressNginx) && (!gatewayAddons.has(name) || name === gatewayAddon));
    const namespaceOf = Object.fromEntries(Object.entries(addonNamespaces(env.settings)).filter(([name]) => installed.includes(name as AddonName))) as Partial<Record<AddonName, string>>;
    const addonNamespaceList = [...new Set(Object.values(namespaceOf))] as string[];

    // Namespaces: not Argo CD's (installed by hand, before all this), not rabbitmq-system (its
    // kustomization renders it); and the Gateway's, where its certificates live.
    const namespaces: Record<string, k8s.KubeNamespace> = {};
    const owned = [...new Set([...addonNamespaceList, ...(env.servesGatewayApi ? [env.settings.gateway.namespace] : [])])]
      .filter(n => n !== gitops.namespace && n !== 'rabbitmq-system').sort(byCodeUnit);
    for (const name of owned) {
      // node-exporter shares the node's network and PID namespaces and reads its filesystem.
      const level = name === monitoring ? 'privileged' : 'baseline';
      namespaces[name] = new k8s.KubeNamespace(this, `namespace-${name}`, {
        metadata: {
          name,
          labels: {
            ...platformLabels(name, 'namespace'),
            'pod-security.kubernetes.io/enforce': level,
            'pod-security.kubernetes.io/warn': 'restricted',
            'pod-security.kubernetes.io/audit': 'restricted',
          },
        },
      });
    }
    this.namespaces = namespaces;

    const server = gitops.destinationServer ?? IN_CLUSTER;
    this.project = new AppProject(this, 'project', {
      metadata: {
        name: ADDONS_PROJECT,
        namespace: gitops.namespace,
        labels: platformLabels(ADDONS_PROJECT, 'project'),
        annotations: syncWaveAnnotation(PlatformWave.PROJECT),
      },
      spec: {
        description: `The ${env.name} platform add-ons: the pinned upstream charts, into their namespaces`,
        sourceRepos: [...new Set(installed.map(name => PINS[name].repoURL))].sort(byCodeUnit),
        destinations: [...new Set([...addonNamespaceList, KUBE_SYSTEM])].sort(byCodeUnit).map(namespace => ({ server, namespace })),
        clusterResourceWhitelist: ADDON_CLUSTER_KINDS,
      },
    });

    // Argo CD's own configuration: the health checks the waves of the app of apps rely on.
    this.argoCdValues = { configs: { cm: healthCustomizations() } };
    scope.addBootstrapFile('argocd-values.yaml', this.argoCdValues);

    // Monitoring: Prometheus selects what the systems' monitors and rules carry, where they are.
    // The Gateway's proxies are scraped where they run (lib/gateway/edge-gateway.ts).
    const selection = monitoringSelection(this, env, rendered, [
      monitoring,
      ...(env.servesIngressNginx ? [ingress] : []),
      ...(env.servesGatewayApi ? [env.settings.gateway.dataPlane.namespace] : []),
    ]);
    const releaseLabels = Object.keys(selection.labels);
    if (releaseLabels.length !== 1 || releaseLabels[0] !== 'release') {
      fail(this, `prometheusSelector ${JSON.stringify(selection.labels)} is not one release label`,
        'select on { release: "<name>" }: kube-prometheus-stack labels its own monitors (node-exporter, kube-state-metrics) with its release name');
    }
    const monitoringRelease = selection.labels.release;
    const stackName = 'kube-prometheus-stack';
    const byName = namespacesByName(selection.namespaces);
    const select = { matchLabels: { ...selection.labels } };
    // Alertmanager: every system's AlertmanagerConfig, each routing its own namespace's alerts.
    const routing = alertRoutingSelection(this, env, rendered);

    const gatewayNamespace = env.settings.gateway.namespace;
    const addonValues: Readonly<Record<AddonName, Record<string, unknown> | undefined>> = {
      'argo-cd': this.argoCdValues,
      'cert-manager': {
        crds: { enabled: true, keep: true },
        // Its leader-election lease in its own namespace, not kube-system.
        global: { leaderElection: { namespace: namespaceOf['cert-manager'] } },
        replicaCount: ha ? 2 : 1,
        podDisruptionBudget: { enabled: ha },
        webhook: { replicaCount: ha ? 2 : 1, podDisruptionBudget: { enabled: ha } },
        cainjector: { replicaCount: ha ? 2 : 1, podDisruptionBudget: { enabled: ha } },
        // The gateway-shim (certificates from the Gateway's annotation) and the HTTP-01
        // gatewayHTTPRoute solver; needs the Gateway API CRDs before it starts (wave GATEWAY_API).
        ...(env.servesGatewayApi ? { config: { enableGatewayAPI: true } } : {}),
      },
      'external-secrets': {
        installCRDs: true,
        replicaCount: ha ? 2 : 1,
        leaderElect: ha,
        serviceAccount: { annotations: operatorServiceAccountAnnotations(this, settings.secretsOperatorIdentity) },
      },
      'cloudnative-pg': { crds: { create: true }, config: { clusterWide: true } },
      'plugin-barman-cloud': {
        image: { tag: PINS['plugin-barman-cloud'].appVersion },
        sidecarImage: { tag: PINS['plugin-barman-cloud'].appVersion },
      },
      'rabbitmq-cluster-operator': undefined,
      'redis-operator': undefined,
      'kube-prometheus-stack': {
        fullnameOverride: stackName,
        crds: { enabled: true },
        // GKE runs the control plane and kube-dns out of reach of in-cluster scrapes.
        kubeControllerManager: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeEtcd: { enabled: false },
        kubeProxy: { enabled: false },
        coreDns: { enabled: false },
        prometheus: {
          prometheusSpec: {
            replicas: ha ? 2 : 1,
            retention: settings.prometheusRetention ?? '15d',
            storageSpec: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: settings.prometheusStorage ?? '50Gi' } } } } },
            serviceMonitorSelectorNilUsesHelmValues: false,
            serviceMonitorSelector: select,
            serviceMonitorNamespaceSelector: byName,
            podMonitorSelectorNilUsesHelmValues: false,
            podMonitorSelector: select,
            podMonitorNamespaceSelector: byName,
            ruleSelectorNilUsesHelmValues: false,
            ruleSelector: select,
            ruleNamespaceSelector: byName,
            probeSelectorNilUsesHelmValues: false,
            probeSelector: select,
            probeNamespaceSelector: byName,
            // Written out: the alerts' response-time bounds count on it (lib/monitoring/alert-routing.ts).
            evaluationInterval: DEFAULT_EVALUATION_INTERVAL,
          },
        },
        alertmanager: {
          alertmanagerSpec: {
            replicas: ha ? 2 : 1,
            alertmanagerConfigSelector: { matchLabels: { ...routing.labels } },
            alertmanagerConfigNamespaceSelector: namespacesByName(routing.namespaces),
            alertmanagerConfigMatcherStrategy: { type: MATCHER_STRATEGY },
          },
        },
        grafana: {
          admin: { existingSecret: GRAFANA_ADMIN.secretName, userKey: GRAFANA_ADMIN.userKey, passwordKey: GRAFANA_ADMIN.passwordKey },
          // The systems' dashboard ConfigMaps, in their namespaces, into a folder each (lib/observability/dashboard.ts).
          sidecar: { dashboards: grafanaSidecarValues(rendered) },
        },
      },
      // The blackbox exporter the systems' Probes go through, with the modules they use. Its
      // chart's NetworkPolicy admits only Prometheus (the monitoring namespace); egress is open
      // (README "Endpoint probes": what it needs, should the namespace get an egress policy).
      'prometheus-blackbox-exporter': {
        fullnameOverride: BLACKBOX_EXPORTER.name,
        replicas: ha ? 2 : 1,
        podDisruptionBudget: ha ? { maxUnavailable: 1 } : {},
        config: { modules: blackboxModules(this, rendered) },
        service: { port: BLACKBOX_EXPORTER.port },
        resources: { requests: { cpu: '25m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
        networkPolicy: { enabled: true, allowMonitoringNamespace: true, monitoringNamespaceName: monitoring },
        serviceMonitor: { selfMonitor: { enabled: true, labels: { ...selection.labels } } },
      },
      'prometheus-adapter': {
        prometheus: { url: prometheusUrl(stackName, monitoring), port: 9090 },
        replicas: ha ? 2 : 1,
        // Only the HPAs' custom Pods metrics: cpu and memory come from the cluster's metrics-server.
        rules: { default: false, custom: adapterRules(rendered) },
      },
      'ingress-nginx': !env.servesIngressNginx ? undefined : {
        controller: {
          replicaCount: ha ? 2 : 1,
          ingressClass: env.settings.ingressClassName,
          ingressClassResource: { name: env.settings.ingressClassName, enabled: true, default: false },
          config: {
            'global-allowed-response-headers': allowedResponseHeaders(this, rendered).join(','),
            // A request over limit-rpm, or a connection over limit-connections, answers 429
            // Too Many Requests, as Envoy Gateway's rate limit does (ingress-nginx's default: 503).
            'limit-req-status-code': '429',
            'limit-conn-status-code': '429',
          },
          metrics: { enabled: true, serviceMonitor: { enabled: true, additionalLabels: { ...selection.labels } } },
        },
      },
      // Envoy Gateway: its controller and each Gateway's Envoy proxies, two of each in HA
      // environments (local rate limits count per proxy, as ingress-nginx's per controller pod).
      'envoy-gateway': {
        deployment: { replicas: ha ? 2 : 1 },
        podDisruptionBudget: { minAvailable: ha ? 1 : 0 },
        config: {
          envoyGateway: {
            envoyProxy: {
              provider: {
                type: 'Kubernetes',
                kubernetes: {
                  envoyDeployment: { replicas: ha ? 2 : 1 },
                  ...(ha ? { envoyPDB: { minAvailable: 1 } } : {}),
                },
              },
            },
          },
        },
      },
      // Reloader: only the annotations the fleet writes (no reload-everything), restarts by a
      // pod-template annotation rather than an injected environment variable, and never the
      // platform's own Secrets (cert-manager's renewals, CloudNativePG's CA rotation).
      'reloader': {
        reloader: {
          reloadStrategy: 'annotations',
          autoReloadAll: false,
          watchGlobally: true,
          ignoreNamespaces: addonNamespaceList.filter(n => n !== monitoring).sort(byCodeUnit).join(','),
          enableHA: ha,
          deployment: { replicas: ha ? 2 : 1 },
        },
      },
    };

    const wave: Readonly<Record<AddonName, PlatformWave>> = {
      'argo-cd': PlatformWave.ARGO_CD,
      'cert-manager': PlatformWave.FOUNDATIONS,
      'external-secrets': PlatformWave.FOUNDATIONS,
      'kube-prometheus-stack': PlatformWave.OPERATORS,
      'cloudnative-pg': PlatformWave.OPERATORS,
      'rabbitmq-cluster-operator': PlatformWave.OPERATORS,
      'redis-operator': PlatformWave.OPERATORS,
      'plugin-barman-cloud': PlatformWave.CONSUMERS,
      'ingress-nginx': PlatformWave.CONSUMERS,
      'reloader': PlatformWave.FOUNDATIONS,
      'prometheus-adapter': PlatformWave.CONSUMERS,
      // Its ServiceMonitor needs the stack's CRD.
      'prometheus-blackbox-exporter': PlatformWave.CONSUMERS,
      'envoy-gateway': PlatformWave.GATEWAY_API,
    };
    const releaseName: Partial<Record<AddonName, string>> = {
      // The bootstrap `helm install argocd …` release, which this Application then adopts.
      'argo-cd': 'argocd',
      'kube-prometheus-stack': monitoringRelease,
    };
    const addons: Partial<Record<AddonName, AddonApplication>> = {};
    for (const name of installed) {
      addons[name] = new AddonApplication(this, name, {
        name,
        pin: PINS[name],
        namespace: namespaceOf[name]!,
        wave: wave[name],
        project: ADDONS_PROJECT,
        values: addonValues[name],
        releaseName: releaseName[name],
      });
    }
    this.addons = addons;

    // platform-config: the objects of the add-ons' own kinds, once their CRDs and webhooks exist.
    const config = props.config;
    // HTTP-01 challenges are answered where DNS points: the Gateway once the edge is the Gateway
    // API; ingress-nginx before and during a cut-over (edge "both").
    const solver = env.settings.edge === 'gateway-api'
      ? { gateway: { name: env.settings.gateway.name, namespace: gatewayNamespace, sectionName: HTTP_LISTENER } }
      : { ingressClassName: env.settings.ingressClassName };
    this.issuers = issuersUsed(this, env, rendered).map(name => new AcmeClusterIssuer(config, `issuer-${name}`, { name, solver }));
    if (env.servesGatewayApi) {
      this.gateway = new EdgeGateway(config, 'gateway', { objects: rendered });
    }
    this.secretStore = new FleetSecretStore(config, 'secret-store', {
      identity: settings.secretsOperatorIdentity,
      operatorNamespace: namespaceOf['external-secrets']!,
      operatorServiceAccount: 'external-secrets',
    });
    this.grafanaAdmin = new GrafanaAdminSecret(config, 'grafana-admin', { namespace: monitoring });
    this.configApplication = new Application(this, 'config-application', {
      metadata: {
        name: 'platform-config',
        namespace: gitops.namespace,
        labels: platformLabels('platform-config', 'application'),
        annotations: syncWaveAnnotation(PlatformWave.CONFIG),
      },
      spec: {
        project: PLATFORM_NAME,
        source: {
          repoUrl: gitops.repoURL,
          targetRevision: gitops.targetRevision,
          path: `dist/${config.outputDir}`,
          directory: { recurse: false, include: '*.yaml' },
        },
        destination: { server, namespace: gitops.namespace },
        syncPolicy: {
          automated: { prune: gitops.automated, selfHeal: true },
          syncOptions: ['PruneLast=true'],
          retry: syncRetry(this, {}),
        },
        revisionHistoryLimit: 10,
      },
    });
  }
}
