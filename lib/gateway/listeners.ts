/** The Gateway API's group. */
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/** The Gateway's plain-HTTP listener: it only redirects to HTTPS (and carries cert-manager's HTTP-01 challenges). */
export const HTTP_LISTENER = 'http';

/**
 * The HTTPS listener of one host, named as the host (a SectionName may hold dots), so that a
 * route's parentRef says which host it serves and the Gateway's status which host is ready.
 * One listener per host, not a wildcard: Let's Encrypt's HTTP-01 challenge, which the
 * ClusterIssuers answer, issues no wildcard certificate.
 */
export function httpsListenerName(host: string): string {
  return host;
}

/** The Secret, in the Gateway's namespace, that cert-manager's gateway-shim writes a host's certificate to. */
export function certificateSecretName(host: string): string {
  return `${host.replace(/\./g, '-')}-tls`;
}
