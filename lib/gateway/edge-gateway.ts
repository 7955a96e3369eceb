import { Construct } from 'constructs';
import { ClientTrafficPolicy, ClientTrafficPolicySpecTlsMaxVersion, ClientTrafficPolicySpecTlsMinVersion } from '../../imports/gateway.envoyproxy.io';
import {
  Gateway, GatewayClass, GatewaySpecListeners, GatewaySpecListenersAllowedRoutesNamespacesFrom, GatewaySpecListenersTlsMode, HttpRoute,
  HttpRouteSpecRulesFiltersRequestRedirectScheme, HttpRouteSpecRulesFiltersRequestRedirectStatusCode, HttpRouteSpecRulesFiltersType,
} from '../../imports/gateway.networking.k8s.io';
import { PodMonitor, PodMonitorSpecPodMetricsEndpointsScheme } from '../../imports/monitoring.coreos.com';
import { byCodeUnit } from '../core/checks';
import { fail } from '../core/errors';
import { isDnsSubdomain } from '../core/names';
import { Environment } from '../environments/environment';
import { syncWaveAnnotation, SyncWave } from '../gitops/sync-waves';
import { CLUSTER_ISSUER_ANNOTATION } from '../platform/cluster-issuers';
import { platformLabels } from '../platform/platform-chart';
import { IMPLEMENTATIONS } from './implementations';
import { certificateSecretName, GATEWAY_API_GROUP, HTTP_LISTENER, httpsListenerName } from './listeners';

/** Argo CD leaves an object with this annotation out of its Application's health (not out of its sync). */
const IGNORE_HEALTH = 'argocd.argoproj.io/ignore-healthcheck';

/** The most listeners a Gateway may have (the Gateway API CRD's maxItems). */
const MAX_LISTENERS = 64;

/** A host the Gateway serves: the namespaces whose HTTPRoutes claim it. */
export interface GatewayHost {
  readonly host: string;
  readonly namespaces: readonly string[];
}

export interface EdgeGatewayProps {
  /**
   * What the environment's systems render: the Gateway gets an HTTPS listener for every host
   * an HTTPRoute attaches to it for, open to exactly the namespaces of those routes.
   */
  readonly objects: readonly any[];
}

/**
 * The environment's edge on the Gateway API, owned by the platform: the implementation's
 * GatewayClass, and one Gateway with a plain-HTTP listener that only redirects to HTTPS (and
 * carries cert-manager's HTTP-01 challenges) and an HTTPS listener per host, each with the
 * certificate cert-manager's gateway-shim issues from the Gateway's
 * `cert-manager.io/cluster-issuer` annotation into the Gateway's namespace (so no
 * ReferenceGrant is needed for it). Routes attach from the systems' namespaces: a listener's
 * allowedRoutes admits only the namespaces whose routes claim its host, so no system can take
 * another's host. Envoy Gateway's ClientTrafficPolicy holds the listeners to TLS 1.2 and 1.3.
 */
export class EdgeGateway extends Construct {
  public readonly gatewayClass: GatewayClass;
  public readonly gateway: Gateway;
  /** The HTTP listener's route: every host, redirected to HTTPS. */
  public readonly httpsRedirect: HttpRoute;
  public readonly clientPolicy: ClientTrafficPolicy;
  /** Prometheus's scrape of the Gateway's proxies (in the data plane's namespace). */
  public readonly proxyMonitor: PodMonitor;
  /** The hosts it serves on HTTPS, sorted, with the namespaces admitted to each. */
  public readonly hosts: readonly GatewayHost[];

