// Which field identifies an item of a list, as the API server's strategic merge patch and
// server-side apply identify it (`patchMergeKey` / `listMapKeys`), so the review compares a
// container with the same container and an inserted item reads as one added item. A few
// lists the API treats as atomic are keyed here too because their items have an identity a
// reviewer thinks in (NetworkPolicy rules and peers, Ingress rules, tolerations, alerts).
import { describePeer, describePeers, describePolicyPort, describePolicyPorts } from './peers';

/** One way to name a list item; undefined when the item has no such name. */
export type ItemKey = (item: any) => string | undefined;

/** How the items of one list are identified. */
export interface ListIdentity {
  /**
   * Tried in order: items are paired by the first key that is unique on both sides, the
   * rest by the next one (e.g. NetworkPolicy rules by peers, then peers and ports).
   */
  readonly keys: readonly ItemKey[];
  /**
   * For items no key paired: two items that are the only match for each other are the same
   * item changed (a NetworkPolicy rule that gained a peer is that rule, not a new one).
   */
  readonly similar?: (before: any, after: any) => boolean;
}

interface KeyRule extends ListIdentity {
  /** Kinds the rule applies to; every kind when absent. */
  readonly kinds?: readonly string[];
  /** Matched against the list's path with every list index written `[]`. */
  readonly path: RegExp;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
const field = (name: string): ItemKey => item => text(item?.[name]);
const join = (...keys: ItemKey[]): ItemKey => item => {
  const parts = keys.map(k => k(item));
  return parts.every(p => p !== undefined) ? parts.join(' ') : undefined;
};
/** A list of scalars used as a set: the value is its own key. */
const value: ItemKey = item => text(item);
const portProtocol = (portField: string): ItemKey => item =>
  item?.[portField] === undefined ? undefined : `${item[portField]}/${item.protocol ?? 'TCP'}`;

function hpaMetric(m: any): string | undefined {
  const spec = m?.[m?.type ? m.type[0].toLowerCase() + m.type.slice(1) : ''];
  const name = spec?.name ?? spec?.metric?.name;
  if (!m?.type) { return undefined; }
  return [m.type, name, spec?.container].filter(x => x !== undefined).join(' ');
}

function envSource(e: any): string | undefined {
  if (e?.configMapRef) { return `${e.prefix ?? ''}configMap ${e.configMapRef.name}`; }
  if (e?.secretRef) { return `${e.prefix ?? ''}secret ${e.secretRef.name}`; }
  return undefined;
}

const toleration: ItemKey = t => [t?.key ?? '*', t?.operator ?? 'Equal', t?.value, t?.effect ?? 'any effect'].filter(x => x !== undefined).join(' ');

/** Same ports, and the peers of one contain the peers of the other (a peer added or removed). */
function samePortsMorePeers(direction: 'ingress' | 'egress') {
  const peers = (r: any) => new Set<string>((r?.[direction === 'ingress' ? 'from' : 'to'] ?? []).map(describePeer));
  return (b: any, a: any) => {
    if (describePolicyPorts(b) !== describePolicyPorts(a)) { return false; }
    const [x, y] = [peers(b), peers(a)];
    if (x.size === 0 || y.size === 0) { return false; }
    const [small, big] = x.size <= y.size ? [x, y] : [y, x];
    return [...small].every(p => big.has(p));
  };
}

const RULES: readonly KeyRule[] = [
  // Kind-specific lists first.
  { kinds: ['Service'], path: /^spec\.ports$/, keys: [portProtocol('port')] },
  { kinds: ['HorizontalPodAutoscaler'], path: /^spec\.metrics$/, keys: [hpaMetric] },
  { kinds: ['HorizontalPodAutoscaler'], path: /^spec\.behavior\.scale(Up|Down)\.policies$/, keys: [field('type'), join(field('type'), field('periodSeconds'))] },
  { kinds: ['Ingress'], path: /^spec\.rules$/, keys: [item => item?.host ?? '(any host)'] },
  { kinds: ['Ingress'], path: /^spec\.rules\[\]\.http\.paths$/, keys: [item => item?.path ?? '/', join(item => item?.path ?? '/', field('pathType'))] },
  { kinds: ['Ingress'], path: /^spec\.tls$/, keys: [field('secretName')] },
  { kinds: ['Ingress'], path: /^spec\.tls\[\]\.hosts$/, keys: [value] },
  { kinds: ['NetworkPolicy'], path: /^spec\.ingress$/, keys: [r => describePeers(r, 'ingress'), r => `${describePeers(r, 'ingress')} on ${describePolicyPorts(r)}`], similar: samePortsMorePeers('ingress') },
  { kinds: ['NetworkPolicy'], path: /^spec\.egress$/, keys: [r => describePeers(r, 'egress'), r => `${describePeers(r, 'egress')} on ${describePolicyPorts(r)}`], similar: samePortsMorePeers('egress') },
  { kinds: ['NetworkPolicy'], path: /^spec\.(ingress\[\]\.from|egress\[\]\.to)$/, keys: [describePeer] },
  { kinds: ['NetworkPolicy'], path: /^spec\.(ingress|egress)\[\]\.ports$/, keys: [describePolicyPort] },
  { kinds: ['NetworkPolicy'], path: /^spec\.policyTypes$/, keys: [value] },
  { kinds: ['PrometheusRule'], path: /^spec\.groups$/, keys: [field('name')] },
  { kinds: ['PrometheusRule'], path: /^spec\.groups\[\]\.rules$/, keys: [r => r?.alert ?? r?.record] },
  { kinds: ['ServiceMonitor', 'PodMonitor'], path: /^spec\.(endpoints|podMetricsEndpoints)$/, keys: [e => text(e?.port ?? e?.targetPort ?? e?.path)] },
  { kinds: ['ServiceMonitor', 'PodMonitor'], path: /^spec\.(podTargetLabels|targetLabels)$/, keys: [value] },
  { kinds: ['HTTPRoute', 'GRPCRoute'], path: /^spec\.hostnames$/, keys: [value] },
  { kinds: ['HTTPRoute', 'GRPCRoute'], path: /^spec\.parentRefs$/, keys: [p => [p?.namespace, p?.name, p?.sectionName].filter(Boolean).join('/') || undefined] },
  { kinds: ['HTTPRoute', 'GRPCRoute'], path: /^spec\.rules$/, keys: [field('name')] },
  { kinds: ['StatefulSet'], path: /^spec\.volumeClaimTemplates$/, keys: [t => text(t?.metadata?.name)] },
  { kinds: ['AppProject'], path: /^spec\.destinations$/, keys: [d => [d?.server ?? d?.name, d?.namespace].join(' ')] },
  { kinds: ['AppProject'], path: /^spec\.(cluster|namespace)Resource(White|Black)list$/, keys: [r => `${r?.group || 'core'}/${r?.kind}`] },
  { kinds: ['AppProject'], path: /^spec\.sourceRepos$/, keys: [value] },
  { kinds: ['Application'], path: /^spec\.syncPolicy\.syncOptions$/, keys: [value] },
  // Pod template lists, wherever the pod spec sits (Deployment, StatefulSet, Job, CronJob, Pod).
  { path: /(^|\.)(containers|initContainers|ephemeralContainers)$/, keys: [field('name')] },
  { path: /ontainers\[\]\.ports$/, keys: [portProtocol('containerPort')] },
  { path: /ontainers\[\]\.env$/, keys: [field('name')] },
  { path: /ontainers\[\]\.envFrom$/, keys: [envSource] },
  { path: /ontainers\[\]\.volumeMounts$/, keys: [field('mountPath')] },
  { path: /ontainers\[\]\.volumeDevices$/, keys: [field('devicePath')] },
  { path: /ontainers\[\]\.resizePolicy$/, keys: [field('resourceName')] },
  { path: /securityContext\.capabilities\.(add|drop)$/, keys: [value] },
  { path: /(^|\.)spec\.volumes$/, keys: [field('name')] },
  { path: /(^|\.)spec\.imagePullSecrets$/, keys: [field('name')] },
  { path: /(^|\.)spec\.tolerations$/, keys: [toleration] },
  { path: /(^|\.)spec\.topologySpreadConstraints$/, keys: [join(field('topologyKey'), field('whenUnsatisfiable'))] },
  { path: /(^|\.)spec\.hostAliases$/, keys: [field('ip')] },
  { path: /(^|\.)spec\.readinessGates$/, keys: [field('conditionType')] },
  { path: /(^|\.)spec\.resourceClaims$/, keys: [field('name')] },
  { path: /\.matchExpressions$/, keys: [join(field('key'), field('operator'))] },
  { path: /^metadata\.finalizers$/, keys: [value] },
];

/**
 * How the items of the list at `path` (list indices written `[]`, e.g.
 * `spec.template.spec.containers[].env`) in an object of `kind` are identified; undefined
 * when the list has no key and its items are compared by position.
 */
export function listIdentity(kind: string | undefined, path: string): ListIdentity | undefined {
  return RULES.find(r => (!r.kinds || (kind !== undefined && r.kinds.includes(kind))) && r.path.test(path));
}
