/**
 * Lua health checks Argo CD runs for kinds whose health it does not assess itself, keyed
 * `<group>_<Kind>` as argocd-cm names them (`resource.customizations.health.<group>_<Kind>`;
 * the core group is written without a group, e.g. `ConfigMap`). The platform renders them into
 * the values of the self-managed Argo CD (lib/platform/argo-cd.ts), which the bootstrap
 * `helm install` uses too, so they are active before the first sync.
 */
export const HEALTH_CHECKS: Readonly<Record<string, string>> = {
  /**
   * An Application is as healthy as it reports itself. Argo CD stopped assessing Applications
   * in 1.8 (argoproj/argo-cd#3781); without this, the root app of apps would count a child
   * Application healthy as soon as it exists, and its sync waves (the platform before the
   * systems) would not wait for anything. The check is the one Argo CD's documentation gives
   * (operator-manual/health.md, "Argocd App").
   */
  'argoproj.io_Application': [
    'hs = {}',
    'hs.status = "Progressing"',
    'hs.message = ""',
    'if obj.status ~= nil then',
    '  if obj.status.health ~= nil then',
    '    hs.status = obj.status.health.status',
    '    if obj.status.health.message ~= nil then',
    '      hs.message = obj.status.health.message',
    '    end',
    '  end',
    'end',
    'return hs',
    '',
  ].join('\n'),
};

/** `<group>_<Kind>` with a DNS-subdomain group (or none, for the core group) and a CamelCase kind. */
const KEY = /^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*_)?[A-Z][A-Za-z0-9]*$/;

/**
 * The argocd-cm entries for `checks`: `resource.customizations.health.<key>` → Lua source.
 * Throws when a key is not `<group>_<Kind>` or a check does not return a status table, which
 * Argo CD would otherwise reject only at run time, in the controller's log.
 */
export function healthCustomizations(checks: Readonly<Record<string, string>> = HEALTH_CHECKS): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const key of Object.keys(checks).sort()) {
    if (!KEY.test(key)) {
      throw new Error(`lib/gitops/health-checks.ts: health check key "${key}" is not <group>_<Kind>. Fix: write it as argocd-cm does, e.g. "argoproj.io_Application" or "autoscaling_HorizontalPodAutoscaler"`);
    }
    if (!/\breturn\s+hs\b/.test(checks[key]) || !/hs\.status\s*=/.test(checks[key])) {
      throw new Error(`lib/gitops/health-checks.ts: health check ${key} never sets and returns hs.status. Fix: build a table hs with hs.status ("Healthy", "Progressing", "Degraded" or "Suspended") and end with "return hs"`);
    }
    entries[`resource.customizations.health.${key}`] = checks[key];
  }
  return entries;
}
