import { byCodeUnit } from '../core/checks';
import { secretReads } from './secret-readers';

/**
 * The annotation Stakater Reloader watches: when one of the named Secrets changes, it rolls
 * the workload (with `reloadStrategy: annotations` it stamps the pod template, which Argo CD
 * does not count as drift, unlike the default env-var strategy).
 */
export const RELOAD_ON_SECRETS_ANNOTATION = 'secret.reloader.stakater.com/reload';

/**
 * Annotates a Deployment whose containers read Secrets into their environment with the
 * Secrets to restart it on, in place. Environment variables are read once, at container
 * start: without a restart a rotated key (the documents rotate API keys every 30 days)
 * reaches the pods only with the next release. Deployments only: Jobs and CronJobs start
 * fresh pods every run, and a datastore's StatefulSet reads its password at initialisation,
 * so restarting it rotates nothing.
 */
export function applySecretReload(object: any): void {
  if (object.kind !== 'Deployment') { return; }
  const names = [...new Set(secretReads(object).filter(r => r.via === 'env').map(r => r.secretName))].sort(byCodeUnit);
  if (names.length === 0) { return; }
  const annotations: Record<string, string> = { ...object.metadata.annotations, [RELOAD_ON_SECRETS_ANNOTATION]: names.join(',') };
  // Keys sorted, as cdk8s writes them.
  object.metadata.annotations = Object.fromEntries(Object.entries(annotations).sort(([a], [b]) => byCodeUnit(a, b)));
}
