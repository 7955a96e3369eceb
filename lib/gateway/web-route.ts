import { Construct, IConstruct } from 'constructs';
import {
  BackendTrafficPolicy, BackendTrafficPolicySpecRateLimitLocalRules, BackendTrafficPolicySpecRateLimitLocalRulesClientSelectorsSourceCidrType,
  BackendTrafficPolicySpecRateLimitLocalRulesLimitUnit,
} from '../../imports/gateway.envoyproxy.io';
import {
  HttpRoute, HttpRouteSpecRules, HttpRouteSpecRulesBackendRefs, HttpRouteSpecRulesFiltersType, HttpRouteSpecRulesMatchesPathType, ReferenceGrant,
} from '../../imports/gateway.networking.k8s.io';
import { SystemChart } from '../chart';
import { fail } from '../core/errors';
import { stableLabels } from '../core/labels';
import { namespacedMeta } from '../core/metadata';
import { isDnsLabel } from '../core/names';
import { Environment } from '../environments/environment';
import { checkIngressProps, claimRoute, IHttpBackend, IngressRouteSpec, WebIngressProps } from '../ingress/web-ingress';
import { GATEWAY_API_GROUP, httpsListenerName } from './listeners';

/** Annotation listing what a route's props ask that the Gateway implementation cannot enforce, and why. */
const NOT_ENFORCED_ANNOTATION = 'fleet.dev/not-enforced';

/**
 * Every client address, IPv4 and IPv6, each counted on its own (`Distinct`): the per-client-IP
 * rate limit. Local rate limits take Distinct source matching since Envoy Gateway v1.4
 * (envoyproxy/gateway#5315; the v1.9 CRD allows it).
 */
const EVERY_CLIENT = ['0.0.0.0/0', '::/0'];

/** One rule of an HTTPRoute and the Service it routes to. */
export interface RouteRuleBackend {
  /** The environment of the HTTPRoute. */
  readonly environment: string;
  /** Namespace of the HTTPRoute. */
  readonly namespace: string;
  /** Name of the HTTPRoute. */
  readonly route: string;
  /** Index of the rule in the HTTPRoute's rules. */
  readonly index: number;
  /** The Service (the live one of a blue/green backend). */
  readonly serviceName: string;
  /** Its namespace. */
  readonly serviceNamespace: string;
}

/** Every route rule of an app, by its root: found without walking the tree once per reader. */
const RULES_OF_APP = new WeakMap<IConstruct, RouteRuleBackend[]>();

function registerRule(scope: IConstruct, rule: RouteRuleBackend): void {
  const root = scope.node.root;
  const rules = RULES_OF_APP.get(root) ?? [];
  rules.push(rule);
  RULES_OF_APP.set(root, rules);
}

/** The rules of every HTTPRoute built so far in `scope`'s app, in `environment`. */
export function routeRules(scope: IConstruct, environment: string): RouteRuleBackend[] {
  return (RULES_OF_APP.get(scope.node.root) ?? []).filter(r => r.environment === environment);
}

/**
 * Gateway API routes from the same props as an ingress-nginx Ingress (WebIngress): one
 * HTTPRoute per host, attached to that host's HTTPS listener of the environment's Gateway (the
 * Gateway's HTTP listener redirects every host to HTTPS), with the security headers set by a
 * ResponseHeaderModifier, long-lived streams (WebSocket, SSE) without a request timeout, and a
 * blue/green backend's canary as weighted backendRefs between its live and preview Services.
 * What the Gateway API does not standardise comes from the implementation's policy (Envoy
 * Gateway's BackendTrafficPolicy): the per-client-IP rate limit, answered 429, and the idle
 * timeout of streams. What cannot be expressed is named in the routes' `fleet.dev/not-enforced`
 * annotation (and `notEnforced`). A backend in another namespace gets a ReferenceGrant there.
 */
export class WebRoute extends Construct {
  /** The HTTPRoutes, one per host: an HTTPRoute's rules apply to every hostname it has. */
  public readonly httpRoutes: HttpRoute[] = [];
  /** The rate limit and idle timeout of the routes, when they have either. */
  public readonly trafficPolicy?: BackendTrafficPolicy;
  /** ReferenceGrants letting the routes reach Services of other namespaces. */
  public readonly referenceGrants: ReferenceGrant[] = [];
  public readonly name: string;
  public readonly hosts: string[];
  public readonly routes: IngressRouteSpec[];
  /** What the props ask that the implementation cannot enforce, each with why. */
  public readonly notEnforced: string[] = [];

