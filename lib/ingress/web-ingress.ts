import { Construct, IConstruct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { SystemChart } from '../chart';
import { checkDnsLabel, checkPositiveInt } from '../core/checks';
import { fail } from '../core/errors';
import { LabelKeys, MANAGED_BY } from '../core/labels';
import { checkHost } from '../core/hosts';
import { checkIngressPath } from '../core/http-path';
import { namespacedMeta } from '../core/metadata';
import { checkDnsSubdomain } from '../core/names';
import { checkNginxSize } from '../core/nginx';
import { Environment } from '../environments/environment';
import { CLUSTER_ISSUER_ANNOTATION } from '../platform/cluster-issuers';
import { CLUSTER_ISSUERS, knownIssuer } from './cluster-issuers';
import { ResponseHeaders } from './response-headers';

/** A Service an Ingress or HTTPRoute can send traffic to. */
export interface IHttpBackend {
  /** The stable Service's name. */
  readonly serviceName: string;
  /** The Service's HTTP port. */
  readonly httpServicePort: number;
  /**
   * Namespace of the Service. An HTTPRoute in another namespace needs a ReferenceGrant there
   * (lib/gateway/web-route.ts renders it); an Ingress cannot route across namespaces.
   * @default - the namespace of the route
   */
  readonly namespaceName?: string;
  /** Admits the ingress controller to the backend's pods (NetworkPolicy). */
  allowFromIngressController(): void;
  /** Admits the Gateway's data plane (its proxies) to the backend's pods (NetworkPolicy). */
  allowFromGatewayDataPlane(): void;
  /**
   * For blue/green backends: the preview Service and the share of traffic it gets.
   * @default - not blue/green, or no canary
   */
  readonly canary?: { readonly serviceName: string; readonly weight: number };
}

/** One host and path routed to a backend. */
export interface IngressRouteSpec {
  /** Host name, e.g. api.songnodes.com. */
  readonly host: string;
  /**
   * Path.
   * @default '/'
   */
  readonly path?: string;
  /**
   * Path match type.
   * @default 'Prefix'
   */
  readonly pathType?: 'Prefix' | 'Exact';
  /** Where the traffic goes. */
  readonly backend: IHttpBackend;
}

/** ingress-nginx rate limits (per client IP, per Ingress). */
export interface RateLimitSpec {
  /**
   * Requests per minute per client IP.
   * @default - no request limit
   */
  readonly requestsPerMinute?: number;
  /**
   * Concurrent connections per client IP.
   * @default 20
   */
  readonly connectionsPerIp?: number;
  /**
   * Burst size as a multiple of the rate.
   * @default 5 (ingress-nginx default)
   */
  readonly burstMultiplier?: number;
}

/** Everything about an Ingress except where it routes. */
export interface IngressOptions {
  /**
   * Terminate TLS with a cert-manager certificate. Required in staging and production.
   * @default true
   */
  readonly tls?: boolean;
  /**
   * Secret cert-manager writes the certificate to.
   * @default `${name}-tls`
   */
  readonly tlsSecretName?: string;
  /**
   * cert-manager ClusterIssuer.
   * @default - the environment's issuer
   */
  readonly clusterIssuer?: string;
  /**
   * Rate limits.
   * @default - 20 connections per IP, no request limit
   */
  readonly rateLimit?: RateLimitSpec;
  /**
   * Response security headers; `false` sends none.
   * @default - the system's shared security-headers ConfigMap
   */
  readonly responseHeaders?: ResponseHeaders | false;
  /**
   * Long-lived WebSocket connections: proxy read/send timeouts in seconds.
   * @default - ingress-nginx's 60 s
   */
  readonly websocketTimeoutSeconds?: number;
  /**
   * Server-sent events: disable response buffering and hold connections this many seconds.
   * @default - buffered, 60 s
   */
  readonly streamingTimeoutSeconds?: number;
  /**
   * Largest request body, e.g. "10m".
   * @default - ingress-nginx's 1m
   */
  readonly maxBodySize?: string;
}

export interface WebIngressProps extends IngressOptions {
  /** Ingress name. */
  readonly name: string;
  /** Routes; at least one. */
  readonly routes: IngressRouteSpec[];
  /**
   * Label app.kubernetes.io/component.
   * @default 'ingress'
   */
  readonly component?: string;
}

/** Host/path pairs claimed so far, per environment of an app and kind of route: two Ingresses (or two HTTPRoutes) cannot share one. */
const claims = new WeakMap<object, Map<string, string>>();

/** Claims `host` + `path` for `scope` among the routes of `kind` of its environment; fails when another has it. */
export function claimRoute(scope: IConstruct, kind: 'Ingress' | 'HTTPRoute' | 'route', host: string, path: string): void {
  const env = Environment.of(scope);
  let byRoot = claims.get(scope.node.root);
  if (!byRoot) {
    byRoot = new Map();
    claims.set(scope.node.root, byRoot);
  }
  const key = `${env.name} ${kind} ${host}${path}`;
  const owner = byRoot.get(key);
  if (owner) {
    fail(scope, `host ${host} path ${path} is already routed by ${owner}`,
      'give this route another host or path, or add it to the existing Ingress');
  }
  byRoot.set(key, scope.node.path);
}

/**
 * Checks what an Ingress and an HTTPRoute rendered from `props` share, whichever the edge:
 * routes, hosts, paths, TLS, the issuer, the limits and timeouts. Returns the response headers
 * to send (undefined for none).
 */
export function checkIngressProps(scope: IConstruct, props: WebIngressProps): ResponseHeaders | undefined {
  const env = Environment.of(scope);
  checkDnsLabel(scope, 'ingress name', props.name);
  if (!props.routes || props.routes.length === 0) {
    fail(scope, 'the Ingress has no routes', 'add at least one { host, backend } route');
  }
  const tls = props.tls ?? true;
  if (!tls && env.settings.requireTls) {
    fail(scope, `Ingress ${props.name} has no TLS in ${env.name}`,
      `remove "tls: false": ${env.name} serves HTTPS only (cert-manager issues the certificate)`);
  }
  for (const r of props.routes) {
    checkHost(scope, 'host', r.host);
    const path = r.path ?? '/';
    checkIngressPath(scope, `path on ${r.host}:`, path);
    if (r.pathType !== undefined && !['Prefix', 'Exact'].includes(r.pathType)) {
      fail(scope, `pathType "${r.pathType}" on ${r.host}${path} is not Prefix or Exact`, 'use "Prefix" (the default) or "Exact"');
    }
  }
  const rate = props.rateLimit ?? {};
  for (const [key, v] of Object.entries(rate)) {
    checkPositiveInt(scope, `rateLimit.${key}`, v as number);
  }
  for (const key of ['websocketTimeoutSeconds', 'streamingTimeoutSeconds'] as const) {
    if (props[key] !== undefined) { checkPositiveInt(scope, key, props[key]!); }
  }
  if (tls && props.tlsSecretName !== undefined) {
    checkDnsSubdomain(scope, 'tlsSecretName', props.tlsSecretName);
  }
  if (props.clusterIssuer !== undefined) {
    checkDnsSubdomain(scope, 'clusterIssuer', props.clusterIssuer);
    if (!knownIssuer(props.clusterIssuer)) {
      fail(scope, `clusterIssuer "${props.clusterIssuer}" is not a ClusterIssuer the platform renders`,
        `use one of ${Object.keys(CLUSTER_ISSUERS).join(', ')}, or add it to lib/ingress/cluster-issuers.ts`);
    }
  }
  if (props.maxBodySize !== undefined) {
    checkNginxSize(scope, 'maxBodySize (proxy-body-size)', props.maxBodySize);
  }
  const headers = props.responseHeaders === false ? undefined : props.responseHeaders ?? ResponseHeaders.defaultFor(scope);
  const hsts = headers?.headers['Strict-Transport-Security'];
  if (tls && hsts && props.clusterIssuer !== undefined && !knownIssuer(props.clusterIssuer)!.browserTrusted) {
    fail(scope, `Ingress ${props.name} sends Strict-Transport-Security "${hsts}" but its certificate comes from ${props.clusterIssuer}, which browsers do not trust: HSTS allows no click-through`,
      'use a browser-trusted clusterIssuer (letsencrypt-prod), or leave clusterIssuer unset for the environment\'s');
  }
  return headers;
}

const NGINX = 'nginx.ingress.kubernetes.io';

/**
 * An ingress-nginx Ingress: TLS from a cert-manager ClusterIssuer, HTTPS redirects,
 * per-IP rate limits, security response headers, and WebSocket or SSE timeouts.
 * When a backend has a canary weight, a canary Ingress sends that share to its preview.
 */
export class WebIngress extends Construct {
  public readonly ingress: k8s.KubeIngress;
  /** Canary Ingresses, one per blue/green backend with a non-zero weight. */
  public readonly canaries: k8s.KubeIngress[] = [];
  public readonly name: string;
  public readonly hosts: string[];
  public readonly routes: IngressRouteSpec[];

  constructor(scope: Construct, id: string, props: WebIngressProps) {
    super(scope, id);
    const env = Environment.of(this);
    const chart = SystemChart.of(this);
    if (!env.servesIngressNginx) {
      fail(this, `Ingress ${props.name} is for ingress-nginx, but ${env.name}'s edge is ${env.settings.edge}`,
        'render the route with EdgeRoute (lib/edge/edge-route.ts), which follows the environment\'s edge, or set edge: "both" for a cut-over');
    }
    const headers = checkIngressProps(this, props);
    this.name = props.name;
    this.routes = props.routes;
    const tls = props.tls ?? true;
    for (const r of props.routes) {
      if (r.backend.namespaceName !== undefined && r.backend.namespaceName !== chart.namespaceName) {
        fail(this, `route ${r.host}${r.path ?? '/'} goes to Service ${r.backend.namespaceName}/${r.backend.serviceName}, in another namespace, which an Ingress cannot reach`,
          'route to a Service of this namespace, or serve the host through the Gateway API (edge "gateway-api"), whose HTTPRoutes may with a ReferenceGrant');
      }
      claimRoute(this, 'Ingress', r.host, r.path ?? '/');
      r.backend.allowFromIngressController();
    }
    const rate = props.rateLimit ?? {};
    const hosts = [...new Set(props.routes.map(r => r.host))].sort();
    this.hosts = hosts;

    const annotations: Record<string, string> = {
      [`${NGINX}/limit-connections`]: String(rate.connectionsPerIp ?? 20),
    };
    if (rate.requestsPerMinute !== undefined) {
      annotations[`${NGINX}/limit-rpm`] = String(rate.requestsPerMinute);
    }
    if (rate.burstMultiplier !== undefined) {
      annotations[`${NGINX}/limit-burst-multiplier`] = String(rate.burstMultiplier);
    }
    if (tls) {
      annotations[CLUSTER_ISSUER_ANNOTATION] = props.clusterIssuer ?? env.settings.clusterIssuer;
      annotations[`${NGINX}/ssl-redirect`] = 'true';
      annotations[`${NGINX}/force-ssl-redirect`] = 'true';
    }
    if (headers) {
      annotations[`${NGINX}/custom-headers`] = `${chart.namespaceName}/${headers.name}`;
    }
    const timeout = props.streamingTimeoutSeconds ?? props.websocketTimeoutSeconds;
    if (timeout !== undefined) {
      annotations[`${NGINX}/proxy-read-timeout`] = String(timeout);
      annotations[`${NGINX}/proxy-send-timeout`] = String(timeout);
    }
    if (props.streamingTimeoutSeconds !== undefined) {
      annotations[`${NGINX}/proxy-buffering`] = 'off';
    }
    if (props.maxBodySize !== undefined) {
      annotations[`${NGINX}/proxy-body-size`] = props.maxBodySize;
    }
    const labels = {
      [LabelKeys.name]: props.name,
      [LabelKeys.instance]: props.name,
      [LabelKeys.component]: props.component ?? 'ingress',
      [LabelKeys.partOf]: chart.system,
      [LabelKeys.managedBy]: MANAGED_BY,
    };
    this.ingress = new k8s.KubeIngress(this, 'Resource', {
      metadata: namespacedMeta(this, props.name, labels, sortKeys(annotations)),
      spec: {
        ingressClassName: env.settings.ingressClassName,
        ...(tls ? { tls: [{ hosts, secretName: props.tlsSecretName ?? `${props.name}-tls` }] } : {}),
        rules: renderRules(props.routes, b => ({ name: b.serviceName, port: b.httpServicePort })),
      },
    });

    // ingress-nginx canaries: same host and path, a weight, and the preview Service behind it.
    const canaryBackends = [...new Set(props.routes.map(r => r.backend))].filter(b => (b.canary?.weight ?? 0) > 0);
    for (const backend of canaryBackends) {
      const name = canaryBackends.length === 1 && new Set(props.routes.map(r => r.backend)).size === 1
        ? `${props.name}-canary` : `${props.name}-${backend.serviceName}-canary`;
      const routes = props.routes.filter(r => r.backend === backend);
      this.canaries.push(new k8s.KubeIngress(this, `canary-${backend.serviceName}`, {
        metadata: namespacedMeta(this, name, { ...labels, [LabelKeys.instance]: name }, {
          [`${NGINX}/canary`]: 'true',
          [`${NGINX}/canary-weight`]: String(backend.canary!.weight),
        }),
        spec: {
          ingressClassName: env.settings.ingressClassName,
          rules: renderRules(routes, b => ({ name: b.canary!.serviceName, port: b.httpServicePort })),
        },
      }));
    }
  }
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(o).sort().map(k => [k, o[k]]));
}

function renderRules(
  routes: IngressRouteSpec[], target: (b: IHttpBackend) => { name: string; port: number },
): k8s.IngressRule[] {
  const byHost = new Map<string, IngressRouteSpec[]>();
  for (const r of routes) {
    byHost.set(r.host, [...(byHost.get(r.host) ?? []), r]);
  }
  return [...byHost.keys()].sort().map(host => ({
    host,
    http: {
      paths: byHost.get(host)!.map(r => {
        const t = target(r.backend);
        return {
          path: r.path ?? '/',
          pathType: r.pathType ?? 'Prefix',
          backend: { service: { name: t.name, port: { number: t.port } } },
        };
      }),
    },
  }));
}
