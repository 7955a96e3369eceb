/**
 * Argo CD's health check for HorizontalPodAutoscalers, as a resource customization
 * (argocd-cm `resource.customizations.health.autoscaling_HorizontalPodAutoscaler`).
 *
 * Argo CD's built-in check calls an autoscaler Healthy as soon as any AbleToScale or
 * ScalingLimited condition is True, and those conditions are the last reconcile's. When a sync
 * raises `minReplicas` (a blue/green promote with a live floor), the built-in check still sees
 * the old conditions and lets the sync move on before a single new pod exists; the selector
 * switch then lands on a color running its old minimum. This check keeps the built-in verdicts
 * and adds one rule in front: an autoscaler whose current replicas are below its minimum is
 * Progressing. The Deployment in the same wave then waits for those pods to be ready. Holding
 * the wave that long exposes a transient the built-in check calls Degraded (which fails a
 * sync): metrics missing for pods that are still starting; that is Progressing here.
 */
export const AUTOSCALER_HEALTH_KEY = 'autoscaling_HorizontalPodAutoscaler';

/**
 * The check reads a condition's message with `string.find`, so Argo CD must open Lua's
 * standard libraries for it (argocd-cm `resource.customizations.useOpenLibs.<key>: "true"`).
 */
export const AUTOSCALER_HEALTH_USE_OPEN_LIBS = true;

export const AUTOSCALER_HEALTH_LUA = `hs = {}
local spec = obj.spec or {}
local status = obj.status or {}
local minimum = spec.minReplicas or 1
local current = status.currentReplicas or 0
-- Below its minimum, the autoscaler has not yet acted on this spec (a raised floor, a new HPA).
if current < minimum then
  hs.status = "Progressing"
  hs.message = "Scaling up to the minimum of " .. minimum .. " replicas (" .. current .. " now)"
  return hs
end
-- The built-in check's Degraded reasons (gitops-engine pkg/health/health_hpa.go), except a
-- metrics gap while new pods start: the HPA controller reports it as FailedGet*Metric
-- "(pods might be unready)", and it passes once they are Ready; the Deployment's own check
-- reports pods that never get there.
local degraded = {
  AbleToScale = { FailedGetScale = true, FailedUpdateScale = true },
  ScalingActive = { FailedGetResourceMetric = true, FailedGetObjectMetric = true, FailedGetPodsMetric = true,
    FailedGetExternalMetric = true, FailedComputeMetricsReplicas = true, InvalidSelector = true },
}
local conditions = status.conditions or {}
for _, c in ipairs(conditions) do
  if degraded[c.type] ~= nil and degraded[c.type][c.reason] then
    hs.message = c.message
    if c.message ~= nil and string.find(c.message, "pods might be unready", 1, true) then
      hs.status = "Progressing"
    else
      hs.status = "Degraded"
    end
    return hs
  end
end
for _, c in ipairs(conditions) do
  if (c.type == "AbleToScale" or c.type == "ScalingLimited") and c.status == "True" then
    hs.status = "Healthy"
    hs.message = c.message
    return hs
  end
end
hs.status = "Progressing"
hs.message = "Waiting to Autoscale"
return hs
`;
