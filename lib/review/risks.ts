// The changes a reviewer must look at twice, and why. Most flags concern production only;
// network openings concern production and staging (dev is open by design to try things);
// removals that lose pods or data, and immutable fields, concern every environment.
import type { ManifestTree, ObjectChange, RiskFlag } from './manifest-diff';
import { datastoreRisks } from './datastore-risks';
import { show } from './object-diff';
import { describePeer, describePolicyPort } from './peers';
import { containersOf, podLabelsOf, podSpecOf, selects } from './pod-spec';
import { parseQuantity } from './quantity';

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
const ROUTES = new Set(['Ingress', 'HTTPRoute', 'GRPCRoute']);

/**
 * The risky changes among `changes` (`before`/`after` give the whole objects):
 * - any environment: a workload removed, a claim or claim template changed or removed, an
 *   immutable Deployment/StatefulSet selector changed;
 * - production and staging: a NetworkPolicy opened wider, or removed while the pods it
 *   fences stay (a policy removed with all of its pods, like a smoke test's, is not flagged);
 * - production: replicas or HPA bounds lowered (to 0 named as such), an HPA removed, an
 *   Ingress or HTTPRoute removed or a host or path removed from one, traffic moved between
 *   backends (a route's weights, a canary Ingress's weight), a rate limit loosened or removed
 *   (ingress-nginx's annotations, Envoy Gateway's BackendTrafficPolicy), a cpu or memory limit lowered or
 *   newly set, a PodDisruptionBudget loosened or removed (unless its pods go too), a Service
 *   port removed or renumbered or its targetPort changed, a probe removed or loosened, a
 *   Secret or ConfigMap reference changed, added or dropped;
 * - operator-run datastores and PostgreSQL's backups (lib/review/datastore-risks.ts): removed
 *   anywhere; in production fewer nodes or instances, smaller volumes, WAL archiving off, a
 *   shorter retention, a moved archive, an ObjectStore or ScheduledBackup removed or suspended.
 */
