import { IConstruct } from 'constructs';
import { fail } from './errors';

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Kubernetes object and port names must be DNS-1123 labels (RFC 1123). */
export function checkDnsLabel(scope: IConstruct, what: string, value: string, maxLength = 63): void {
  if (!DNS_1123_LABEL.test(value) || value.length > maxLength) {
    fail(scope, `${what} "${value}" is not a DNS-1123 label`,
      `use at most ${maxLength} lowercase letters, digits and '-', starting and ending with a letter or digit`);
  }
}

/** Named container ports are IANA_SVC_NAMEs: at most 15 characters and at least one letter. */
export function checkPortName(scope: IConstruct, value: string): void {
  if (!DNS_1123_LABEL.test(value) || value.length > 15 || !/[a-z]/.test(value)) {
    fail(scope, `port name "${value}" is not a valid port name`,
      'use at most 15 lowercase letters, digits and \'-\', with at least one letter (e.g. "http", "metrics")');
  }
}

export function checkPort(scope: IConstruct, what: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    fail(scope, `${what} ${value} is outside 1-65535`, 'use a whole port number between 1 and 65535');
  }
}

export function checkUtilization(scope: IConstruct, what: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > 100) {
    fail(scope, `${what} ${value}% is outside 1-100`, 'give a whole percentage of the request, between 1 and 100');
  }
}

export function checkPositiveInt(scope: IConstruct, what: string, value: number, min = 1): void {
  if (!Number.isInteger(value) || value < min) {
    fail(scope, `${what} ${value} is not a whole number ≥ ${min}`, `use a whole number of at least ${min}`);
  }
}

export function checkUnique(scope: IConstruct, what: string, values: readonly string[]): void {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) {
      fail(scope, `duplicate ${what} "${v}"`, `give every ${what} a distinct value`);
    }
    seen.add(v);
  }
}

/**
 * Orders strings by UTF-16 code units. Unlike localeCompare it does not depend on the
 * machine's ICU data or locale, so rendered order is the same everywhere, and it is fast.
 */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
