import { LabelKeys } from '../core/labels';
import { LabelIndex } from '../core/selectors';
import { AllowedFlow, PolicyPort } from '../network/network-policy';
import { operatorPods } from '../datastores/operator-pods';
import { podLabelsOf } from '../review/pod-spec';

/** A NetworkPolicy as the traffic map reads it: whose pods, and the flows it allows. */
export interface PolicyFlows {
  /** Policy (and workload) name. */
  readonly name: string;
  /** Labels of the pods it governs. */
  readonly podSelector: Readonly<Record<string, string>>;
  /** Allowed flows, with the reason each exists. */
  readonly flows: readonly AllowedFlow[];
}

/** What a traffic map is drawn from: one system's rendered objects and its policies. */
export interface TrafficMapInput {
  /** `<env>/<system>`, the title. */
  readonly title: string;
  /** The system's namespace. */
  readonly namespace: string;
  /** Every rendered object of the system. */
  readonly objects: readonly any[];
  /** Every NetworkPolicy of the system, as its construct built it. */
  readonly policies: readonly PolicyFlows[];
}

/**
 * The most nodes and edges one diagram of a traffic map may have: a proxy for "reads on a
 * normal screen". production/songnodes drawn as one diagram had 59 nodes (subgraphs
 * included) and 68 edges and rendered at 2222×5855 px (mermaid 11, default settings); its
 * largest diagram now has 26 nodes and 24 edges and renders at about 1360×1180 px. The
 * tests hold every map to it.
 */
export const DIAGRAM_BUDGET = { nodes: 30, edges: 30 } as const;

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'CronJob', 'Job']);
const NAME = LabelKeys.name;
const COLOR = LabelKeys.color;
const HOOK = 'argocd.argoproj.io/hook';
const COLOR_SERVICE = LabelKeys.colorService;
const TESTS_COLOR = LabelKeys.testsColor;

