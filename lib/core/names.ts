import { IConstruct } from 'constructs';
import { fail } from './errors';

/**
 * Kubernetes object names, as the API server validates them (k8s.io/apimachinery
 * pkg/util/validation). Which grammar applies depends on the kind, so each check says which.
 */

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Longest names per kind where the API's own limit is not the whole story: a CronJob's
 * Jobs are named `<name>-<11 digits>` and a StatefulSet's pods carry a
 * `controller-revision-hash: <name>-<10 chars>` label; both must stay within 63, so the
 * API server accepts a 60-character StatefulSet but no pod is ever created.
 */
export const NAME_LIMITS = {
  label: 63,
  subdomain: 253,
  cronJob: 52,
  statefulSet: 52,
} as const;

/** True for a DNS-1123 label: at most 63 lowercase letters, digits and '-', alphanumeric at both ends. */
export function isDnsLabel(value: string, maxLength: number = NAME_LIMITS.label): boolean {
  return typeof value === 'string' && value.length <= maxLength && DNS_1123_LABEL.test(value);
}

/** True for a DNS-1123 subdomain: dot-separated DNS-1123 labels, at most 253 characters. */
export function isDnsSubdomain(value: string): boolean {
  return typeof value === 'string' && value.length <= NAME_LIMITS.subdomain
    && value.split('.').every(l => DNS_1123_LABEL.test(l));
}

/**
 * Refuses a value that is not a DNS-1123 label (Namespaces, most object names, label-sized names).
 * `maxLength` is lower than 63 where the name is extended into other names.
 */
export function checkDnsLabel(scope: IConstruct, what: string, value: string, maxLength: number = NAME_LIMITS.label): void {
  if (!isDnsLabel(value, maxLength)) {
    const why = typeof value === 'string' && value.length > maxLength && DNS_1123_LABEL.test(value)
      ? `is ${value.length} characters, longer than ${maxLength}` : 'is not a DNS-1123 label';
    fail(scope, `${what} "${value}" ${why}`,
      `use at most ${maxLength} lowercase letters, digits and '-', starting and ending with a letter or digit`);
  }
}

/** Refuses a value that is not a DNS-1123 subdomain (Secret, StorageClass, IngressClass names). */
export function checkDnsSubdomain(scope: IConstruct, what: string, value: string): void {
  if (!isDnsSubdomain(value)) {
    fail(scope, `${what} "${value}" is not a DNS-1123 subdomain`,
      'use lowercase letters, digits, \'-\' and \'.\' (at most 253), each dot-separated part starting and ending with a letter or digit, e.g. "fast-ssd"');
  }
}

/**
 * Refuses a Service name that is not a DNS-1035 label: like a DNS-1123 label, but it must
 * start with a letter (Services become DNS names and environment variables).
 */
export function checkServiceName(scope: IConstruct, what: string, value: string, maxLength: number = NAME_LIMITS.label): void {
  if (typeof value !== 'string' || !DNS_1035_LABEL.test(value) || value.length > maxLength) {
    const why = typeof value === 'string' && /^[0-9]/.test(value) ? 'starts with a digit, so it is not a DNS-1035 label (a Service name)'
      : typeof value === 'string' && DNS_1035_LABEL.test(value) ? `is ${value.length} characters, longer than ${maxLength}`
        : 'is not a DNS-1035 label (a Service name)';
    fail(scope, `${what} "${value}" ${why}`,
      `use at most ${maxLength} lowercase letters, digits and '-', starting with a letter and ending with a letter or digit`);
  }
}

/** Namespaces the cluster owns: rendering a Namespace object with one of these names would take it over. */
export function isReservedNamespace(name: string): boolean {
  return name === 'default' || name.startsWith('kube-');
}
