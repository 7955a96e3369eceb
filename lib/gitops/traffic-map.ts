import { LabelIndex } from '../core/selectors';
import { AllowedFlow, PolicyPort } from '../network/network-policy';

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

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'CronJob', 'Job']);
const NAME = 'app.kubernetes.io/name';
const COLOR = 'color';

const id = (prefix: string, name: string) => `${prefix}_${name.replace(/[^A-Za-z0-9]/g, '_')}`;
const text = (s: string) => s.replace(/"/g, '#quot;');
const cell = (s: string) => s.replace(/\|/g, '\\|');
const ports = (ps: readonly PolicyPort[]) => ps.map(p => `${p.port}/${p.protocol ?? 'TCP'}`).join(', ');

function podLabels(o: any): Record<string, string> {
  const t = o.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template : o.spec?.template;
  return t?.metadata?.labels ?? {};
}

function namespaceOf(peer: any): string | undefined {
  return peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
}

/**
 * A Markdown page with a Mermaid flowchart of one system: ingress hosts → Services →
 * workloads, the flows its NetworkPolicies allow (pods, other namespaces, external CIDRs),
 * datastores, and which color of each blue/green pair is live. Written beside the manifests
 * by synth, from the same objects, so it cannot drift from them.
 */
export function trafficMap(input: TrafficMapInput): string {
  const { objects, policies, namespace } = input;
  const workloads = objects.filter(o => WORKLOADS.has(o.kind));
  const services = objects.filter(o => o.kind === 'Service');
  const pods = new LabelIndex(workloads, podLabels);
  const hpaOf = new Map(objects.filter(o => o.kind === 'HorizontalPodAutoscaler').map(h => [h.spec.scaleTargetRef.name, h]));
  const policyBySelector = new Map(policies.map(p => [JSON.stringify(p.podSelector), p]));
  const isPreview = (s: any) => s.metadata.name.endsWith('-preview');
  const out: string[] = [];
  const edges: string[] = [];
  const table: string[] = [];
  const live = new Map<string, string>(); // workload name -> live | preview

  // Which color each blue/green Service sends traffic to.
  for (const s of services) {
    for (const w of pods.select(s.spec.selector)) {
      if (podLabels(w)[COLOR]) { live.set(w.metadata.name, isPreview(s) ? 'preview' : 'live'); }
    }
  }

  const describe = (w: any): string => {
    const parts = [`${w.kind} ${w.metadata.name}`];
    const color = podLabels(w)[COLOR];
    if (color) { parts.push(`${color} · ${live.get(w.metadata.name) ?? 'idle'}`); }
    const hpa = hpaOf.get(w.metadata.name);
    if (hpa) { parts.push(`${hpa.spec.minReplicas}–${hpa.spec.maxReplicas} pods`); } else if (w.spec.replicas !== undefined) { parts.push(`${w.spec.replicas} pods`); }
    if (w.kind === 'CronJob') { parts.push(`schedule ${w.spec.schedule}`); }
    if (w.metadata.annotations?.['argocd.argoproj.io/hook']) { parts.push(`Argo CD ${w.metadata.annotations['argocd.argoproj.io/hook']} hook`); }
    return parts.join('<br/>');
  };

  out.push('flowchart LR');
  out.push('  internet((Internet))');

  // Groups: the pods one NetworkPolicy governs (both colors of a pair), drawn as a subgraph.
  const groupOf = new Map<string, string>(); // workload name -> group id
  out.push(`  subgraph ${id('ns', namespace)} ["namespace ${text(namespace)}"]`);
  for (const p of policies) {
    const members = pods.select(p.podSelector);
    const gid = id('app', p.name);
    out.push(`    subgraph ${gid} ["${text(p.name)}"]`);
    for (const w of members) {
      const shape = w.kind === 'StatefulSet' ? ['[(', ')]'] : ['[', ']'];
      const state = live.get(w.metadata.name) ?? (podLabels(w)[COLOR] ? 'idle' : '');
      out.push(`      ${id('w', w.metadata.name)}${shape[0]}"${text(describe(w))}"${shape[1]}${state ? `:::${state}` : ''}`);
      groupOf.set(w.metadata.name, gid);
    }
    if (members.length === 0) { out.push(`      ${id('w', p.name)}["(no pods)"]`); }
    out.push('    end');
  }
  for (const s of services) {
    const color = s.spec.selector?.[COLOR];
    const label = `Service ${s.metadata.name}${color ? `<br/>${isPreview(s) ? 'preview' : 'live'}: ${color}` : ''}`;
    out.push(`    ${id('svc', s.metadata.name)}(["${text(label)}"])`);
    for (const w of pods.select(s.spec.selector)) {
      edges.push(`  ${id('svc', s.metadata.name)} ${isPreview(s) ? '-.->' : '-->'} ${id('w', w.metadata.name)}`);
    }
  }
  out.push('  end');

  // Ingress hosts and paths → Services.
  const hosts = new Set<string>();
  for (const ing of objects.filter(o => o.kind === 'Ingress')) {
    const canary = ing.metadata.annotations?.['nginx.ingress.kubernetes.io/canary'] === 'true'
      ? ` (canary ${ing.metadata.annotations['nginx.ingress.kubernetes.io/canary-weight'] ?? '?'}%)` : '';
    for (const rule of ing.spec.rules ?? []) {
      const hid = id('host', rule.host);
      if (!hosts.has(hid)) {
        hosts.add(hid);
        out.push(`  ${hid}["${text(rule.host)}"]`);
        edges.push(`  internet --> ${hid}`);
      }
      for (const path of rule.http?.paths ?? []) {
        const backend = path.backend.service;
        edges.push(`  ${hid} -- "${text(`${path.path}${canary}`)}" --> ${id('svc', backend.name)}`);
        table.push(`| Internet (${ing.spec.ingressClassName ?? 'ingress'}) | Service ${backend.name} | ${rule.host}${path.path} | Ingress ${ing.metadata.name}${canary} |`);
      }
    }
  }

  // NetworkPolicy flows. DNS is allowed for every pod and left out of the picture.
  const external = new Set<string>();
  const node = (peer: any, description: string): { nid: string; label: string } | undefined => {
    if (peer.ipBlock) {
      const nid = id('cidr', peer.ipBlock.cidr);
      const except = peer.ipBlock.except?.length ? `<br/>except ${peer.ipBlock.except.join(', ')}` : '';
      if (!external.has(nid)) {
        external.add(nid);
        out.push(`  ${nid}[("${text(`${description}<br/>${peer.ipBlock.cidr}${except}`)}")]`);
      }
      return { nid, label: `${peer.ipBlock.cidr}${peer.ipBlock.except?.length ? ` except ${peer.ipBlock.except.join(', ')}` : ''}` };
    }
    const ns = namespaceOf(peer);
    if (ns === namespace && peer.podSelector) {
      const target = policyBySelector.get(JSON.stringify(peer.podSelector.matchLabels));
      const member = target ? undefined : pods.select(peer.podSelector.matchLabels)[0];
      const gid = target ? id('app', target.name) : member ? groupOf.get(member.metadata.name) : undefined;
      return gid ? { nid: gid, label: target?.name ?? member!.metadata.name } : undefined;
    }
    const name = `${ns ?? 'any namespace'}${peer.podSelector ? `/${peer.podSelector.matchLabels?.[NAME] ?? JSON.stringify(peer.podSelector.matchLabels)}` : ''}`;
    const nid = id('ext', name);
    if (!external.has(nid)) {
      external.add(nid);
      out.push(`  ${nid}[/"${text(`namespace ${name}`)}"/]`);
    }
    return { nid, label: `namespace ${name}` };
  };
  const seen = new Set<string>();
  for (const p of policies) {
    const self = { nid: id('app', p.name), label: p.name };
    for (const f of p.flows) {
      if (f.description === 'cluster DNS') { continue; }
      for (const peer of f.peers) {
        const other = node(peer, f.description);
        if (!other) { continue; }
        const [from, to] = f.direction === 'egress' ? [self, other] : [other, self];
        const key = `${from.nid}>${to.nid}>${ports(f.ports)}`;
        if (seen.has(key)) { continue; } // a pod-to-pod flow is allowed on both ends
        seen.add(key);
        edges.push(`  ${from.nid} -- "${text(ports(f.ports))}" --> ${to.nid}`);
        table.push(`| ${cell(from.label)} | ${cell(to.label)} | ${ports(f.ports)} | ${cell(f.description)} |`);
      }
      if (f.peers.length === 0) {
        table.push(f.direction === 'egress' ? `| ${p.name} | anywhere | ${ports(f.ports)} | ${cell(f.description)} |` : `| anywhere | ${p.name} | ${ports(f.ports)} | ${cell(f.description)} |`);
      }
    }
  }
  out.push(...edges);
  out.push('  classDef live fill:#d9f2d9,stroke:#2e7d32,stroke-width:2px');
  out.push('  classDef preview fill:#fff4cc,stroke:#b8860b,stroke-dasharray:4 3');
  out.push('  classDef idle fill:#eeeeee,stroke:#888888,stroke-dasharray:4 3');

  return [
    `# ${input.title}: traffic map`,
    '',
    'Generated by `npm run synth` from the same objects as the manifests beside it; do not edit.',
    'Argo CD reads only the `*.yaml` files here.',
    '',
    'Solid arrows are allowed flows (NetworkPolicies deny everything else) and live Service routing;',
    'dotted arrows are preview routing. Green: the live color; yellow: the preview color.',
    'Every pod may also resolve names through kube-system/kube-dns (53/UDP, 53/TCP).',
    '',
    '```mermaid',
    ...out,
    '```',
    '',
    '## Allowed flows',
    '',
    '| from | to | ports | why |',
    '| --- | --- | --- | --- |',
    ...table,
    '',
  ].join('\n');
}
