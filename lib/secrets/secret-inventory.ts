import { byCodeUnit } from '../core/checks';
import { SecretStoreSettings } from '../environments/environment';
import { producedSecrets } from './secret-producers';
import { secretReads } from './secret-readers';

/** What {@link secretInventory} lists. */
export interface SecretInventoryInput {
  /** One system's rendered objects. */
  readonly objects: readonly any[];
  /** The environment's secret store (where the ExternalSecrets read). */
  readonly store: SecretStoreSettings;
}

/** The secret manager, as a person finds it in a console. */
function managerName(store: SecretStoreSettings): string {
  const m = store.manager;
  switch (m.kind) {
    case 'gcp-secret-manager': return `GCP Secret Manager of project \`${m.projectID}\` (one secret per key)`;
    case 'aws-secrets-manager': return `AWS Secrets Manager in \`${m.region}\` (one JSON secret per Kubernetes Secret, a property per key)`;
    case 'vault': return `Vault KV v2 \`${m.path}\` at ${m.server} (one secret per Kubernetes Secret, a property per key)`;
  }
}

/** An ExternalSecret data entry's remote side, as rendered. */
function remote(ref: { key: string; property?: string }): string {
  // The property is rendered as a gjson path (dots escaped); the person creates it unescaped.
  return ref.property === undefined ? `\`${ref.key}\`` : `\`${ref.key}\` property \`${ref.property.replace(/\\\./g, '.')}\``;
}

/**
 * The Secrets section of a system's README (the traffic map beside its manifests): every
 * entry to create in the environment's secret manager, by Kubernetes Secret and key, with
 * the workloads that read it; then the Secrets the cluster makes (operators, cert-manager).
 * Drawn from the rendered objects, like the traffic map, so it cannot drift from them.
 * Empty when the system reads no Secret.
 */
export function secretInventory(input: SecretInventoryInput): string {
  const readers = new Map<string, Set<string>>(); // `<secret>/<key>` or `<secret>/*` → objects
  for (const o of input.objects) {
    for (const r of secretReads(o)) {
      for (const key of r.keys ?? ['*']) {
        const k = `${r.secretName}/${key}`;
        readers.set(k, (readers.get(k) ?? new Set()).add(o.metadata.name));
      }
    }
  }
  const readBy = (secret: string, key?: string): string => {
    const names = new Set([...(key ? readers.get(`${secret}/${key}`) ?? [] : []), ...readers.get(`${secret}/*`) ?? []]);
    if (!key) {
      for (const [k, v] of readers) { if (k.startsWith(`${secret}/`)) { v.forEach(n => names.add(n)); } }
    }
    return [...names].sort(byCodeUnit).join(', ') || '–';
  };

  const external = input.objects.filter(o => o.kind === 'ExternalSecret')
    .sort((a, b) => byCodeUnit(a.metadata.name, b.metadata.name));
  const rows = external.flatMap(es => (es.spec.data ?? []).map((d: any) =>
    `| ${es.spec.target?.name ?? es.metadata.name} | ${d.secretKey} | ${remote(d.remoteRef)} | ${readBy(es.spec.target?.name ?? es.metadata.name, d.secretKey)} |`));
  const made = input.objects.filter(o => o.kind !== 'ExternalSecret')
    .flatMap(o => producedSecrets(o).map(p => ({ ...p, read: readBy(p.secretName) })))
    .filter(p => p.read !== '–')
    .sort((a, b) => byCodeUnit(a.secretName, b.secretName));
  if (rows.length === 0 && made.length === 0) { return ''; }

  const out = ['## Secrets', ''];
  if (rows.length) {
    out.push(
      `From the secret manager: ${managerName(input.store)},`,
      `through ClusterSecretStore \`${input.store.storeName}\`, re-read every ${input.store.refreshInterval}. Create each entry below`,
      'before the first sync: the ExternalSecrets apply in the configuration wave, and Argo CD waits',
      'there until every one has synced its Secret. Deployments restart when a Secret they read',
      'changes (README "Secrets").',
      '',
      '| Secret | key | entry in the secret manager | read by |',
      '| --- | --- | --- | --- |',
      ...rows,
      '',
    );
  }
  if (made.length) {
    out.push(
      'Made in the cluster, nothing to create:',
      '',
      '| Secret | made by | for | read by |',
      '| --- | --- | --- | --- |',
      ...made.map(p => `| ${p.secretName} | ${p.writer} | ${p.by} | ${p.read} |`),
      '',
    );
  }
  return out.join('\n');
}
