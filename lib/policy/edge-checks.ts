// The policy gate's checks of the edge: what an environment's routes attach to and reach, and
// that an environment whose edge is the Gateway API carries nothing for ingress-nginx.
import { apiGroupOf, groupKindOf } from '../core/api-group';
import { GATEWAY_API_GROUP as GATEWAY_API } from '../gateway/listeners';
import { selects } from '../review/pod-spec';
import { Edge } from '../environments/environment';

/** One problem with an edge object: the gate's check name, what is wrong, how to fix it. */
export interface EdgeProblem {
  readonly check: string;
  readonly message: string;
  readonly fix: string;
}

const ENVOY_GATEWAY = 'gateway.envoyproxy.io';
const NGINX_PREFIX = 'nginx.ingress.kubernetes.io/';

const key = (namespace: string | undefined, name: string | undefined) => `${namespace ?? ''}/${name ?? ''}`;

/**
 * What one environment renders that edge objects refer to, across its folders: the Gateway
 * lives in the platform's folder, the routes in the systems', a backend possibly in another
 * system's.
 */
export class EdgeIndex {
  private readonly byKind = new Map<string, Map<string, any>>();
  private readonly grants: any[] = [];

  public add(o: any): void {
    const kind = groupKindOf(o);
    if (!this.byKind.has(kind)) { this.byKind.set(kind, new Map()); }
    this.byKind.get(kind)!.set(key(o.metadata?.namespace, o.metadata?.name), o);
    if (kind === `${GATEWAY_API}/ReferenceGrant`) { this.grants.push(o); }
  }

  /** The object of `group`/`kind` named `namespace`/`name`, if rendered. */
  public get(group: string, kind: string, namespace: string | undefined, name: string): any | undefined {
    return this.byKind.get(`${group}/${kind}`)?.get(key(namespace, name));
  }

  /** Whether a ReferenceGrant in `to.namespace` lets `from` (group, kind, namespace) refer to `to` (group, kind, name). */
  public granted(from: { group: string; kind: string; namespace: string }, to: { group: string; kind: string; namespace: string; name: string }): boolean {
    return this.grants.some(g => g.metadata?.namespace === to.namespace
      && (g.spec?.from ?? []).some((f: any) => f.group === from.group && f.kind === from.kind && f.namespace === from.namespace)
      && (g.spec?.to ?? []).some((t: any) => (t.group ?? '') === to.group && t.kind === to.kind && (t.name === undefined || t.name === to.name)));
  }
}

/** Whether a listener hostname (possibly `*.`-wildcard) matches a route hostname. */
function hostMatches(listener: string | undefined, host: string): boolean {
  if (!listener) { return true; }
  if (listener.startsWith('*.')) { return host.endsWith(listener.slice(1)) && host.split('.').length > listener.split('.').length - 1; }
  return listener === host || (host.startsWith('*.') && listener.endsWith(host.slice(1)));
}

/** Whether a listener's allowedRoutes admit an HTTPRoute of `namespace` (Gateway in `gatewayNamespace`). */
function admits(listener: any, namespace: string, gatewayNamespace: string): boolean {
  const allowed = listener.allowedRoutes ?? {};
  const kinds: any[] | undefined = allowed.kinds;
  if (kinds && !kinds.some(k => (k.group ?? GATEWAY_API) === GATEWAY_API && k.kind === 'HTTPRoute')) { return false; }
  const from = allowed.namespaces?.from ?? 'Same';
  if (from === 'All') { return true; }
  if (from === 'Same') { return namespace === gatewayNamespace; }
  // Selector: the fleet selects namespaces by their kubernetes.io/metadata.name label, which
  // the API server sets on every Namespace. No selector selects every namespace.
  return selects(allowed.namespaces?.selector ?? {}, { 'kubernetes.io/metadata.name': namespace });
}

/**
 * The problems of one object with the edge of its environment (`edge`), looked up in `index`:
 * - an environment whose edge is the Gateway API carries no ingress-nginx annotation and no
 *   Ingress of ingress-nginx's class (`ingressClass`): no controller there would serve it;
 * - an HTTPRoute attaches to a Gateway listener that exists, serves one of its hostnames and
 *   admits its namespace, and each backendRef names a Service port that exists, across
 *   namespaces only with a ReferenceGrant;
 * - a Gateway names a GatewayClass that is rendered;
 * - an Envoy Gateway policy targets an object of its namespace that is rendered.
 */