  constructor(scope: Construct, id: string, props: WebIngressProps) {
    super(scope, id);
    const env = Environment.of(this);
    const chart = SystemChart.of(this);
    const gateway = env.settings.gateway;
    if (!env.servesGatewayApi) {
      fail(this, `HTTPRoute ${props.name} is for the Gateway API, but ${env.name}'s edge is ${env.settings.edge}`,
        'render the route with EdgeRoute (lib/edge/edge-route.ts), which follows the environment\'s edge, or set edge: "both" for a cut-over');
    }
    const headers = checkIngressProps(this, props);
    if (!(props.tls ?? true)) {
      fail(this, `route ${props.name} asks for no TLS, but the Gateway serves hosts on HTTPS only (its HTTP listener redirects)`,
        'remove "tls: false"');
    }
    if (props.clusterIssuer !== undefined && props.clusterIssuer !== env.settings.clusterIssuer) {
      fail(this, `route ${props.name} asks for ClusterIssuer ${props.clusterIssuer}, but the Gateway's certificates all come from ${env.name}'s, ${env.settings.clusterIssuer} (its cert-manager.io/cluster-issuer annotation)`,
        `leave clusterIssuer unset, or change ${env.name}'s clusterIssuer in lib/environments/settings.ts`);
    }
    this.name = props.name;
    this.routes = props.routes;
    this.hosts = [...new Set(props.routes.map(r => r.host))].sort();
    const wildcard = this.hosts.find(h => h.startsWith('*.'));
    if (wildcard) {
      fail(this, `route ${props.name} serves the wildcard host ${wildcard}, but the Gateway has one HTTPS listener per host, each with a certificate from an HTTP-01 issuer, which issues no wildcard certificate`,
        'name each host, or add a wildcard listener to the Gateway with a DNS-01 issuer (lib/gateway/edge-gateway.ts)');
    }
    const rate = props.rateLimit ?? {};
    const timeout = props.streamingTimeoutSeconds ?? props.websocketTimeoutSeconds;

    // What ingress-nginx enforces and Envoy Gateway has no way to say.
    this.notEnforced.push(`connectionsPerIp ${rate.connectionsPerIp ?? 20}: Envoy Gateway limits connections per listener (ClientTrafficPolicy), not per client IP`);
    if (rate.burstMultiplier !== undefined) {
      this.notEnforced.push(`burstMultiplier ${rate.burstMultiplier}: an Envoy token bucket holds one period's requests, no more`);
    }
    if (props.maxBodySize !== undefined) {
      this.notEnforced.push(`maxBodySize ${props.maxBodySize}: Envoy streams request bodies to the backend without a size limit`);
    }

    const labels = (instance: string) => stableLabels({ name: props.name, instance, component: props.component ?? 'ingress', partOf: chart.system });
    const headerFilter = headers ? [{
      type: HttpRouteSpecRulesFiltersType.RESPONSE_HEADER_MODIFIER,
      responseHeaderModifier: { set: Object.keys(headers.headers).sort().map(name => ({ name, value: headers.headers[name] })) },
    }] : [];

    for (const host of this.hosts) {
      const name = this.hosts.length === 1 ? props.name : `${props.name}-${host.replace(/\./g, '-')}`;
      if (!isDnsLabel(name)) {
        fail(this, `HTTPRoute name "${name}" (route ${props.name} for host ${host}) is longer than 63 characters`,
          'give the route a shorter name: a route with several hosts renders one HTTPRoute per host, named <name>-<host>');
      }
      const rules: HttpRouteSpecRules[] = props.routes.filter(r => r.host === host).map((r, index) => {
        const path = r.path ?? '/';
        claimRoute(this, 'HTTPRoute', host, path);
        r.backend.allowFromGatewayDataPlane();
        const rule: RouteRuleBackend = {
          environment: env.name, namespace: chart.namespaceName, route: name, index,
          serviceName: r.backend.serviceName, serviceNamespace: r.backend.namespaceName ?? chart.namespaceName,
        };
        // What an SLO measured at the Gateway counts (lib/observability/service-level.ts).
        registerRule(this, rule);
        return {
          matches: [{ path: { type: r.pathType === 'Exact' ? HttpRouteSpecRulesMatchesPathType.EXACT : HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: path } }],
          ...(headerFilter.length ? { filters: headerFilter } : {}),
          backendRefs: this.backendRefs(r.backend, chart),
          // A WebSocket or an event stream lasts as long as the client stays: no request
          // deadline (a zero duration disables it); the idle cut-off is the policy's below.
          ...(timeout !== undefined ? { timeouts: { request: '0s' } } : {}),
        };
      });
      this.httpRoutes.push(new HttpRoute(this, `route-${host}`, {
        metadata: namespacedMeta(this, name, labels(name), { [NOT_ENFORCED_ANNOTATION]: this.notEnforced.join('; ') }),
        spec: {
          parentRefs: [{ group: GATEWAY_API_GROUP, kind: 'Gateway', namespace: gateway.namespace, name: gateway.name, sectionName: httpsListenerName(host) }],
          hostnames: [host],
          rules,
        },
      }));
    }

    // Envoy Gateway: the rate limit per client IP (Envoy answers 429) and the streams' idle cut-off.
    if (rate.requestsPerMinute !== undefined || timeout !== undefined) {
      const rules: BackendTrafficPolicySpecRateLimitLocalRules[] = rate.requestsPerMinute === undefined ? [] : EVERY_CLIENT.map(cidr => ({
        clientSelectors: [{ sourceCidr: { type: BackendTrafficPolicySpecRateLimitLocalRulesClientSelectorsSourceCidrType.DISTINCT, value: cidr } }],
        limit: { requests: rate.requestsPerMinute!, unit: BackendTrafficPolicySpecRateLimitLocalRulesLimitUnit.MINUTE },
      }));
      this.trafficPolicy = new BackendTrafficPolicy(this, 'traffic-policy', {
        metadata: namespacedMeta(this, props.name, labels(props.name)),
        spec: {
          targetRefs: this.httpRoutes.map(r => ({ group: GATEWAY_API_GROUP, kind: 'HTTPRoute', name: r.name })),
          ...(rules.length ? { rateLimit: { local: { rules } } } : {}),
          // The longest silence a stream may have, as ingress-nginx's proxy-read-timeout; it
          // overrides the listener's stream idle timeout (5 minutes) for these routes.
          ...(timeout !== undefined ? { timeout: { http: { streamIdleTimeout: `${timeout}s` } } } : {}),
        },
      });
    }
  }

