import { ApiObject } from 'cdk8s';

/** kube-score's own per-object annotation: a comma-separated list of checks it skips. */
export const KUBE_SCORE_IGNORE = 'kube-score/ignore';

/** Where the reason for each skipped check is written: `kube-score.fleet.dev/<check>: <reason>`. */
export const KUBE_SCORE_REASON_PREFIX = 'kube-score.fleet.dev/';

/** kube-score checks (`kube-score list`) that a construct may deliberately skip. */
export type KubeScoreCheck =
  | 'deployment-has-host-podantiaffinity'
  | 'statefulset-has-host-podantiaffinity'
  | 'deployment-replicas'
  | 'horizontalpodautoscaler-replicas'
  | 'networkpolicy-targets-pod';

const ignored = new WeakMap<ApiObject, Map<KubeScoreCheck, string>>();

/**
 * Marks `object` so that kube-score skips `check`, and records why beside it. Only the
 * construct that makes the deliberate choice calls this, so the reason sits with the code
 * that chose; reviewers see both annotations in dist/.
 */
export function ignoreKubeScoreCheck(object: ApiObject, check: KubeScoreCheck, reason: string): void {
  if (!reason.trim()) {
    throw new Error(`${object.node.path}: kube-score check ${check} is skipped without a reason. Fix: say why the check does not apply`);
  }
  const checks = ignored.get(object) ?? new Map<KubeScoreCheck, string>();
  checks.set(check, reason);
  ignored.set(object, checks);
  object.metadata.addAnnotation(KUBE_SCORE_IGNORE, [...checks.keys()].sort().join(','));
  object.metadata.addAnnotation(`${KUBE_SCORE_REASON_PREFIX}${check}`, reason);
}

/**
 * Marks the NetworkPolicy of an operator-run datastore: it selects pods the operator creates
 * from `resource`, which kube-score (reading only what we render) never sees. The policy gate
 * checks the same selector against the pods the operator will make (lib/datastores/operator-pods.ts).
 */
export function ignoreOperatorPodsForKubeScore(policy: ApiObject, resource: string): void {
  ignoreKubeScoreCheck(policy, 'networkpolicy-targets-pod',
    `selects the pods the operator creates from ${resource}, which are not in the rendered manifests`);
}

/** The checks an object's annotations tell kube-score to skip, with their recorded reasons. */
export function kubeScoreIgnores(annotations: Record<string, string> | undefined): Map<string, string> {
  const list = annotations?.[KUBE_SCORE_IGNORE];
  const out = new Map<string, string>();
  for (const check of list ? list.split(',').map(c => c.trim()).filter(Boolean) : []) {
    out.set(check, annotations?.[`${KUBE_SCORE_REASON_PREFIX}${check}`] ?? '');
  }
  return out;
}
