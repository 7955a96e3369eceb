import { IConstruct } from 'constructs';
import { fail } from './errors';

// Name grammars live in names.ts; re-exported here for the constructs that import them from checks.
export { checkDnsLabel } from './names';

/**
 * An HPA utilization target: a whole percentage of the request, above 0. Above 100 is
 * valid (pods may use more than they request, up to their limit), so it is accepted.
 */
export function checkUtilization(scope: IConstruct, what: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > 2 ** 31 - 1) {
    fail(scope, `${what} ${value}% is not a whole percentage above 0`,
      'give a whole percentage of the request, at least 1 (above 100 is fine when the limit is above the request)');
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