export function riskyChanges(changes: readonly ObjectChange[], before: ManifestTree, after: ManifestTree): RiskFlag[] {
  const flags: RiskFlag[] = [];
  for (const c of changes) {
    const kind = c.object.split('/')[0];
    const env = c.dir.split('/')[0];
    const production = env === 'production';
    const fenced = production || env === 'staging';
    const [b, a] = [before.get(c.path), after.get(c.path)];
    const flag = (reason: string) => flags.push({ dir: c.dir, object: c.object, reason });
    datastoreRisks(c.change, b, a, production).forEach(flag);
    if (c.change === 'removed') {
      if (WORKLOADS.has(kind)) { flag('removed: its pods will be deleted'); }
      if (kind === 'PersistentVolumeClaim') { flag('removed: the volume and its data may be deleted'); }
      if (kind === 'NetworkPolicy' && fenced && !allGone(b.spec?.podSelector, c.dir, before, after, false)) {
        flag('removed: its pods lose this fence (open wider)');
      }
      if (production && kind === 'HorizontalPodAutoscaler') { flag('removed in production: the workload no longer scales'); }
      if (production && ROUTES.has(kind)) {
        const routes = routesOf(b);
        flag(`removed in production: ${routes.length ? routes.join(', ') : 'its routes'} no longer routed here`);
        const canary = b.metadata?.annotations?.[CANARY_WEIGHT];
        if (kind === 'Ingress' && canary !== undefined) { flag(`canary removed in production: its ${canary}% moves back to the live Service`); }
      }
      if (production && kind === 'BackendTrafficPolicy' && localLimits(b).size > 0) {
        flag(`removed in production: the rate limits of ${targetsOf(b)} (${[...localLimits(b).values()].map(perMinute).join(', ')}) are lifted`);
      }
      if (production && kind === 'PodDisruptionBudget' && !allGone(b.spec?.selector, c.dir, before, after, true)) {
        flag('removed in production: voluntary disruptions (node drains, upgrades) are no longer limited');
      }
      continue;
    }
    if (c.change === 'added' && production && kind === 'Ingress' && a?.metadata?.annotations?.[CANARY_WEIGHT] !== undefined) {
      movedWeights({ kind: 'Ingress', metadata: { annotations: { ...a.metadata.annotations, [CANARY_WEIGHT]: '0' } }, spec: a.spec }, a).forEach(flag);
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
    if (kind === 'NetworkPolicy' && fenced) {
      for (const w of widerRules(b, a)) { flag(`opened wider: ${w}`); }
    }
    if (!production) { continue; }
    if (WORKLOADS.has(kind)) { lowered('spec.replicas', b.spec?.replicas, a.spec?.replicas, 'no pods will run').forEach(flag); }
    if (kind === 'HorizontalPodAutoscaler') {
      lowered('spec.minReplicas', b.spec?.minReplicas, a.spec?.minReplicas, 'it may scale to no pods').forEach(flag);
      lowered('spec.maxReplicas', b.spec?.maxReplicas, a.spec?.maxReplicas, '').forEach(flag);
    }
    if (ROUTES.has(kind)) {
      const now = new Set(hostsOf(a));
      for (const h of hostsOf(b)) { if (!now.has(h)) { flag(`host ${h} removed in production: it is no longer routed here`); } }
      const paths = new Set(routesOf(a));
      for (const r of routesOf(b)) {
        if (!paths.has(r) && now.has(r.split('/')[0]) && r.includes('/')) { flag(`path ${r} removed in production: it is no longer routed here`); }
      }
      movedWeights(b, a).forEach(flag);
      looserIngressLimits(b, a).forEach(flag);
    }
    if (kind === 'BackendTrafficPolicy') { looserLocalLimits(b, a).forEach(flag); }
    if (kind === 'PodDisruptionBudget') { looserBudget(b.spec ?? {}, a.spec ?? {}).forEach(flag); }
    if (kind === 'Service') { servicePorts(b.spec?.ports ?? [], a.spec?.ports ?? []).forEach(flag); }
    const [bPod, aPod] = [podSpecOf(b), podSpecOf(a)];
    if (bPod && aPod) {
      lowerLimits(bPod, aPod).forEach(flag);
      looserProbes(bPod, aPod).forEach(flag);
      changedReferences(bPod, aPod).forEach(flag);
    }
  }
  return flags;
}

/**
 * Whether the workloads in `dir` whose pods `selector` selects are all removed (or, with
 * `zeroCounts`, scaled to 0) in `after`: then a NetworkPolicy or PDB removed with them
 * leaves nothing exposed. False when it selects no workload (it may select bare pods).
 */
function allGone(selector: any, dir: string, before: ManifestTree, after: ManifestTree, zeroCounts: boolean): boolean {
  const selected = [...before].filter(([p, o]) => {
    const labels = p.startsWith(`${dir}/`) ? podLabelsOf(o) : undefined;
    return labels !== undefined && selects(selector, labels);
  });
  return selected.length > 0 && selected.every(([p]) => {
    const now = after.get(p);
    return !now || (zeroCounts && now.spec?.replicas === 0);
  });
}

const NGINX = 'nginx.ingress.kubernetes.io';
const CANARY_WEIGHT = `${NGINX}/canary-weight`;

/** Each path's backends and their share in percent, `host/path` → `service` → share (a route's weights, a canary Ingress's weight). */
function shares(o: any): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  if (o?.kind === 'Ingress') {
    const canary = o.metadata?.annotations?.[`${NGINX}/canary`] === 'true';
    const weight = Number(o.metadata?.annotations?.[CANARY_WEIGHT] ?? 0);
    for (const rule of o.spec?.rules ?? []) {
      for (const p of rule.http?.paths ?? []) {
        const at = `${rule.host ?? '(any host)'}${p.path ?? ''}${canary ? ' (canary)' : ''}`;
        out.set(at, new Map([[p.backend?.service?.name, canary ? weight : 100]]));
      }
    }
    return out;
  }
  for (const host of o?.spec?.hostnames ?? ['(any host)']) {
    for (const rule of o?.spec?.rules ?? []) {
      const refs: any[] = rule.backendRefs ?? [];
      const total = refs.reduce((n, b) => n + (b.weight ?? 1), 0);
      for (const m of rule.matches?.length ? rule.matches : [{}]) {
        const at = `${host}${m.path?.value ?? '/'}`;
        out.set(at, new Map(refs.map(b => [`${b.namespace ? `${b.namespace}/` : ''}${b.name}`, total ? Math.round(1000 * (b.weight ?? 1) / total) / 10 : 0])));
      }
    }
  }
  return out;
}