  constructor(scope: Construct, id: string, props: EdgeGatewayProps) {
    super(scope, id);
    const env = Environment.of(this);
    const settings = env.settings.gateway;
    if (!env.servesGatewayApi) {
      fail(this, `${env.name}'s edge is ${env.settings.edge}, which renders no Gateway`, 'render the Gateway only where the edge is "gateway-api" or "both"');
    }
    this.hosts = routedHosts(this, props.objects, settings.namespace, settings.name);
    if (this.hosts.length + 1 > MAX_LISTENERS) {
      fail(this, `the Gateway would need ${this.hosts.length + 1} listeners (one per host, and HTTP), more than the ${MAX_LISTENERS} a Gateway may have`,
        'split the hosts over a second Gateway, or serve a domain with a wildcard listener (its certificate then needs a DNS-01 issuer)');
    }
    // The last wave of platform-config: nothing there waits on the Gateway, whose listeners are
    // not ready until their certificates are issued (which needs DNS to point at it).
    const wave = syncWaveAnnotation(SyncWave.TRAFFIC);
    const routeKinds = [{ group: GATEWAY_API_GROUP, kind: 'HTTPRoute' }];

    this.gatewayClass = new GatewayClass(this, 'class', {
      metadata: { name: settings.className, labels: platformLabels(settings.className, 'gateway-class'), annotations: wave },
      spec: {
        controllerName: IMPLEMENTATIONS[settings.implementation].controllerName,
        description: `The ${env.name} edge (${settings.implementation})`,
      },
    });

    const listeners: GatewaySpecListeners[] = [
      {
        name: HTTP_LISTENER,
        protocol: 'HTTP',
        port: 80,
        // Only the Gateway's own namespace: its redirect and cert-manager's challenge routes.
        allowedRoutes: { namespaces: { from: GatewaySpecListenersAllowedRoutesNamespacesFrom.SAME }, kinds: routeKinds },
      },
      ...this.hosts.map(({ host, namespaces }) => {
        const secret = certificateSecretName(host);
        if (!isDnsSubdomain(secret)) {
          fail(this, `the certificate Secret name of host ${host}, "${secret}", is longer than 253 characters`, 'use a shorter host name');
        }
        return {
          name: httpsListenerName(host),
          hostname: host,
          protocol: 'HTTPS',
          port: 443,
          tls: { mode: GatewaySpecListenersTlsMode.TERMINATE, certificateRefs: [{ group: '', kind: 'Secret', name: secret }] },
          allowedRoutes: {
            namespaces: {
              from: GatewaySpecListenersAllowedRoutesNamespacesFrom.SELECTOR,
              selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [...namespaces] }] },
            },
            kinds: routeKinds,
          },
        };
      }),
    ];
    const secrets = new Map<string, string>();
    for (const { host } of this.hosts) {
      const other = secrets.get(certificateSecretName(host));
      if (other) {
        fail(this, `hosts ${other} and ${host} would share the certificate Secret ${certificateSecretName(host)}`, 'rename one of the hosts');
      }
      secrets.set(certificateSecretName(host), host);
    }

    this.gateway = new Gateway(this, 'gateway', {
      metadata: {
        name: settings.name,
        namespace: settings.namespace,
        labels: platformLabels(settings.name, 'gateway'),
        annotations: {
          [CLUSTER_ISSUER_ANNOTATION]: env.settings.clusterIssuer,
          // A listener reports ResolvedRefs False (Argo CD: Degraded) until cert-manager has
          // issued its certificate, which needs DNS to point at the Gateway: the platform
          // Application, and so every system after it, must not wait on DNS. The Gateway's own
          // health still shows in Argo CD.
          [IGNORE_HEALTH]: 'true',
          ...wave,
        },
      },
      spec: { gatewayClassName: settings.className, listeners },
    });

    this.httpsRedirect = new HttpRoute(this, 'https-redirect', {
      metadata: { name: 'https-redirect', namespace: settings.namespace, labels: platformLabels('https-redirect', 'ingress'), annotations: wave },
      spec: {
        parentRefs: [{ group: GATEWAY_API_GROUP, kind: 'Gateway', name: settings.name, sectionName: HTTP_LISTENER }],
        rules: [{
          filters: [{
            type: HttpRouteSpecRulesFiltersType.REQUEST_REDIRECT,
            requestRedirect: { scheme: HttpRouteSpecRulesFiltersRequestRedirectScheme.HTTPS, statusCode: HttpRouteSpecRulesFiltersRequestRedirectStatusCode.VALUE_301 },
          }],
        }],
      },
    });

    // Document 000: TLS 1.2 and 1.3 only.
    this.clientPolicy = new ClientTrafficPolicy(this, 'client-policy', {
      metadata: { name: settings.name, namespace: settings.namespace, labels: platformLabels(settings.name, 'gateway'), annotations: wave },
      spec: {
        targetRefs: [{ group: GATEWAY_API_GROUP, kind: 'Gateway', name: settings.name }],
        tls: { minVersion: ClientTrafficPolicySpecTlsMinVersion.VALUE_1_2, maxVersion: ClientTrafficPolicySpecTlsMaxVersion.VALUE_1_3 },
      },
    });

    // The proxies' per-route metrics, which the SLOs of services without metrics of their own
    // count (lib/observability/service-level.ts). Each proxy is scraped once, directly: their
    // Service exposes the listeners only.
    const metrics = IMPLEMENTATIONS[settings.implementation].proxyMetrics;
    const monitorName = `${settings.name}-proxies`;
    this.proxyMonitor = new PodMonitor(this, 'proxy-monitor', {
      metadata: {
        name: monitorName,
        namespace: settings.dataPlane.namespace,
        labels: { ...platformLabels(monitorName, 'monitoring'), ...env.settings.prometheusSelector },
      },
      spec: {
        selector: { matchLabels: { ...settings.dataPlane.podLabels } },
        namespaceSelector: { matchNames: [settings.dataPlane.namespace] },
        podMetricsEndpoints: [{ port: metrics.port, path: metrics.path, interval: PROXY_SCRAPE_INTERVAL, scheme: PodMonitorSpecPodMetricsEndpointsScheme.HTTP }],
      },
    });
  }
}