  /** The backendRefs of one path: the live Service, and with a canary its preview by weight (percent). */
  private backendRefs(backend: IHttpBackend, chart: SystemChart): HttpRouteSpecRulesBackendRefs[] {
    const namespace = backend.namespaceName !== undefined && backend.namespaceName !== chart.namespaceName ? backend.namespaceName : undefined;
    if (namespace) {
      this.grantFrom(backend, chart.namespaceName);
      if (backend.canary) { this.grantFrom({ ...backend, serviceName: backend.canary.serviceName }, chart.namespaceName); }
    }
    const ref = (name: string, weight?: number): HttpRouteSpecRulesBackendRefs => ({
      name, ...(namespace ? { namespace } : {}), port: backend.httpServicePort, ...(weight !== undefined ? { weight } : {}),
    });
    const weight = backend.canary?.weight ?? 0;
    return weight > 0
      ? [ref(backend.serviceName, 100 - weight), ref(backend.canary!.serviceName, weight)]
      : [ref(backend.serviceName)];
  }

  /** A ReferenceGrant in the backend's namespace (its chart) letting this namespace's HTTPRoutes reach its Service. */
  private grantFrom(backend: IHttpBackend, fromNamespace: string): void {
    const owner = backend as unknown as IConstruct;
    if (!Construct.isConstruct(owner)) {
      fail(this, `Service ${backend.namespaceName}/${backend.serviceName} is in another namespace, but is not a construct of a system chart`,
        'route to a Microservice (or another construct) of the other system, so that its chart renders the ReferenceGrant');
    }
    const target = SystemChart.of(owner);
    if (target.namespaceName !== backend.namespaceName) {
      fail(this, `Service ${backend.serviceName} says it is in namespace ${backend.namespaceName}, but its chart renders into ${target.namespaceName}`,
        'give the backend its chart\'s namespace');
    }
    const id = `reference-grant-httproute-${fromNamespace}-${backend.serviceName}`;
    if (target.node.tryFindChild(id)) { return; }
    const name = `httproute-${fromNamespace}-${backend.serviceName}`;
    if (!isDnsLabel(name)) {
      fail(this, `ReferenceGrant name "${name}" is longer than 63 characters`, 'use shorter namespace or Service names');
    }
    this.referenceGrants.push(new ReferenceGrant(target, id, {
      metadata: namespacedMeta(target, name, stableLabels({ name: backend.serviceName, instance: name, component: 'ingress', partOf: target.system })),
      spec: {
        from: [{ group: GATEWAY_API_GROUP, kind: 'HTTPRoute', namespace: fromNamespace }],
        to: [{ group: '', kind: 'Service', name: backend.serviceName }],
      },
    }));
  }
}
