import { byCodeUnit } from '../core/checks';
import { podLabelsOf, podSpecOf } from '../review/pod-spec';

/** One host and path the edge routes to a Service, as a rendered object says. */
export interface PublicRoute {
  /** The host name, e.g. "api.songnodes.com". */
  readonly host: string;
  /** The path ("/" routes everything). */
  readonly path: string;
  /** Only this exact path, not the prefix. */
  readonly exact: boolean;
  /** The Service the traffic goes to (the heaviest backend, where traffic is split). */
  readonly serviceName: string;
  /** The Service port, by number or name. */
  readonly servicePort?: number | string;
  /** The object that routes it, e.g. "Ingress/frontend". */
  readonly source: string;
}

/** A networking.k8s.io/v1 Ingress: one route per rule host and path. */
function ingressRoutes(o: any): PublicRoute[] {
  return (o.spec?.rules ?? []).flatMap((rule: any) => (rule.host ? rule.http?.paths ?? [] : []).flatMap((p: any) => {
    const service = p.backend?.service;
    if (!service?.name) { return []; }
    return [{
      host: rule.host, path: p.path ?? '/', exact: p.pathType === 'Exact', serviceName: service.name,
      servicePort: service.port?.number ?? service.port?.name, source: `Ingress/${o.metadata.name}`,
    }];
  }));
}

/** A Gateway API HTTPRoute: one route per hostname and path match, to its heaviest Service backend. */
function httpRouteRoutes(o: any): PublicRoute[] {
  const hostnames: string[] = o.spec?.hostnames ?? [];
  return (o.spec?.rules ?? []).flatMap((rule: any) => {
    const backend = [...(rule.backendRefs ?? [])]
      .filter((b: any) => (b.kind ?? 'Service') === 'Service' && (b.group ?? '') === '')
      .sort((a: any, b: any) => (b.weight ?? 1) - (a.weight ?? 1))[0];
    if (!backend) { return []; }
    const paths = (rule.matches?.length ? rule.matches : [{}]).map((m: any) => m.path ?? { type: 'PathPrefix', value: '/' });
    return hostnames.flatMap(host => paths.map((p: any) => ({
      host, path: p.value ?? '/', exact: p.type === 'Exact', serviceName: backend.name, servicePort: backend.port,
      source: `HTTPRoute/${o.metadata.name}`,
    })));
  });
}

/**
 * How each kind that exposes hosts to the Internet says so. A new kind of edge object is one
 * entry here.
 */
const ROUTES_BY_KIND: Readonly<Record<string, (o: any) => PublicRoute[]>> = {
  Ingress: ingressRoutes,
  HTTPRoute: httpRouteRoutes,
};

/** Every route to a named host in `objects` (wildcard hosts cannot be probed and are left out). */
export function publicRoutes(objects: readonly any[]): PublicRoute[] {
  return objects.flatMap(o => ROUTES_BY_KIND[o.kind]?.(o) ?? []).filter(r => !r.host.startsWith('*.'));
}

/** A public host, as a probe sees it. */
export interface PublicHost {
  /** The host name. */
  readonly host: string;
  /**
   * Every route of the host goes to a preview Service (`<name>-preview`, the idle blue/green
   * color, which may be scaled to zero): only its certificate is the probe's to check.
   */
  readonly preview: boolean;
  /**
   * The path a probe requests: the readiness path of the Service serving the host's root,
   * where the host routes that path to the same Service on the port the check listens on
   * ("/health/ready"), so the probe sees what Kubernetes sees, through the edge; else "/".
   */
  readonly probePath: string;
  /** The objects that route the host, e.g. ["Ingress/backend-api", "Ingress/graph-api"]. */
  readonly sources: readonly string[];
}

/** The public hosts of a system's rendered objects, sorted by name. */
export function publicHosts(objects: readonly any[]): PublicHost[] {
  const routes = publicRoutes(objects);
  const hosts = [...new Set(routes.map(r => r.host))].sort(byCodeUnit);
  return hosts.map(host => {
    const own = routes.filter(r => r.host === host);
    return {
      host,
      preview: own.every(r => r.serviceName.endsWith('-preview')),
      probePath: probePath(own, objects),
      sources: [...new Set(own.map(r => r.source))].sort(byCodeUnit),
    };
  });
}

/** The route a request for `path` takes: an exact match, else the longest matching prefix. */
function routeFor(routes: readonly PublicRoute[], path: string): PublicRoute | undefined {
  const exact = routes.find(r => r.exact && r.path === path);
  if (exact) { return exact; }
  const prefixMatches = (prefix: string) => prefix === '/' || path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
  return routes.filter(r => !r.exact && prefixMatches(r.path)).sort((a, b) => b.path.length - a.path.length)[0];
}

function probePath(routes: readonly PublicRoute[], objects: readonly any[]): string {
  const root = routeFor(routes, '/');
  if (!root) { return '/'; }
  const service = objects.find(o => o.kind === 'Service' && o.metadata.name === root.serviceName);
  const port = (service?.spec?.ports ?? []).find((p: any) => p.port === root.servicePort || p.name === root.servicePort)
    ?? (service?.spec?.ports?.length === 1 ? service.spec.ports[0] : undefined);
  const selector: Record<string, string> | undefined = service?.spec?.selector;
  if (!port || !selector) { return '/'; }
  for (const workload of objects.filter(o => o.kind === 'Deployment' || o.kind === 'StatefulSet')) {
    const labels = podLabelsOf(workload);
    const pod = podSpecOf(workload);
    if (!labels || !pod || !Object.entries(selector).every(([k, v]) => labels[k] === v)) { continue; }
    for (const c of pod.containers ?? []) {
      const check = c.readinessProbe?.httpGet;
      if (!check?.path) { continue; }
      const portNumber = (p: number | string) => (typeof p === 'number' ? p : (c.ports ?? []).find((cp: any) => cp.name === p)?.containerPort);
      const samePort = check.port === port.targetPort || portNumber(check.port) === portNumber(port.targetPort ?? port.port);
      if (samePort && routeFor(routes, check.path)?.serviceName === root.serviceName) { return check.path; }
    }
  }
  return '/';
}
