/**
 * PromQL for the alerts every system shares, over the metrics our services expose
 * (http_requests_total, http_request_duration_seconds) and cAdvisor / kube-state-metrics.
 */

/** Ratio of 5xx responses above `ratio` over 5 minutes. */
export function errorRatioAbove(namespace: string, job: string, ratio: number): string {
  return `sum(rate(http_requests_total{namespace="${namespace}", job="${job}", status=~"5.."}[5m])) / sum(rate(http_requests_total{namespace="${namespace}", job="${job}"}[5m])) > ${ratio}`;
}

/** A latency quantile above `seconds` over 5 minutes. */
export function latencyQuantileAbove(namespace: string, job: string, quantile: number, seconds: number): string {
  return `histogram_quantile(${quantile}, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="${namespace}", job="${job}"}[5m]))) > ${seconds}`;
}

/** Container working-set memory above `ratio` of its limit. */
export function containerMemoryAbove(namespace: string, container: string, ratio: number): string {
  return `max by (pod) (container_memory_working_set_bytes{namespace="${namespace}", container="${container}"} / on (namespace, pod, container) kube_pod_container_resource_limits{namespace="${namespace}", container="${container}", resource="memory"}) > ${ratio}`;
}

/** Container CPU use above `ratio` of its limit over 5 minutes. */
export function containerCpuAbove(namespace: string, container: string, ratio: number): string {
  return `max by (pod) (rate(container_cpu_usage_seconds_total{namespace="${namespace}", container="${container}"}[5m]) / on (namespace, pod, container) kube_pod_container_resource_limits{namespace="${namespace}", container="${container}", resource="cpu"}) > ${ratio}`;
}
