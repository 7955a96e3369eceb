import { AUTOSCALER_HEALTH_KEY, AUTOSCALER_HEALTH_LUA, AUTOSCALER_HEALTH_USE_OPEN_LIBS } from '../autoscaling/autoscaler-health';
import { REDIS_REPLICATION_HEALTH_KEY, REDIS_REPLICATION_HEALTH_LUA } from '../datastores/redis-health';

/** One Lua health check, as argocd-cm holds it. */
export interface HealthCheck {
  /** The Lua source (`resource.customizations.health.<key>`): builds `hs`, sets `hs.status`, returns `hs`. */
  readonly script: string;
  /**
   * Argo CD opens Lua's standard libraries (string, table, …) for it
   * (`resource.customizations.useOpenLibs.<key>: "true"`).
   * @default false
   */
  readonly useOpenLibs?: boolean;
}

/**
 * The Lua health checks Argo CD runs for kinds it does not assess itself, or not as the fleet
 * needs, keyed `<group>_<Kind>` as argocd-cm names them (the core group is written without a
 * group, e.g. `ConfigMap`). The platform renders them into the values of the self-managed
 * Argo CD (lib/platform/platform.ts), which the bootstrap `helm install` uses too, so they
 * are active before the first sync; the release simulation runs the same ones
 * (scripts/simulate/render.ts). The JSON form of this record is what gitops-sync's
 * `--health-lua` reads.
 */
export const HEALTH_CHECKS: Readonly<Record<string, HealthCheck>> = {
  /**
   * An Application is as healthy as it reports itself. Argo CD stopped assessing Applications
   * in 1.8 (argoproj/argo-cd#3781); without this, the root app of apps would count a child
   * Application healthy as soon as it exists, and its sync waves (the platform before the
   * systems) would not wait for anything. The check is the one Argo CD's documentation gives
   * (operator-manual/health.md, "Argocd App").
   */
  'argoproj.io_Application': {
    script: [
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
  },
  /** An autoscaler below its minimum is Progressing: a blue/green live floor holds its wave (lib/autoscaling/autoscaler-health.ts). */
  [AUTOSCALER_HEALTH_KEY]: { script: AUTOSCALER_HEALTH_LUA, useOpenLibs: AUTOSCALER_HEALTH_USE_OPEN_LIBS },
  /** A RedisReplication without a master is Progressing: the applications' wave waits for Redis (lib/datastores/redis-health.ts). */
  [REDIS_REPLICATION_HEALTH_KEY]: { script: REDIS_REPLICATION_HEALTH_LUA },
};

/** `<group>_<Kind>` with a DNS-subdomain group (or none, for the core group) and a CamelCase kind. */
const KEY = /^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*_)?[A-Z][A-Za-z0-9]*$/;

/**
 * The argocd-cm entries for `checks`: `resource.customizations.health.<key>` → Lua source, and
 * `resource.customizations.useOpenLibs.<key>: "true"` where a check needs the libraries.
 * Throws when a key is not `<group>_<Kind>` or a check does not set and return a status table,
 * which Argo CD would otherwise report only at run time, in its controller's log.
 */
export function healthCustomizations(checks: Readonly<Record<string, HealthCheck>> = HEALTH_CHECKS): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const key of Object.keys(checks).sort()) {
    const { script, useOpenLibs } = checks[key];
    if (!KEY.test(key)) {
      throw new Error(`lib/gitops/health-checks.ts: health check key "${key}" is not <group>_<Kind>. Fix: write it as argocd-cm does, e.g. "argoproj.io_Application" or "autoscaling_HorizontalPodAutoscaler"`);
    }
    if (!/\breturn\s+hs\b/.test(script) || !/hs\.status\s*=/.test(script)) {
      throw new Error(`lib/gitops/health-checks.ts: health check ${key} never sets and returns hs.status. Fix: build a table hs with hs.status ("Healthy", "Progressing", "Degraded" or "Suspended") and end with "return hs"`);
    }
    entries[`resource.customizations.health.${key}`] = script;
    if (useOpenLibs) { entries[`resource.customizations.useOpenLibs.${key}`] = 'true'; }
  }
  return entries;
}