/** Traffic that moves between backends of a path that stays: a weight, a canary share, a backend swapped. */
function movedWeights(b: any, a: any): string[] {
  const [was, now] = [shares(b), shares(a)];
  const out: string[] = [];
  for (const [at, before] of was) {
    const after = now.get(at);
    if (!after) { continue; }
    const services = [...new Set([...before.keys(), ...after.keys()])].sort();
    const moved = services.filter(s => (before.get(s) ?? 0) !== (after.get(s) ?? 0));
    if (moved.length) {
      out.push(`traffic moved in production on ${at}: ${moved.map(s => `${s} ${before.get(s) ?? 0}% → ${after.get(s) ?? 0}%`).join(', ')}`);
    }
  }
  return out;
}

/** ingress-nginx's per-IP limits that were raised or dropped. */
function looserIngressLimits(b: any, a: any): string[] {
  if (b?.kind !== 'Ingress') { return []; }
  const out: string[] = [];
  for (const [name, what] of [['limit-rpm', 'requests per minute per IP'], ['limit-connections', 'connections per IP'], ['limit-burst-multiplier', 'burst multiplier']] as const) {
    const [x, y] = [b.metadata?.annotations?.[`${NGINX}/${name}`], a.metadata?.annotations?.[`${NGINX}/${name}`]];
    if (x === undefined) { continue; }
    if (y === undefined) { out.push(`rate limit loosened in production: ${name} ${x} removed (no limit of ${what})`); } else if (Number(y) > Number(x)) {
      out.push(`rate limit loosened in production: ${name} ${x} → ${y} (${what})`);
    }
  }
  return out;
}

const PER_MINUTE: Readonly<Record<string, number>> = { Second: 60, Minute: 1, Hour: 1 / 60, Day: 1 / 1440, Week: 1 / 10080, Month: 1 / 43200, Year: 1 / 525600 };

/** An Envoy Gateway local rate limit rule's requests per minute, by what it selects. */
function localLimits(o: any): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of o?.spec?.rateLimit?.local?.rules ?? []) {
    const factor = PER_MINUTE[r.limit?.unit];
    if (factor === undefined || typeof r.limit?.requests !== 'number') { continue; }
    out.set(JSON.stringify(r.clientSelectors ?? []), r.limit.requests * factor);
  }
  return out;
}

const perMinute = (n: number) => `${Number.isInteger(n) ? n : n.toFixed(2)}/min`;
const targetsOf = (o: any) => (o?.spec?.targetRefs ?? []).map((t: any) => `${t.kind} ${t.name}`).join(', ') || 'its targets';

/** Envoy Gateway local rate limits raised or removed (compared per minute, rule by rule). */
function looserLocalLimits(b: any, a: any): string[] {
  const [was, now] = [localLimits(b), localLimits(a)];
  const out: string[] = [];
  for (const [selectors, x] of was) {
    const y = now.get(selectors);
    const who = JSON.parse(selectors).map((c: any) => c.sourceCIDR ? `${c.sourceCIDR.type === 'Distinct' ? 'each client of ' : ''}${c.sourceCIDR.value}` : JSON.stringify(c)).join(' and ') || 'every request';
    if (y === undefined) {
      out.push(`rate limit loosened in production: ${perMinute(x)} for ${who} on ${targetsOf(b)} removed`);
    } else if (y > x) {
      out.push(`rate limit loosened in production: ${perMinute(x)} → ${perMinute(y)} for ${who} on ${targetsOf(a)}`);
    }
  }
  return out;
}

