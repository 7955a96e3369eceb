// How a NetworkPolicy peer or port reads in a review: the same words name a list item
// (its merge key) and a connection in a risk flag, so the two always agree.

function labels(selector: any): string {
  const parts = Object.entries(selector?.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`);
  for (const e of selector?.matchExpressions ?? []) {
    parts.push(`${e.key} ${e.operator}${e.values?.length ? ` (${[...e.values].sort().join(',')})` : ''}`);
  }
  return parts.join(',');
}

/**
 * A peer by what it selects, e.g. `pods app=web in namespace shop`, `namespace
 * ingress-nginx`, `10.0.0.0/8 except 10.1.0.0/16`. A namespace selected by its
 * `kubernetes.io/metadata.name` label alone is named; any other selector is spelt out.
 */
export function describePeer(peer: any): string {
  if (peer?.ipBlock) {
    return `${peer.ipBlock.cidr}${peer.ipBlock.except?.length ? ` except ${peer.ipBlock.except.join(', ')}` : ''}`;
  }
  const ns = peer?.namespaceSelector;
  let where = '';
  if (ns) {
    const names = Object.keys(ns.matchLabels ?? {});
    where = names.length === 1 && names[0] === 'kubernetes.io/metadata.name' && !ns.matchExpressions?.length
      ? `namespace ${ns.matchLabels['kubernetes.io/metadata.name']}`
      : labels(ns) ? `namespaces ${labels(ns)}` : 'all namespaces';
  }
  if (!peer?.podSelector) { return where || 'anyone'; }
  const pods = labels(peer.podSelector) ? `pods ${labels(peer.podSelector)}` : 'all pods';
  return where ? `${pods} in ${where}` : pods;
}

/** A NetworkPolicy rule's peers (`from` or `to`), sorted: `anyone` when it names none. */
export function describePeers(rule: any, direction: 'ingress' | 'egress'): string {
  const peers: any[] = rule?.[direction === 'ingress' ? 'from' : 'to'] ?? [];
  return peers.length ? peers.map(describePeer).sort().join(' + ') : 'anyone';
}

/** A NetworkPolicy port, e.g. `8000/TCP`, `8000-8010/TCP`, `all/UDP`. */
export function describePolicyPort(p: any): string {
  return `${p?.port ?? 'all'}${p?.endPort !== undefined ? `-${p.endPort}` : ''}/${p?.protocol ?? 'TCP'}`;
}

/** A NetworkPolicy rule's ports, sorted: `all ports` when it names none. */
export function describePolicyPorts(rule: any): string {
  const ports: any[] = rule?.ports ?? [];
  return ports.length ? ports.map(describePolicyPort).sort().join(', ') : 'all ports';
}
