import { IConstruct } from 'constructs';
import { fail } from './errors';
import { isDnsLabel } from './names';

/**
 * Refuses a host name an Ingress rule or TLS entry cannot hold: not a lowercase fully
 * qualified DNS name (a DNS-1123 subdomain with a top-level domain), a label over 63
 * characters, more than 253 in all, or an IP address. A leading "*." wildcard is accepted,
 * as Kubernetes accepts it.
 */
export function checkHost(scope: IConstruct, what: string, host: string): void {
  const fix = 'use a lowercase fully qualified name such as api.example.com (labels of at most 63 characters, 253 in all)';
  if (typeof host !== 'string' || host.length === 0 || host.length > 253) {
    fail(scope, `${what} "${host}" is not a valid DNS name${typeof host === 'string' && host.length > 253 ? ` (${host.length} characters, more than 253)` : ''}`, fix);
  }
  const labels = (host.startsWith('*.') ? host.slice(2) : host).split('.');
  const long = labels.find(l => l.length > 63);
  if (long !== undefined) {
    fail(scope, `${what} "${host}" has a label of ${long.length} characters ("${long.slice(0, 20)}…"), more than 63`, fix);
  }
  if (labels.length < 2 || !labels.every(l => isDnsLabel(l)) || !/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(labels[labels.length - 1])) {
    fail(scope, `${what} "${host}" is not a valid DNS name`, fix);
  }
}