export function edgeProblems(o: any, edge: Edge | undefined, ingressClass: string | undefined, index: EdgeIndex): EdgeProblem[] {
  const out: EdgeProblem[] = [];
  const group = apiGroupOf(o.apiVersion);
  const namespace = o.metadata?.namespace;
  if (edge === 'gateway-api') {
    const nginx = Object.keys(o.metadata?.annotations ?? {}).filter(k => k.startsWith(NGINX_PREFIX));
    if (nginx.length) {
      out.push({ check: 'edge', message: `carries ingress-nginx annotation${nginx.length > 1 ? 's' : ''} ${nginx.join(', ')}, but the environment's edge is the Gateway API`,
        fix: 'render the route with EdgeRoute, which follows the environment\'s edge, or set edge: "both" while ingress-nginx still serves' });
    }
    if (o.kind === 'Ingress' && group === 'networking.k8s.io' && o.spec?.ingressClassName === ingressClass) {
      out.push({ check: 'edge', message: `is an Ingress of class ${ingressClass} (ingress-nginx), which the environment does not run: its edge is the Gateway API`,
        fix: 'render the route with EdgeRoute, or set edge: "both" during a cut-over' });
    }
  }
  if (group === GATEWAY_API && o.kind === 'HTTPRoute') {
    const hostnames: string[] = o.spec?.hostnames ?? [];
    for (const ref of o.spec?.parentRefs ?? []) {
      if ((ref.group ?? GATEWAY_API) !== GATEWAY_API || (ref.kind ?? 'Gateway') !== 'Gateway') { continue; }
      const gwNamespace = ref.namespace ?? namespace;
      const gateway = index.get(GATEWAY_API, 'Gateway', gwNamespace, ref.name);
      const where = `Gateway ${gwNamespace}/${ref.name}${ref.sectionName ? ` listener ${ref.sectionName}` : ''}`;
      if (!gateway) {
        out.push({ check: 'route-parent', message: `attaches to ${where}, which the environment does not render`,
          fix: 'attach to the environment\'s Gateway (settings gateway.namespace and gateway.name), which the platform renders where the edge is the Gateway API' });
        continue;
      }
      const listeners: any[] = (gateway.spec?.listeners ?? []).filter((l: any) => !ref.sectionName || l.name === ref.sectionName);
      if (listeners.length === 0) {
        out.push({ check: 'route-parent', message: `attaches to ${where}, which has no such listener`, fix: 'attach to the listener of one of the route\'s hostnames (its name is the host)' });
        continue;
      }
      if (!listeners.some(l => hostnames.length === 0 || hostnames.some(h => hostMatches(l.hostname, h)))) {
        out.push({ check: 'route-parent', message: `attaches to ${where}, whose hostname ${listeners.map(l => l.hostname ?? '(any)').join(', ')} matches none of the route's (${hostnames.join(', ')})`,
          fix: 'attach to the listener of the route\'s hostname' });
      }
      if (!listeners.some(l => admits(l, namespace, gwNamespace))) {
        out.push({ check: 'route-parent', message: `attaches to ${where}, whose allowedRoutes do not admit HTTPRoutes of namespace ${namespace}`,
          fix: 'let the platform derive the Gateway\'s listeners from the routes (lib/gateway/edge-gateway.ts), or attach to a listener that admits the namespace' });
      }
    }
    for (const rule of o.spec?.rules ?? []) {
      for (const b of rule.backendRefs ?? []) {
        if ((b.group ?? '') !== '' || (b.kind ?? 'Service') !== 'Service') { continue; }
        const ns = b.namespace ?? namespace;
        const svc = index.get('', 'Service', ns, b.name);
        if (!svc || !(svc.spec?.ports ?? []).some((p: any) => p.port === b.port)) {
          out.push({ check: 'route-backend', message: `routes to Service ${ns}/${b.name}:${b.port}, which does not exist`, fix: 'route to an existing Service port' });
        }
        if (ns !== namespace && !index.granted({ group: GATEWAY_API, kind: 'HTTPRoute', namespace }, { group: '', kind: 'Service', namespace: ns, name: b.name })) {
          out.push({ check: 'route-backend', message: `routes to Service ${ns}/${b.name} in another namespace, and no ReferenceGrant there allows it`,
            fix: `render a ReferenceGrant in ${ns} from HTTPRoutes of ${namespace} to Service ${b.name} (WebRoute does for a backend of another system)` });
        }
      }
    }
  }
  if (group === GATEWAY_API && o.kind === 'Gateway' && !index.get(GATEWAY_API, 'GatewayClass', undefined, o.spec?.gatewayClassName)) {
    out.push({ check: 'gateway-class', message: `names GatewayClass ${o.spec?.gatewayClassName}, which the environment does not render`, fix: 'render the GatewayClass of the implementation (EdgeGateway does)' });
  }
  if (group === ENVOY_GATEWAY && ['BackendTrafficPolicy', 'ClientTrafficPolicy', 'SecurityPolicy'].includes(o.kind)) {
    for (const t of [...(o.spec?.targetRefs ?? []), ...(o.spec?.targetRef ? [o.spec.targetRef] : [])]) {
      if (!index.get(t.group ?? '', t.kind, namespace, t.name)) {
        out.push({ check: 'policy-target', message: `targets ${t.kind} ${namespace}/${t.name}, which the environment does not render`,
          fix: 'target an object of the policy\'s namespace, or remove the policy with it' });
      }
    }
  }
  return out;
}
