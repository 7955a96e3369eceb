import { IConstruct } from 'constructs';
import { fail } from '../core/errors';

const DURATION = /^(\d+)(ms|s|m|h)$/;
const UNIT: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/** Parses a Prometheus duration such as "30s" or "5m" into seconds. */
export function parseDuration(scope: IConstruct, what: string, value: string): number {
  const m = DURATION.exec(value);
  if (!m || Number(m[1]) === 0) {
    fail(scope, `${what} "${value}" is not a Prometheus duration`, 'write a positive number and one unit, e.g. "15s", "5m" or "1h"');
  }
  return Number(m[1]) * UNIT[m[2]];
}