/** The hosts an Ingress (`spec.rules[].host`) or Gateway API route (`spec.hostnames`) serves. */
function hostsOf(o: any): string[] {
  const hosts: unknown[] = o?.kind === 'Ingress' ? (o.spec?.rules ?? []).map((r: any) => r.host) : o?.spec?.hostnames ?? [];
  return [...new Set(hosts.filter((h): h is string => typeof h === 'string'))];
}

/** What a route served: an Ingress's host and path pairs (`shop.example/api`), an HTTPRoute's hostnames with its paths. */
function routesOf(o: any): string[] {
  if (o?.kind === 'HTTPRoute') {
    const paths: string[] = (o.spec?.rules ?? []).flatMap((r: any) => (r.matches?.length ? r.matches : [{}]).map((m: any) => m.path?.value ?? '/'));
    if (paths.length === 0) { return hostsOf(o); }
    return [...new Set<string>(hostsOf(o).flatMap(h => [...new Set(paths)].map(p => `${h}${p}`)))];
  }
  if (o?.kind !== 'Ingress') { return hostsOf(o); }
  const routes = (o.spec?.rules ?? []).flatMap((r: any) => (r.http?.paths?.length ? r.http.paths : [{}]).map((p: any) => `${r.host ?? '(any host)'}${p.path ?? ''}`));
  return [...new Set<string>(routes)];
}

function lowered(path: string, before: unknown, after: unknown, atZero: string): string[] {
  if (after === 0 && before !== 0) { return [`${path} lowered to 0 in production: ${show(before)} → 0${atZero ? ` (${atZero})` : ''}`]; }
  return typeof before === 'number' && typeof after === 'number' && after < before ? [`${path} lowered in production: ${before} → ${after}`] : [];
}

/** `2` or `50%` as a comparable number, remembering which it was. */
function budget(v: unknown): { n: number; percent: boolean } | undefined {
  if (typeof v === 'number') { return { n: v, percent: false }; }
  const m = typeof v === 'string' ? /^(\d+)%$/.exec(v) : null;
  return m ? { n: Number(m[1]), percent: true } : undefined;
}

function looserBudget(b: any, a: any): string[] {
  const out: string[] = [];
  const compare = (field: 'minAvailable' | 'maxUnavailable', looser: (x: number, y: number) => boolean, verb: string) => {
    const [x, y] = [budget(b[field]), budget(a[field])];
    if (!x || !y) { return; }
    if (x.percent !== y.percent) {
      out.push(`spec.${field} changed in production: ${show(b[field])} → ${show(a[field])} (a count and a percentage: check it is not looser)`);
    } else if (looser(x.n, y.n)) {
      out.push(`spec.${field} ${verb} in production: ${show(b[field])} → ${show(a[field])} (more pods may be evicted at once)`);
    }
  };
  compare('minAvailable', (x, y) => y < x, 'lowered');
  compare('maxUnavailable', (x, y) => y > x, 'raised');
  for (const [field, other] of [['minAvailable', 'maxUnavailable'], ['maxUnavailable', 'minAvailable']] as const) {
    if (b[field] !== undefined && a[field] === undefined) {
      out.push(a[other] !== undefined
        ? `spec.${field} ${show(b[field])} replaced by spec.${other} ${show(a[other])} in production: check it is not looser`
        : `spec.${field} removed in production: the budget no longer limits evictions`);
    }
  }
  return out;
}

