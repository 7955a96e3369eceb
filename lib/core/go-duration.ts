/**
 * Go's duration grammar (time.ParseDuration), which the operators written in Go read their
 * intervals with: External Secrets' `refreshInterval`, Argo CD's retry backoff, robfig/cron's
 * `@every`. A signed sequence of decimal numbers, each with a unit ("1h30m", "1.5h", ".5s",
 * "300ms"), or "0" alone. Not Prometheus's grammar (lib/monitoring/duration.ts), which has
 * days and weeks but no fractions.
 */
const GO_DURATION = /^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const COMPONENT = /(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/g;
/** Each unit in nanoseconds. */
const UNIT_NANOSECONDS: Readonly<Record<string, bigint>> = {
  'ns': 1n, 'us': 1_000n, 'µs': 1_000n, 'μs': 1_000n, 'ms': 1_000_000n, 's': 1_000_000_000n, 'm': 60_000_000_000n, 'h': 3_600_000_000_000n,
};
/** A Duration is an int64 of nanoseconds. */
const MAX_NANOSECONDS = (1n << 63n) - 1n;

/**
 * Seconds in a Go duration string (negative for "-1h"), or undefined when Go would refuse it:
 * not the grammar, or beyond an int64 of nanoseconds (about 2,562,047 hours). As Go does, a
 * component's fraction is cut to whole nanoseconds ("0.1ns" is zero).
 */
export function goDurationSeconds(value: string): number | undefined {
  if (typeof value !== 'string') { return undefined; }
  if (/^[-+]?0$/.test(value)) { return 0; }
  if (!GO_DURATION.test(value)) { return undefined; }
  let nanoseconds = 0n;
  for (const [, whole, fraction = '', unit] of value.matchAll(COMPONENT)) {
    const scale = UNIT_NANOSECONDS[unit];
    nanoseconds += BigInt(whole || '0') * scale + (BigInt(fraction || '0') * scale) / 10n ** BigInt(fraction.length);
    if (nanoseconds > MAX_NANOSECONDS) { return undefined; }
  }
  const seconds = Number(nanoseconds) / 1e9;
  return value.startsWith('-') ? -seconds : seconds;
}
