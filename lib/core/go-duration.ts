/**
 * Go's duration grammar (time.ParseDuration), which the operators written in Go read their
 * intervals with: External Secrets' `refreshInterval`, Argo CD's retry backoff, robfig/cron's
 * `@every`. A signed sequence of decimal numbers, each with a unit ("1h30m", "1.5h", ".5s",
 * "300ms"), or "0" alone. Not Prometheus's grammar (lib/monitoring/duration.ts), which has
 * days and weeks but no fractions.
 */
const GO_DURATION = /^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const COMPONENT = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;
/** Each unit in seconds. */
const UNIT_SECONDS: Readonly<Record<string, number>> = { 'ns': 1e-9, 'us': 1e-6, 'µs': 1e-6, 'μs': 1e-6, 'ms': 1e-3, 's': 1, 'm': 60, 'h': 3600 };

/** Seconds in a Go duration string (negative for "-1h"), or undefined when Go would refuse it. */
export function goDurationSeconds(value: string): number | undefined {
  if (typeof value !== 'string') { return undefined; }
  if (/^[-+]?0$/.test(value)) { return 0; }
  if (!GO_DURATION.test(value)) { return undefined; }
  let seconds = 0;
  for (const m of value.matchAll(COMPONENT)) { seconds += Number(m[1]) * UNIT_SECONDS[m[2]]; }
  return value.startsWith('-') ? -seconds : seconds;
}
