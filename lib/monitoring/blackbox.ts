import { EnvironmentSettings } from '../environments/environment';

/**
 * The blackbox exporter the platform installs (lib/platform/platform.ts) and the modules the
 * systems' Probes use. One definition: the platform renders exactly these modules into the
 * exporter's configuration, and a Probe can only name one of them.
 */
export const BLACKBOX_EXPORTER = {
  /** The Helm release's fullname, so the Service is `blackbox-exporter`. */
  name: 'blackbox-exporter',
  /** The Service's HTTP port (the chart's default). */
  port: 9115,
} as const;

/** Where Prometheus sends probe requests: the exporter's Service in the monitoring namespace. */
export function proberAddress(settings: Pick<EnvironmentSettings, 'monitoringNamespace'>): string {
  return `${BLACKBOX_EXPORTER.name}.${settings.monitoringNamespace}.svc:${BLACKBOX_EXPORTER.port}`;
}

/**
 * The security headers every public host must send, and what each value must match (Go RE2,
 * as blackbox's `fail_if_header_not_matches` reads it). The names are those ResponseHeaders
 * sends (lib/ingress/response-headers.ts; test/probes.test.ts keeps the two in step); the
 * values are checked only as far as a wrong one would defeat the header.
 */
export const SECURITY_HEADER_CHECKS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': '.+',
  'Referrer-Policy': '.+',
  'Strict-Transport-Security': 'max-age=[1-9][0-9]*',
  'X-Content-Type-Options': '^nosniff$',
  'X-Frame-Options': '^(DENY|SAMEORIGIN)$',
  'X-XSS-Protection': '.+',
};

/** What every HTTP module asks: HTTPS with a certificate the exporter's CA bundle trusts, over IPv4. */
const HTTPS = {
  valid_http_versions: ['HTTP/1.1', 'HTTP/2.0'],
  preferred_ip_protocol: 'ip4',
  fail_if_not_ssl: true,
} as const;

/**
 * The modules, by name: the exporter's `config.modules`. A probe's timeout is the module's
 * (5 s), inside the Probe's scrape timeout.
 */
export const BLACKBOX_MODULES = {
  /** The endpoint answers 2xx over verified TLS: up, and how fast (probe_duration_seconds). */
  http_2xx: { prober: 'http', timeout: '5s', http: { ...HTTPS } },
  /**
   * As http_2xx, and every security header present with a sane value; a missing or wrong one
   * sets probe_failed_due_to_regex (only when the status was fine).
   */
  http_security_headers: {
    prober: 'http',
    timeout: '5s',
    http: {
      ...HTTPS,
      fail_if_header_not_matches: Object.entries(SECURITY_HEADER_CHECKS).map(([header, regexp]) => ({ header, regexp, allow_missing: false })),
    },
  },
  /**
   * A TLS handshake on port 443, verified: the certificate's expiry (probe_ssl_earliest_cert_expiry)
   * whatever the HTTP answer, so a host whose backend may be scaled to zero is covered too.
   */
  tls_certificate: { prober: 'tcp', timeout: '5s', tcp: { tls: true, preferred_ip_protocol: 'ip4' } },
} as const;

export type BlackboxModuleName = keyof typeof BLACKBOX_MODULES;