const id = (prefix: string, name: string) => `${prefix}_${name.replace(/[^A-Za-z0-9]/g, '_')}`;
const text = (s: string) => s.replace(/"/g, '#quot;');
const cell = (s: string) => s.replace(/\|/g, '\\|');
const ports = (ps: readonly PolicyPort[]) => ps.map(p => `${p.port}${p.endPort !== undefined ? `-${p.endPort}` : ''}/${p.protocol ?? 'TCP'}`).join(', ');

/** "1 pod", "2 pods", "0 pods". */
export function podCount(n: number): string {
  return `${n} ${n === 1 ? 'pod' : 'pods'}`;
}

/** "2–10 pods" for an autoscaled range; a fixed range reads as a count ("1 pod"). */
export function podRange(min: number, max: number): string {
  return min === max ? podCount(min) : `${min}–${max} pods`;
}

/**
 * One edge label for all the ports a pair of peers may use: ports of one protocol share
 * it ("5432, 6379/TCP"), protocols in first-seen order, ports in ascending order.
 */
export function portLabel(ps: readonly PolicyPort[]): string {
  const byProtocol = new Map<string, Map<string, number>>();
  for (const p of ps) {
    const proto = p.protocol ?? 'TCP';
    const text = p.endPort !== undefined ? `${p.port}-${p.endPort}` : String(p.port);
    byProtocol.set(proto, (byProtocol.get(proto) ?? new Map()).set(text, p.port));
  }
  return [...byProtocol].map(([proto, texts]) => `${[...texts].sort((a, b) => a[1] - b[1]).map(([t]) => t).join(', ')}/${proto}`).join(' · ');
}

function podLabels(o: any): Record<string, string> {
  return podLabelsOf(o) ?? operatorPods(o)[0]?.labels ?? {};
}

/** A datastore an operator runs from a custom resource (a RabbitmqCluster, a RedisReplication...). */
const isOperated = (o: any) => operatorPods(o).length > 0;
/** Drawn as a cylinder: a StatefulSet or an operator-run datastore. */
const isDatastore = (o: any) => o.kind === 'StatefulSet' || isOperated(o);

function namespaceOf(peer: any): string | undefined {
  return peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
}

/**
 * A node of a diagram: its id and its definition line (shape and quoted text), with an
 * extra line (its ports) or, brief, only its name and that extra on one line.
 */
interface Node { readonly nid: string; readonly line: (extra?: string, brief?: boolean) => string }

/** How a diagram folds repeated labels and parallel arrows; see {@link Diagram.render}. */
interface Folding {
  /**
   * Write the ports in a node, not on its arrows, when every arrow into it carries the same
   * ports and there are at least this many arrows.
   */
  readonly portsInNode?: number;
  /**
   * Draw nodes with the same arrows as one box (a subgraph) with one arrow per peer:
   * `sources` for nodes with the same targets (clients of the same datastores), `targets`
   * for nodes with the same sources (reached by the same platform namespaces).
   */
  readonly bundle?: 'sources' | 'targets';
  /** Nodes say only their name (and ports): one line each, for long columns. */
  readonly brief?: boolean;
  /**
   * Define targets grouped by which sources reach them (those of the first source, then of
   * the first and second, …): dagre starts from the definition order, so a fan-out from
   * two sources is drawn with few crossings.
   */
  readonly orderBySources?: boolean;
}

interface Edge { readonly from: string; readonly to: string; readonly arrow: '-->' | '-.->'; readonly label?: string }

/** One diagram under construction: nodes in first-use order, edges in insertion order. */
class Diagram {
  private readonly nodes = new Map<string, Node>();
  private readonly classes = new Map<string, string>();
  private readonly edges: Edge[] = [];

  constructor(private readonly folding: Folding = {}) {}

  /** Adds a node once; the first definition wins. */
  public node(n: Node, cls?: string): string {
    if (!this.nodes.has(n.nid)) {
      this.nodes.set(n.nid, n);
      if (cls) { this.classes.set(n.nid, cls); }
    }
    return n.nid;
  }

  /** Adds an arrow (and its ends, if new). */
  public edge(from: Node, to: Node, label?: string, arrow: '-->' | '-.->' = '-->'): void {
    this.edges.push({ from: this.node(from), to: this.node(to), arrow, label });
  }

  /** Whether a node is in the diagram. */
  public has(nid: string): boolean { return this.nodes.has(nid); }

  /** True when nothing was added: the page says so in words instead of drawing it. */
  public get empty(): boolean { return this.edges.length === 0 && this.nodes.size === 0; }

  /**
   * The flowchart, folded as {@link Folding} says: fewer edge labels and fewer parallel
   * arrows are what keep a fan-in (six services → postgres on 5432/TCP) from piling up
   * labels and crossings.
   */
  public render(): string[] {
    const { portsInNode, bundle } = this.folding;
    const into = new Map<string, Edge[]>();
    for (const e of this.edges) { into.set(e.to, [...(into.get(e.to) ?? []), e]); }
    const inNode = new Map<string, string>();
    if (portsInNode !== undefined) {
      for (const [nid, es] of into) {
        const labels = new Set(es.map(e => e.label));
        if (labels.size === 1 && es[0].label !== undefined && es.length >= portsInNode) { inNode.set(nid, es[0].label); }
      }
    }
    const labelOf = (e: Edge) => inNode.has(e.to) ? undefined : e.label;

    // Bundles: nodes whose arrows (peer and label) are the same, two or more of them.
    const bundleOf = new Map<string, string>();
    const members = new Map<string, string[]>();
    if (bundle) {
      const signature = new Map<string, string[]>();
      for (const e of this.edges) {
        const [self, peer] = bundle === 'sources' ? [e.from, e.to] : [e.to, e.from];
        signature.set(self, [...(signature.get(self) ?? []), `${peer} ${e.arrow} ${labelOf(e) ?? ''}`]);
      }
      const bySignature = new Map<string, string[]>();
      for (const [nid, sig] of signature) {
        const key = [...sig].sort().join('\n');
        bySignature.set(key, [...(bySignature.get(key) ?? []), nid]);
      }
      for (const group of bySignature.values()) {
        if (group.length < 2) { continue; }
        const bid = `bundle_${members.size + 1}`;
        members.set(bid, group);
        for (const nid of group) { bundleOf.set(nid, bid); }
      }
    }

    const out = ['flowchart LR'];
    const nodeLine = (n: Node, indent: string) => {
      const extra = inNode.get(n.nid);
      const cls = this.classes.get(n.nid);
      const ports = extra === undefined ? undefined : `${this.folding.brief ? '' : `port${extra.includes(',') ? 's' : ''} `}${extra}`;
      return `${indent}${n.line(ports, this.folding.brief)}${cls ? `:::${cls}` : ''}`;
    };
    const opened = new Set<string>();
    let order = [...this.nodes.values()];
    if (this.folding.orderBySources) {
      const sources = order.filter(n => !into.has(n.nid));
      const rank = new Map(sources.map((n, i) => [n.nid, i]));
      const key = (nid: string) => [...new Set(into.get(nid)!.map(e => rank.get(e.from) ?? sources.length))].sort((a, b) => a - b);
      const compare = (a: number[], b: number[]) => {
        for (let i = 0; i < Math.min(a.length, b.length); i++) { if (a[i] !== b[i]) { return a[i] - b[i]; } }
        return a.length - b.length;
      };
      const targets = order.filter(n => into.has(n.nid)).map((n, i) => ({ n, i, k: key(n.nid) }));
      targets.sort((a, b) => compare(a.k, b.k) || a.i - b.i);
      order = [...sources, ...targets.map(t => t.n)];
    }
    for (const n of order) {
      const bid = bundleOf.get(n.nid);
      if (!bid) { out.push(nodeLine(n, '  ')); continue; }
      if (opened.has(bid)) { continue; }
      opened.add(bid);
      out.push(`  subgraph ${bid} [" "]`);
      out.push('    direction LR'); // a column of members, as dagre lays out one rank in LR
      out.push(...members.get(bid)!.map(nid => nodeLine(this.nodes.get(nid)!, '    ')));
      out.push('  end');
      // Neutral, so that a bundle is not read as a color (yellow is the preview color).
      out.push(`  style ${bid} fill:#f7f7f7,stroke:#bbbbbb`);
    }
    const drawn = new Set<string>();
    const position = new Map(order.map((n, i) => [n.nid, i]));
    const edges = this.folding.orderBySources
      ? this.edges.map((e, i) => ({ e, i })).sort((a, b) => position.get(a.e.to)! - position.get(b.e.to)! || a.i - b.i).map(x => x.e)
      : this.edges;
    for (const e of edges) {
      const from = bundle === 'sources' ? bundleOf.get(e.from) ?? e.from : e.from;
      const to = bundle === 'targets' ? bundleOf.get(e.to) ?? e.to : e.to;
      const label = labelOf(e);
      const line = `  ${from} ${label !== undefined ? `-- "${text(label)}" -->` : e.arrow} ${to}`;
      if (!drawn.has(line)) { drawn.add(line); out.push(line); }
    }
    const used = new Set(this.classes.values());
    if (used.has('live')) { out.push('  classDef live fill:#d9f2d9,stroke:#2e7d32,stroke-width:2px'); }
    if (used.has('preview')) { out.push('  classDef preview fill:#fff4cc,stroke:#b8860b,stroke-dasharray:4 3'); }
    if (used.has('idle')) { out.push('  classDef idle fill:#eeeeee,stroke:#888888,stroke-dasharray:4 3'); }
    return out;
  }
}

const shaped = (nid: string, open: string, close: string, lines: string[]): Node => ({
  nid,
  line: (extra, brief) => `${nid}${open}"${text(brief
    ? [lines[0], ...(extra ? [extra] : [])].join(' · ')
    : [...lines, ...(extra ? [extra] : [])].join('<br/>'))}"${close}`,
});

/**
 * A Markdown page with Mermaid flowcharts of one system, split by kind of traffic so that
 * each reads on one screen: (1) from the Internet: Ingress hosts and paths → Services →
 * workloads, which color of each blue/green pair is live, and the smoke tests with the color
 * each tests; (2) between the system's workloads; (3) to its datastores (StatefulSets,
 * external CIDRs) and other namespaces; (4) from the platform (ingress controller,
 * Prometheus, other namespaces). Flows are those its NetworkPolicies allow, one arrow per
 * pair of peers with all its ports; the details (CIDR exceptions, reasons, Services,
 * schedules) are in the tables below the diagrams. Written beside the manifests by synth,
 * from the same objects, so it cannot drift from them.
 */
export function trafficMap(input: TrafficMapInput): string {
  const { objects, policies, namespace } = input;
  const workloads = objects.filter(o => WORKLOADS.has(o.kind) || isOperated(o));
  // A blue/green service's per-color Services select the same pods as its live and preview
  // Services; only the smoke tests call them, so they are drawn as the tests' targets, not as nodes.
  const allServices = objects.filter(o => o.kind === 'Service');
  const services = allServices.filter(o => o.metadata.labels?.[COLOR_SERVICE] === undefined);
  const pods = new LabelIndex(workloads, podLabels);
  const hpaOf = new Map(objects.filter(o => o.kind === 'HorizontalPodAutoscaler').map(h => [h.spec.scaleTargetRef.name, h]));
  const policyBySelector = new Map(policies.map(p => [JSON.stringify(p.podSelector), p]));
  const isPreview = (s: any) => s.metadata.name.endsWith('-preview');
  const isHook = (w: any) => w.metadata.annotations?.[HOOK] !== undefined;
  const live = new Map<string, string>(); // workload name -> live | preview

  // Which color each blue/green Service sends traffic to.
  for (const s of services) {
    for (const w of pods.select(s.spec.selector)) {
      if (podLabels(w)[COLOR]) { live.set(w.metadata.name, isPreview(s) ? 'preview' : 'live'); }
    }
  }
  const stateOf = (w: any) => live.get(w.metadata.name) ?? (podLabels(w)[COLOR] ? 'idle' : '');
  const countOf = (w: any): string | undefined => {
    const hpa = hpaOf.get(w.metadata.name);
    if (hpa) { return podRange(hpa.spec.minReplicas ?? 1, hpa.spec.maxReplicas); }
    if (w.kind === 'Deployment' || w.kind === 'StatefulSet') { return podCount(w.spec.replicas ?? 1); }
    if (isOperated(w)) { return podCount(operatorPods(w).reduce((n, p) => n + p.replicas, 0)); }
    return undefined;
  };
  // Short facts about a workload, for a node; the long ones go to the workloads table.
  const facts = (w: any): string => {
    const color = podLabels(w)[COLOR];
    if (color) { return [`${color} · ${stateOf(w)}`, countOf(w)].filter(Boolean).join(' · '); }
    if (w.kind === 'CronJob') { return `CronJob · ${w.spec.schedule}`; }
    if (isHook(w)) { return `Job · ${w.metadata.annotations[HOOK]} hook`; }
    return [w.kind, countOf(w)].filter(Boolean).join(' · ');
  };
  const workloadNode = (w: any): Node => isDatastore(w)
    ? shaped(id('w', w.metadata.name), '[(', ')]', [w.metadata.name, facts(w)])
    : shaped(id('w', w.metadata.name), '[', ']', [w.metadata.name, facts(w)]);

  // The pods one NetworkPolicy governs (both colors of a pair) are one node in the flow diagrams.
  const members = new Map(policies.map(p => [p.name, pods.select(p.podSelector)]));
  const groupNode = (p: PolicyFlows): Node => {
    const ws = members.get(p.name)!;
    const colors = ws.map(w => podLabels(w)[COLOR]).filter(Boolean);
    const summary = ws.length === 0 ? '(no pods)'
      : ws.length === 1 ? facts(ws[0])
        : colors.length === ws.length ? `${ws[0].kind}s ${colors.join('/')}` : `${ws.length} workloads`;
    const nid = id('app', p.name);
    return ws.length > 0 && ws.every(isDatastore)
      ? shaped(nid, '[(', ')]', [p.name, summary])
      : shaped(nid, '[', ']', [p.name, summary]);
  };
  const isHookGroup = (p: PolicyFlows) => members.get(p.name)!.length > 0 && members.get(p.name)!.every(isHook);

  // ---- (1) From the Internet: hosts → Services → workloads.
  const entry = new Diagram();
  const entryTable: string[] = [];
  // Through a Gateway, the Internet node says which (one more node would not fit the budget).
  const httpRoutes = objects.filter(o => o.kind === 'HTTPRoute' && String(o.apiVersion).startsWith('gateway.networking.k8s.io/'));
  const gatewaysUsed = [...new Set(httpRoutes
    .flatMap(r => (r.spec.parentRefs ?? []).map((p: any) => `${p.namespace ?? r.metadata.namespace}/${p.name}`)))].sort();
  const internet: Node = gatewaysUsed.length
    ? { nid: 'internet', line: () => `internet(("${text(['Internet', ...gatewaysUsed.map(g => `Gateway ${g}`)].join('<br/>'))}"))` }
    : { nid: 'internet', line: () => 'internet((Internet))' };
  const serviceNode = (s: any): Node => {
    const color = s.spec.selector?.[COLOR];
    return shaped(id('svc', s.metadata.name), '([', '])', [`Service ${s.metadata.name}`, ...(color ? [`${isPreview(s) ? 'preview' : 'live'}: ${color}`] : [])]);
  };
  const routed = new Set<string>(); // Services drawn in (1)
  const ingresses = objects.filter(o => o.kind === 'Ingress');
  for (const ing of ingresses) {
    const canary = ing.metadata.annotations?.['nginx.ingress.kubernetes.io/canary'] === 'true'
      ? ` (canary ${ing.metadata.annotations['nginx.ingress.kubernetes.io/canary-weight'] ?? '?'}%)` : '';
    for (const rule of ing.spec.rules ?? []) {
      const host = shaped(id('host', rule.host), '[', ']', [rule.host]);
      if (!entry.has(host.nid)) { entry.edge(internet, host); }
      for (const path of rule.http?.paths ?? []) {
        const backend = path.backend.service;
        const s = services.find(x => x.metadata.name === backend.name);
        const target = s ? serviceNode(s) : shaped(id('svc', backend.name), '([', '])', [`Service ${backend.name}`, '(missing)']);
        // The whole host ("/") needs no label; the flows table has every path.
        const label = `${path.path === '/' ? '' : path.path}${canary}`.trim();
        entry.edge(host, target, label || undefined);
        routed.add(backend.name);
        entryTable.push(`| Internet (${ing.spec.ingressClassName ?? 'ingress'}) | Service ${backend.name} | ${rule.host}${path.path} | Ingress ${ing.metadata.name}${canary} |`);
      }
    }
  }
  // Gateway API routes: the Gateway they attach to, each host, and per path the Services with
  // their weights (a canary's share of the preview).
  for (const route of httpRoutes) {
    const parents: any[] = route.spec.parentRefs ?? [];
    const gateways = [...new Set(parents.map(p => `${p.namespace ?? route.metadata.namespace}/${p.name}`))];
    for (const gw of gateways) {
      for (const hostname of route.spec.hostnames ?? []) {
        const host = shaped(id('host', hostname), '[', ']', [hostname]);
        if (!entry.has(host.nid)) { entry.edge(internet, host); }
        for (const rule of route.spec.rules ?? []) {
          const refs: any[] = rule.backendRefs ?? [];
          const total = refs.reduce((n, b) => n + (b.weight ?? 1), 0);
          for (const match of rule.matches?.length ? rule.matches : [{ path: { value: '/' } }]) {
            const path = match.path?.value ?? '/';
            for (const b of refs) {
              const s = services.find(x => x.metadata.name === b.name && (b.namespace ?? route.metadata.namespace) === namespace);
              const target = s ? serviceNode(s) : shaped(id('svc', b.name), '([', '])', [`Service ${b.namespace ? `${b.namespace}/` : ''}${b.name}`, ...(b.namespace ? [] : ['(missing)'])]);
              const share = refs.length > 1 ? `${Math.round(100 * (b.weight ?? 1) / (total || 1))}%` : '';
              const label = [path === '/' ? '' : path, share].filter(Boolean).join(' ');
              entry.edge(host, target, label || undefined);
              routed.add(b.name);
              entryTable.push(`| Internet (Gateway ${gw}) | Service ${b.name} | ${hostname}${path} | HTTPRoute ${route.metadata.name}${share ? ` (weight ${b.weight ?? 1} of ${total}: ${share})` : ''} |`);
            }
          }
        }
      }
    }
  }
  // Every blue/green Service, routed or not, so that the map says which color is live;
  // and every colored workload, so that an idle color shows too.
  for (const s of services) {
    const selected = pods.select(s.spec.selector);
    if (!routed.has(s.metadata.name) && !selected.some(w => podLabels(w)[COLOR])) { continue; }
    for (const w of selected) {
      entry.node(workloadNode(w), stateOf(w) || undefined);
      entry.edge(serviceNode(s), workloadNode(w), undefined, isPreview(s) ? '-.->' : '-->');
    }
    if (selected.length === 0) { entry.node(serviceNode(s)); }
  }
  for (const w of workloads.filter(x => podLabels(x)[COLOR])) {
    entry.node(workloadNode(w), stateOf(w) || undefined);
  }

  // ---- (2)–(4): the NetworkPolicies' flows, one arrow per pair of peers with all its ports.
  const between = new Diagram({ portsInNode: 2 });
  const stores = new Diagram({ portsInNode: 2, bundle: 'sources' });
  const platform = new Diagram({ portsInNode: 1, brief: true, orderBySources: true });
  const flowTable: string[] = [];
  interface Peer { readonly node: Node; readonly label: string; readonly kind: 'group' | 'cidr' | 'namespace'; readonly policy?: PolicyFlows }
  const peerOf = (peer: any, description: string): Peer | undefined => {
    if (peer.ipBlock) {
      const except = peer.ipBlock.except ?? [];
      // The exceptions can be long; the node says how many, the flows table lists them.
      const lines = [description, peer.ipBlock.cidr, ...(except.length ? [`except ${except.length} range${except.length === 1 ? '' : 's'}`] : [])];
      return {
        node: shaped(id('cidr', peer.ipBlock.cidr), '[(', ')]', lines),
        label: `${peer.ipBlock.cidr}${except.length ? ` except ${except.join(', ')}` : ''}`,
        kind: 'cidr',
      };
    }
    const ns = namespaceOf(peer);
    if (ns === namespace && peer.podSelector) {
      const target = policyBySelector.get(JSON.stringify(peer.podSelector.matchLabels))
        ?? policies.find(p => members.get(p.name)!.some(w => pods.select(peer.podSelector.matchLabels).includes(w)));
      return target ? { node: groupNode(target), label: target.name, kind: 'group', policy: target } : undefined;
    }
    const name = `${ns ?? 'any namespace'}${peer.podSelector ? `/${peer.podSelector.matchLabels?.[NAME] ?? JSON.stringify(peer.podSelector.matchLabels)}` : ''}`;
    return { node: shaped(id('ext', name), '[/', '/]', [`namespace ${name}`]), label: `namespace ${name}`, kind: 'namespace' };
  };
  const isStore = (peer: Peer) => peer.kind === 'cidr' || (peer.kind === 'group' && members.get(peer.policy!.name)!.length > 0
    && members.get(peer.policy!.name)!.every(isDatastore));
  const pairs = new Map<string, { from: Peer; to: Peer; ports: PolicyPort[] }>();
  const seen = new Set<string>();
  for (const p of policies) {
    const self: Peer = { node: groupNode(p), label: p.name, kind: 'group', policy: p };
    for (const f of p.flows) {
      if (f.description === 'cluster DNS') { continue; } // every pod has it; said once in the text
      for (const peer of f.peers) {
        const other = peerOf(peer, f.description);
        if (!other) { continue; }
        const [from, to] = f.direction === 'egress' ? [self, other] : [other, self];
        const key = `${from.node.nid}>${to.node.nid}>${ports(f.ports)}`;
        if (seen.has(key)) { continue; } // a pod-to-pod flow is allowed on both ends
        seen.add(key);
        flowTable.push(`| ${cell(from.label)} | ${cell(to.label)} | ${ports(f.ports)} | ${cell(f.description)} |`);
        const pairKey = `${from.node.nid}>${to.node.nid}`;
        const pair = pairs.get(pairKey) ?? { from, to, ports: [] };
        pair.ports.push(...f.ports);
        pairs.set(pairKey, pair);
      }
      if (f.peers.length === 0) {
        flowTable.push(f.direction === 'egress' ? `| ${p.name} | anywhere | ${ports(f.ports)} | ${cell(f.description)} |` : `| anywhere | ${p.name} | ${ports(f.ports)} | ${cell(f.description)} |`);
      }
    }
  }
  for (const { from, to, ports: ps } of pairs.values()) {
    const label = portLabel(ps);
    if (from.policy && isHookGroup(from.policy) && to.policy) {
      // A smoke test calls one color's own Service (lib/bluegreen/smoke-test.ts): drawn, in
      // (1), as an arrow to the workload of the color it tests.
      const tested = members.get(from.policy.name)!.map(w => podLabels(w)[TESTS_COLOR]).filter(Boolean);
      const targets = members.get(to.policy.name)!.filter(w => tested.includes(podLabels(w)[COLOR]));
      if (targets.length > 0) {
        for (const w of targets) { entry.edge(from.node, workloadNode(w), label); }
        continue;
      }
    }
    if (from.kind === 'namespace' || (from.policy && isHookGroup(from.policy))) {
      platform.edge(from.node, to.node, label);
    } else if (isStore(to) || to.kind === 'namespace') {
      stores.edge(from.node, to.node, label);
    } else {
      between.edge(from.node, to.node, label);
    }
  }

  const workloadTable = workloads.map(w => {
    const svcs = services.filter(s => pods.select(s.spec.selector).includes(w)).map(s => s.metadata.name);
    const notes = [
      podLabels(w)[COLOR] ? `${podLabels(w)[COLOR]}, ${stateOf(w)}` : '',
      w.kind === 'CronJob' ? `schedule \`${w.spec.schedule}\`` : '',
      isHook(w) ? `Argo CD ${w.metadata.annotations[HOOK]} hook` : '',
    ].filter(Boolean).join('; ');
    return `| ${w.metadata.name} | ${w.kind} | ${countOf(w) ?? '–'} | ${svcs.join(', ') || '–'} | ${cell(notes) || '–'} |`;
  });

  const section = (title: string, about: string[], d: Diagram, none: string) => [
    `## ${title}`, '', ...about, '',
    ...(d.empty ? [none] : ['```mermaid', ...d.render(), '```']), '',
  ];
  return [
    `# ${input.title}: traffic map`,
    '',
    'Generated by `npm run synth` from the same objects as the manifests beside it; do not edit.',
    'Argo CD reads only the `*.yaml` files here.',
    '',
    'One small diagram per kind of traffic; the tables below them list every flow and workload',
    'in full. NetworkPolicies deny every flow not drawn here. One arrow stands for all',
    'the ports between two peers; where every arrow into a node uses the same ports, they are',
    'written in the node. A box around several nodes means each of them has the arrows drawn',
    'to or from the box. Every pod may also resolve names through kube-system/kube-dns',
    '(53/UDP, 53/TCP).',
    '',
    ...section('From the Internet', [
      'Hosts and paths (Ingresses, or the Gateway and its HTTPRoutes with each backend\'s share of',
      'the traffic) → Services → workloads, and the release smoke tests that Argo CD',
      'runs against one color each (the gate: the color going live; PostSync: the idle one).',
      'Solid arrows: live routing; dotted: preview routing.',
      'Green: the live color; yellow: the preview color; grey: an idle color.',
    ], entry, 'Nothing is exposed to the Internet: the system has no Ingress or HTTPRoute and no blue/green Service.'),
    ...section('Between workloads', ['Calls from one of the system\'s workloads to another.'],
      between, 'No workload of the system calls another.'),
    ...section('To datastores and out of the namespace', [
      'StatefulSets, operator-run datastores and external CIDRs (cylinders) and other namespaces that the workloads may reach.',
    ], stores, 'No workload reaches a datastore or leaves the namespace.'),
    ...section('From the platform', [
      'Other namespaces that may reach the workloads: the ingress controller or the Gateway\'s proxies, Prometheus.',
    ], platform, 'No other namespace reaches the workloads.'),
    '## Allowed flows',
    '',
    '| from | to | ports | why |',
    '| --- | --- | --- | --- |',
    ...entryTable,
    ...flowTable,
    '',
    '## Workloads',
    '',
    '| workload | kind | pods | Services | notes |',
    '| --- | --- | --- | --- | --- |',
    ...workloadTable,
    '',
  ].join('\n');
}

/** Each Mermaid diagram of a traffic map page, as its lines. */
export function diagramsOf(markdown: string): string[][] {
  return [...markdown.matchAll(/^```mermaid\n([\s\S]+?)\n```$/gm)].map(m => m[1].split('\n'));
}

/** Nodes (including subgraphs) and edges of one diagram, as written. */
export function diagramSize(lines: readonly string[]): { nodes: number; edges: number } {
  const edge = /^ *\w+ (?:-->|-\.->|-- "[^"]*" -->) \w+$/;
  const node = /^ *(?:subgraph \w+ \[|\w+[[(])/;
  return {
    nodes: lines.filter(l => !edge.test(l) && node.test(l)).length,
    edges: lines.filter(l => edge.test(l)).length,
  };
}

/** The diagrams of a page that exceed {@link DIAGRAM_BUDGET}, as messages (none when all fit). */
export function oversizedDiagrams(markdown: string): string[] {
  return diagramsOf(markdown).flatMap((lines, i) => {
    const { nodes, edges } = diagramSize(lines);
    return nodes > DIAGRAM_BUDGET.nodes || edges > DIAGRAM_BUDGET.edges
      ? [`diagram ${i + 1} has ${nodes} nodes and ${edges} edges (at most ${DIAGRAM_BUDGET.nodes} and ${DIAGRAM_BUDGET.edges})`]
      : [];
  });
}