function servicePorts(before: any[], after: any[]): string[] {
  const key = (p: any) => `${p.port}/${p.protocol ?? 'TCP'}`;
  const target = (p: any) => show(p.targetPort ?? p.port);
  const was = new Map(before.map(p => [key(p), p]));
  const now = new Map(after.map(p => [key(p), p]));
  const out: string[] = [];
  for (const [k, p] of was) {
    const q = now.get(k) ?? (p.name === undefined ? undefined : after.find(x => x.name === p.name && !was.has(key(x))));
    if (!q) {
      out.push(`port ${k} removed in production: its clients lose it`);
      continue;
    }
    if (key(q) !== k) { out.push(`port ${p.name} changed in production: ${k} → ${key(q)} (clients of ${k} lose it)`); }
    if (target(p) !== target(q)) { out.push(`port ${key(q)} targetPort changed in production: ${target(p)} → ${target(q)}`); }
  }
  return out;
}

function lowerLimits(bPod: any, aPod: any): string[] {
  const now = containersOf(aPod);
  const out: string[] = [];
  for (const [name, c] of containersOf(bPod)) {
    for (const res of ['cpu', 'memory']) {
      const [x, y] = [c.resources?.limits?.[res], now.get(name)?.resources?.limits?.[res]];
      if (y === undefined || !now.has(name)) { continue; }
      if (x === undefined) {
        out.push(`${name} ${res} limit set in production: (none) → ${show(y)} (it had no limit)`);
      } else if ((parseQuantity(y) ?? Infinity) < (parseQuantity(x) ?? -Infinity)) {
        out.push(`${name} ${res} limit lowered in production: ${show(x)} → ${show(y)}`);
      }
    }
  }
  return out;
}

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
/** Probe fields where a higher value notices a failure later, with the API's defaults. */
const SLOWER = { failureThreshold: 3, periodSeconds: 10, timeoutSeconds: 1 } as const;
const HANDLERS = ['httpGet', 'tcpSocket', 'exec', 'grpc'] as const;

function looserProbes(bPod: any, aPod: any): string[] {
  const now = containersOf(aPod);
  const out: string[] = [];
  for (const [name, c] of containersOf(bPod)) {
    const d = now.get(name);
    if (!d) { continue; }
    for (const probe of PROBES) {
      const [x, y] = [c[probe], d[probe]];
      if (!x) { continue; }
      if (!y) {
        out.push(`${name} ${probe} removed in production`);
        continue;
      }
      const value = (p: any, f: string, def: number) => (p[f] === undefined ? `${def} (default)` : show(p[f]));
      for (const [f, def] of Object.entries(SLOWER)) {
        if ((y[f] ?? def) > (x[f] ?? def)) { out.push(`${name} ${probe}.${f} raised in production: ${value(x, f, def)} → ${value(y, f, def)}`); }
      }
      if ((y.successThreshold ?? 1) < (x.successThreshold ?? 1)) {
        out.push(`${name} ${probe}.successThreshold lowered in production: ${value(x, 'successThreshold', 1)} → ${value(y, 'successThreshold', 1)}`);
      }
      const [hx, hy] = [HANDLERS.find(h => x[h]), HANDLERS.find(h => y[h])];
      if (hx !== hy) {
        out.push(`${name} ${probe} now checks by ${hy ?? '(nothing)'} instead of ${hx ?? '(nothing)'} in production: check it is not a lower bar`);
      } else if (hx === 'httpGet' && x.httpGet.path !== y.httpGet.path) {
        out.push(`${name} ${probe}.httpGet.path changed in production: ${show(x.httpGet.path)} → ${show(y.httpGet.path)} (check it is not a lower bar)`);
      } else if (hx === 'exec' && JSON.stringify(x.exec.command) !== JSON.stringify(y.exec.command)) {
        out.push(`${name} ${probe}.exec.command changed in production: ${show(x.exec.command)} → ${show(y.exec.command)} (check it is not a lower bar)`);
      }
    }
  }
  return out;
}

