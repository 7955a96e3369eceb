// Where a workload keeps its pods, for the risk checks that look inside them.

/** The pod spec of a Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob or Pod. */
export function podSpecOf(o: any): any | undefined {
  if (!o) { return undefined; }
  if (o.kind === 'Pod') { return o.spec; }
  if (o.kind === 'CronJob') { return o.spec?.jobTemplate?.spec?.template?.spec; }
  return o.spec?.template?.spec;
}

/** The pod template's labels (the labels a selector must match to select its pods). */
export function podLabelsOf(o: any): Record<string, string> | undefined {
  if (o?.kind === 'Pod') { return o.metadata?.labels ?? {}; }
  const template = o?.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template : o?.spec?.template;
  return template ? template.metadata?.labels ?? {} : undefined;
}

/** Every container of a pod spec by its review path, e.g. `containers[api]`, `initContainers[migrate]`. */
export function containersOf(podSpec: any): Map<string, any> {
  const out = new Map<string, any>();
  for (const list of ['initContainers', 'containers'] as const) {
    for (const c of podSpec?.[list] ?? []) { out.set(`${list}[${c.name}]`, c); }
  }
  return out;
}

/** Whether a label selector (`matchLabels`, `matchExpressions`) selects an object with `labels`. */
export function selects(selector: any, labels: Record<string, string>): boolean {
  if (!selector) { return false; }
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) { return false; }
  }
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const ok = e.operator === 'In' ? has && e.values.includes(labels[e.key])
      : e.operator === 'NotIn' ? !has || !e.values.includes(labels[e.key])
        : e.operator === 'Exists' ? has : e.operator === 'DoesNotExist' ? !has : false;
    if (!ok) { return false; }
  }
  return true;
}
