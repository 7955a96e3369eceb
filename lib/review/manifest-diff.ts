import { diffObjects, FieldChange, show } from './object-diff';

/** Manifests by path under dist/ (`<env>/<system>/<kind>-<name>.yaml`), parsed. */
export type ManifestTree = ReadonlyMap<string, any>;

/** What happened to one object between two trees. */
export interface ObjectChange {
  /** The file under dist/. */
  readonly path: string;
  /** `<env>/<system>`. */
  readonly dir: string;
  /** `<Kind>/<name>`. */
  readonly object: string;
  readonly change: 'added' | 'removed' | 'changed';
  /** For `changed`: the field paths with old and new values. */
  readonly fields: readonly FieldChange[];
}

/** A change a reviewer must look at twice, and why. */
export interface RiskFlag {
  readonly dir: string;
  readonly object: string;
  readonly reason: string;
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet']);

/** Every object added, removed or changed from `before` to `after`, in path order. */
export function diffTrees(before: ManifestTree, after: ManifestTree): ObjectChange[] {
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  const out: ObjectChange[] = [];
  for (const p of paths) {
    const [b, a] = [before.get(p), after.get(p)];
    const o = a ?? b;
    const ref = { path: p, dir: p.split('/').slice(0, -1).join('/'), object: `${o.kind}/${o.metadata?.name}` };
    if (!b) {
      out.push({ ...ref, change: 'added', fields: [] });
    } else if (!a) {
      out.push({ ...ref, change: 'removed', fields: [] });
    } else {
      const fields = diffObjects(b, a);
      if (fields.length) { out.push({ ...ref, change: 'changed', fields }); }
    }
  }
  return out;
}

/**
 * The risky changes among `changes` (`before`/`after` give the whole objects): a workload
 * removed, a claim or claim template changed (immutable, or data at stake), a Deployment
 * or StatefulSet selector changed (immutable: the apply fails), replicas or autoscaling
 * bounds lowered in production, a NetworkPolicy opened wider or removed.
 */
export function riskyChanges(changes: readonly ObjectChange[], before: ManifestTree, after: ManifestTree): RiskFlag[] {
  const flags: RiskFlag[] = [];
  for (const c of changes) {
    const kind = c.object.split('/')[0];
    const flag = (reason: string) => flags.push({ dir: c.dir, object: c.object, reason });
    const production = c.dir.startsWith('production/');
    if (c.change === 'removed') {
      if (WORKLOADS.has(kind)) { flag(`removed: its pods will be deleted`); }
      if (kind === 'PersistentVolumeClaim') { flag('removed: the volume and its data may be deleted'); }
      if (kind === 'NetworkPolicy') { flag('removed: its pods lose this fence (open wider)'); }
      if (kind === 'HorizontalPodAutoscaler' && production) { flag('removed in production: the workload no longer scales'); }
      continue;
    }
    if (c.change !== 'changed') { continue; }
    const changed = (prefix: string) => c.fields.filter(f => f.path === prefix || f.path.startsWith(`${prefix}.`) || f.path.startsWith(`${prefix}[`));
    if (kind === 'PersistentVolumeClaim' && changed('spec').length) {
      flag(`claim changed (${changed('spec').map(f => f.path).join(', ')}): a PVC's spec is immutable except a larger storage request; data is at stake`);
    }
    if (kind === 'StatefulSet' && changed('spec.volumeClaimTemplates').length) {
      flag('spec.volumeClaimTemplates changed: immutable; the StatefulSet must be deleted (orphaning pods) and recreated');
    }
    if (WORKLOADS.has(kind) && changed('spec.selector').length) {
      flag(`spec.selector changed: immutable; the apply will fail until the ${kind} is recreated`);
    }
    if (production) {
      for (const path of WORKLOADS.has(kind) ? ['spec.replicas'] : kind === 'HorizontalPodAutoscaler' ? ['spec.minReplicas', 'spec.maxReplicas'] : []) {
        for (const f of changed(path)) {
          if (typeof f.before === 'number' && typeof f.after === 'number' && f.after < f.before) {
            flag(`${path} lowered in production: ${f.before} → ${f.after}`);
          }
        }
      }
    }
    if (kind === 'NetworkPolicy') {
      const widened = widerRules(before.get(c.path), after.get(c.path));
      for (const w of widened) { flag(`opened wider: ${w}`); }
    }
  }
  return flags;
}

/** What `after` allows that `before` did not: new (direction, peer, port) pairs, dropped policy types, a new pod selector. */
function widerRules(before: any, after: any): string[] {
  if (!before || !after) { return []; }
  const out: string[] = [];
  if (JSON.stringify(before.spec.podSelector) !== JSON.stringify(after.spec.podSelector)) {
    out.push(`spec.podSelector changed: the policy now governs other pods`);
  }
  for (const t of before.spec.policyTypes ?? []) {
    if (!(after.spec.policyTypes ?? []).includes(t)) { out.push(`no longer restricts ${t}`); }
  }
  for (const direction of ['ingress', 'egress'] as const) {
    const old = new Set(pairs(before.spec[direction], direction));
    for (const p of pairs(after.spec[direction], direction)) {
      if (!old.has(p)) { out.push(`${direction} now allows ${p}`); }
    }
  }
  return out;
}

function pairs(rules: any[] | undefined, direction: 'ingress' | 'egress'): string[] {
  const out: string[] = [];
  for (const r of rules ?? []) {
    const peers = r[direction === 'ingress' ? 'from' : 'to'] ?? [];
    const ports = r.ports ?? [];
    for (const peer of peers.length ? peers.map(describePeer) : ['anyone']) {
      for (const port of ports.length ? ports.map((p: any) => `${p.port ?? 'all'}/${p.protocol ?? 'TCP'}`) : ['all ports']) {
        out.push(`${direction === 'ingress' ? 'from' : 'to'} ${peer} on ${port}`);
      }
    }
  }
  return out;
}

function describePeer(peer: any): string {
  if (peer.ipBlock) {
    return `${peer.ipBlock.cidr}${peer.ipBlock.except?.length ? ` except ${peer.ipBlock.except.join(', ')}` : ''}`;
  }
  const parts: string[] = [];
  if (peer.namespaceSelector) { parts.push(`namespaces ${JSON.stringify(peer.namespaceSelector.matchLabels ?? peer.namespaceSelector)}`); }
  if (peer.podSelector) { parts.push(`pods ${JSON.stringify(peer.podSelector.matchLabels ?? peer.podSelector)}`); }
  return parts.join(' / ') || 'anyone';
}

const MAX_VALUE = 120;
const clip = (s: string) => (s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE - 1)}…` : s);

/**
 * The review as Markdown for a pull-request comment or a job summary: risky changes first,
 * a table per environment and system, then every change with its field paths, one line each
 * (`production/songnodes Service/backend-api: spec.selector.color blue → green`).
 */
export function toMarkdown(changes: readonly ObjectChange[], risks: readonly RiskFlag[], title: string): string {
  if (changes.length === 0) {
    return `## ${title}\n\nno changes\n`;
  }
  const lines = [`## ${title}`, ''];
  if (risks.length) {
    lines.push(`### ⚠️ Risky changes (${risks.length})`, '');
    for (const r of risks) { lines.push(`- **${r.dir} ${r.object}**: ${r.reason}`); }
    lines.push('');
  } else {
    lines.push('No risky changes found (workload or claim removals, immutable fields, production scale-downs, wider NetworkPolicies).', '');
  }
  const dirs = [...new Set(changes.map(c => c.dir))];
  lines.push('| environment/system | added | removed | changed |', '| --- | ---: | ---: | ---: |');
  for (const d of dirs) {
    const n = (k: ObjectChange['change']) => changes.filter(c => c.dir === d && c.change === k).length;
    lines.push(`| ${d} | ${n('added')} | ${n('removed')} | ${n('changed')} |`);
  }
  for (const d of dirs) {
    lines.push('', `### ${d}`, '');
    for (const c of changes.filter(x => x.dir === d)) {
      if (c.change !== 'changed') {
        lines.push(`- ${d} ${c.object}: **${c.change}**`);
        continue;
      }
      for (const f of c.fields) {
        lines.push(`- ${d} ${c.object}: ${f.path} ${clip(show(f.before))} → ${clip(show(f.after))}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