/** Every place a pod reads a Secret or ConfigMap, by review path, and what it reads. */
function referencesOf(pod: any): Map<string, string> {
  const out = new Map<string, string>();
  const keys = (items: any[] | undefined) => (items?.length ? ` (keys ${items.map(i => i.key).join(', ')})` : '');
  for (const [name, c] of containersOf(pod)) {
    for (const e of c.env ?? []) {
      const s = e.valueFrom?.secretKeyRef;
      const m = e.valueFrom?.configMapKeyRef;
      if (s) { out.set(`${name}.env[${e.name}]`, `secret ${s.name} key ${s.key}`); }
      if (m) { out.set(`${name}.env[${e.name}]`, `configMap ${m.name} key ${m.key}`); }
    }
    const from = (c.envFrom ?? []).map((e: any) => (e.secretRef ? `${e.prefix ?? ''}secret ${e.secretRef.name}` : `${e.prefix ?? ''}configMap ${e.configMapRef?.name}`));
    if (from.length) { out.set(`${name}.envFrom`, from.join(', ')); }
  }
  for (const v of pod.volumes ?? []) {
    const sources = v.projected ? v.projected.sources ?? [] : [v];
    const reads = sources.flatMap((s: any) => [
      ...(s.secret ? [`secret ${s.secret.secretName ?? s.secret.name}${keys(s.secret.items)}`] : []),
      ...(s.configMap ? [`configMap ${s.configMap.name}${keys(s.configMap.items)}`] : []),
    ]);
    if (reads.length) { out.set(`volumes[${v.name}]`, reads.join(', ')); }
  }
  return out;
}

function changedReferences(bPod: any, aPod: any): string[] {
  const [was, now] = [referencesOf(bPod), referencesOf(aPod)];
  const stillThere = containersOf(aPod);
  const out: string[] = [];
  for (const [site, ref] of now) {
    const old = was.get(site);
    if (old === undefined) {
      out.push(`${site} now reads ${ref} in production (a new reference: its pods will not start if it is missing)`);
    } else if (old !== ref) {
      out.push(`${site} reference changed in production: ${old} → ${ref}`);
    }
  }
  for (const [site, old] of was) {
    // A removed container takes its references with it; that is not a reference change.
    const container = site.startsWith('volumes[') ? undefined : site.slice(0, site.indexOf(']') + 1);
    if (!now.has(site) && (container === undefined || stillThere.has(container))) {
      out.push(`${site} no longer reads ${old} in production`);
    }
  }
  return out;
}

/** What `after` allows that `before` did not: new (direction, peer, port) pairs, dropped policy types, a new pod selector. */
function widerRules(before: any, after: any): string[] {
  const out: string[] = [];
  if (JSON.stringify(before.spec?.podSelector) !== JSON.stringify(after.spec?.podSelector)) {
    out.push('spec.podSelector changed: the policy now governs other pods');
  }
  for (const t of before.spec?.policyTypes ?? []) {
    if (!(after.spec?.policyTypes ?? []).includes(t)) { out.push(`no longer restricts ${t}`); }
  }
  for (const direction of ['ingress', 'egress'] as const) {
    const old = new Set(connections(before.spec?.[direction], direction));
    for (const p of connections(after.spec?.[direction], direction)) {
      if (!old.has(p)) { out.push(`${direction} now allows ${p}`); }
    }
  }
  return out;
}

function connections(rules: any[] | undefined, direction: 'ingress' | 'egress'): string[] {
  const out: string[] = [];
  for (const r of rules ?? []) {
    const peers: any[] = r[direction === 'ingress' ? 'from' : 'to'] ?? [];
    const ports: any[] = r.ports ?? [];
    for (const peer of peers.length ? peers.map(describePeer) : ['anyone']) {
      for (const port of ports.length ? ports.map(describePolicyPort) : ['all ports']) {
        out.push(`${direction === 'ingress' ? 'from' : 'to'} ${peer} on ${port}`);
      }
    }
  }
  return out;
}