/** How often the proxies are scraped: Prometheus's usual 30 s; the SLO windows start at 5 minutes. */
const PROXY_SCRAPE_INTERVAL = '30s';

/**
 * The hosts the HTTPRoutes among `objects` attach to Gateway `namespace`/`name` for, each with
 * the namespaces of those routes. A parentRef names the listener of one of its route's
 * hostnames (lib/gateway/listeners.ts); any other is refused here, before the Gateway would
 * leave the route unattached.
 */
function routedHosts(scope: Construct, objects: readonly any[], namespace: string, name: string): GatewayHost[] {
  const byHost = new Map<string, Set<string>>();
  for (const route of objects.filter(o => o.kind === 'HTTPRoute' && o.apiVersion === `${GATEWAY_API_GROUP}/v1`)) {
    const where = `HTTPRoute ${route.metadata.namespace}/${route.metadata.name}`;
    for (const ref of route.spec?.parentRefs ?? []) {
      if ((ref.kind ?? 'Gateway') !== 'Gateway' || (ref.namespace ?? route.metadata.namespace) !== namespace || ref.name !== name) { continue; }
      const host = (route.spec.hostnames ?? []).find((h: string) => httpsListenerName(h) === ref.sectionName);
      if (!host) {
        fail(scope, `${where} attaches to listener "${ref.sectionName ?? '(none)'}" of Gateway ${namespace}/${name}, which is not the listener of one of its hostnames (${(route.spec.hostnames ?? []).join(', ') || 'none'})`,
          'attach a route to the HTTPS listener of each of its hostnames, named as the host (WebRoute does)');
      }
      byHost.set(host, (byHost.get(host) ?? new Set()).add(route.metadata.namespace));
    }
  }
  return [...byHost.keys()].sort(byCodeUnit).map(host => ({ host, namespaces: [...byHost.get(host)!].sort(byCodeUnit) }));
}
