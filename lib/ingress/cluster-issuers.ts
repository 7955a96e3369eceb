/** A cert-manager ClusterIssuer the fleet knows how to render (lib/platform/cluster-issuers.ts). */
export interface KnownIssuer {
  /** The ACME directory the issuer orders certificates from. */
  readonly acmeServer: string;
  /**
   * Whether browsers trust what it issues. An untrusted certificate on a host that HSTS covers
   * cannot be clicked through: the host is unreachable in a browser.
   */
  readonly browserTrusted: boolean;
}

/** The ClusterIssuers an Ingress may name (`cert-manager.io/cluster-issuer`), by name. */
export const CLUSTER_ISSUERS: Readonly<Record<string, KnownIssuer>> = {
  'letsencrypt-prod': { acmeServer: 'https://acme-v02.api.letsencrypt.org/directory', browserTrusted: true },
  // For trying issuance itself (it has far higher rate limits); its root is not in any browser.
  'letsencrypt-staging': { acmeServer: 'https://acme-staging-v02.api.letsencrypt.org/directory', browserTrusted: false },
};

/** The known issuer named `name`, or undefined. */
export function knownIssuer(name: string): KnownIssuer | undefined {
  return Object.prototype.hasOwnProperty.call(CLUSTER_ISSUERS, name) ? CLUSTER_ISSUERS[name] : undefined;
}
