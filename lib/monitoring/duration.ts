import { IConstruct } from 'constructs';
import { fail } from '../core/errors';

/**
 * Prometheus's duration grammar (common/model ParseDuration): units largest first, each at
 * most once, e.g. "90s", "1h30m", "2w", "1y". The prometheus-operator CRDs validate `for`,
 * `interval` and scrape settings with the same pattern.
 */
const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_SECONDS = [365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001];
/** Go's time.Duration is an int64 of nanoseconds; Prometheus refuses anything longer. */
const MAX_SECONDS = 9223372036;

/** What {@link parseDuration} accepts besides positive durations. */
export interface DurationOptions {
  /**
   * Accept zero ("0", "0s"): valid for an alert's `for` (fire on the first evaluation), not
   * for intervals.
   * @default false
   */
  readonly allowZero?: boolean;
}

/**
 * Parses a Prometheus duration ("30s", "5m", "1h30m", "0s" where allowed) into seconds, or
 * fails with `<path>: <what> "<value>" ... Fix: ...`.
 */
export function parseDuration(scope: IConstruct, what: string, value: string, options: DurationOptions = {}): number {
  const seconds = durationSeconds(value);
  if (seconds === undefined) {
    fail(scope, `${what} "${value}" is not a Prometheus duration`,
      'write whole numbers with units from largest to smallest (y, w, d, h, m, s, ms), e.g. "15s", "5m" or "1h30m"');
  }
  if (seconds > MAX_SECONDS) {
    fail(scope, `${what} "${value}" is longer than Prometheus can represent (about 292 years)`, 'use a shorter duration');
  }
  if (seconds === 0 && !options.allowZero) {
    fail(scope, `${what} "${value}" is zero`, 'give a positive duration, e.g. "30s"');
  }
  return seconds;
}

/** Seconds in a Prometheus duration, or undefined when it is not one. "0" alone is zero, as in Prometheus. */
export function durationSeconds(value: string): number | undefined {
  if (value === '0') { return 0; }
  const m = DURATION.exec(value);
  if (!m || value === '') { return undefined; }
  return m.slice(1).reduce((sum, n, i) => sum + (n === undefined ? 0 : Number(n) * UNIT_SECONDS[i]), 0);
}
