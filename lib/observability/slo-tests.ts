import { IConstruct } from 'constructs';
import { SystemChart } from '../chart';
import { manifestFileName } from '../render/manifest-path';
import { durationSeconds } from '../monitoring/duration';
import {
  BURN_ALERT, BURN_RATE_ALERTS, BurnRateAlert, bucketBound, RenderedObjective, ServiceLevelObjectives, SLI_ABSENT_ALERT, SLI_ABSENT_FOR, SLI_WINDOWS, statusValue,
} from './service-level';

/**
 * promtool unit tests for the burn-rate alerts, written from the SRE workbook's arithmetic
 * and each SLO's declared objective and series — never from the rendered expressions, which
 * is what promtool then judges. For every window pair (1h/5m, 6h/30m, 1d/2h, 3d/6h) three
 * shapes of traffic, fed to every SLO of the system at once:
 *
 * - fires: a clean history, then errors at 1.05× the pair's burn factor for one long window;
 * - below: the same at 0.95×: the pair stays silent;
 * - recovered: 1.6× the factor (at most 99 % errors) for one long window, then a clean short window (plus 5 minutes):
 *   the long window still burns, the short one does not, so the pair stays silent.
 *
 * Every shape also carries a decoy that must not count: with blue/green, a per-color
 * Service's job (or the preview host's Ingress) failing every request; and each service's
 * traffic is split over two pods, so a per-pod ratio or a doubled count would show. Nothing
 * here depends on a canary, so a canary step leaves the file as it is.
 *
 * The expected alerts at the evaluation time are computed from the series (the error ratio of
 * every recorded window), so a pair that the arithmetic says must fire too (a 1-day burn at 3×
 * is a 3-day burn above 1×) is expected too. A ratio within 1 % of a threshold is refused:
 * the test would depend on floating-point noise.
 */

/**
 * One sample every 2.5 minutes: a 5-minute window still holds two samples with its left end
 * open (Prometheus 3) and three closed (Prometheus 2), and a 3-day window 1,728 instead of
 * 4,320 — promtool evaluates every rule at every step, so this is what keeps the tests fast.
 */
const STEP_SECONDS = 150;
/** Rules are evaluated every 10 minutes; every evaluation time below is a multiple of it. */
const EVALUATION_MINUTES = 10;
/**
 * Requests per step of each SLO's traffic, large enough that every count is a whole number:
 * promtool adds increments in floating point, and a run that ends at 51382.40000000001 next
 * to one that starts at 51382.4 is a counter reset.
 */
const RATE = 2_000_000;
/** Counters start here: a counter from 0 is extrapolated differently at the window's start. */
const BASE = 2_000_000;

type Shape = 'fires' | 'below' | 'recovered';

/** Minutes of clean history before the burst, per pair: long enough that longer pairs stay below where they can. */
const HISTORY_MINUTES: Readonly<Record<string, number>> = { '1h': 24 * 60, '6h': 36 * 60, '1d': 48 * 60, '3d': 0 };

function steps(d: string | number): number {
  const seconds = typeof d === 'number' ? d * 60 : durationSeconds(d)!;
  return seconds / STEP_SECONDS;
}

/** Errors per step at each step 1..T (step 0 is the first sample), and T in steps; the errors split into `parts` equal whole shares. */
function errorProfile(shape: Shape, pair: BurnRateAlert, budget: number, parts: number): { perStep: number[]; evalStep: number } {
  const history = steps(HISTORY_MINUTES[pair.long]);
  const burst = steps(pair.long);
  // A recovered burst may not fail more than 99 % of requests (a latency budget of 5 % at 1.6 × 14.4 would be 115 %).
  const factor = shape === 'fires' ? 1.05 * pair.factor : shape === 'below' ? 0.95 * pair.factor : Math.min(1.6 * pair.factor, 0.99 / budget);
  // The short window and 5 minutes, rounded up to the evaluation interval.
  const recoveryMinutes = shape === 'recovered'
    ? Math.ceil((durationSeconds(pair.short)! / 60 + 5) / EVALUATION_MINUTES) * EVALUATION_MINUTES : 0;
  const errors = Math.round(factor * budget * RATE);
  if (Math.abs(errors - factor * budget * RATE) > 1e-6 || errors % parts !== 0 || RATE % parts !== 0) {
    throw new Error(`${factor} × budget ${budget} × ${RATE} requests is not a whole number of errors divisible by ${parts}; change RATE`);
  }
  const perStep = [
    ...Array<number>(history).fill(0),
    ...Array<number>(burst).fill(errors),
    ...Array<number>(steps(recoveryMinutes)).fill(0),
  ];
  return { perStep, evalStep: perStep.length };
}

/** Cumulative counter values at steps 0..T, starting at BASE, adding `inc(step)` each step. */
function counter(length: number, inc: (step: number) => number): number[] {
  const out = [BASE];
  for (let i = 1; i <= length; i++) { out.push(out[i - 1] + inc(i)); }
  return out;
}

/**
 * promtool's expanding notation for a counter: runs of equal increments as `a+bxn`. Values
 * are written with up to 10 significant digits, which is exact for the increments used.
 */
export function seriesValues(values: readonly number[]): string {
  const fmt = (n: number) => String(Number(n.toPrecision(12)));
  const parts: string[] = [];
  let i = 0;
  while (i < values.length) {
    const step = i + 1 < values.length ? Number((values[i + 1] - values[i]).toPrecision(10)) : 0;
    let j = i + 1;
    while (j + 1 < values.length && Number((values[j + 1] - values[j]).toPrecision(10)) === step) { j++; }
    if (j >= values.length) { j = values.length - 1; }
    // A constant run is `axn`: `a+0xn` reads as the hexadecimal number 0x… to promtool.
    parts.push(j === i ? fmt(values[i]) : step === 0 ? `${fmt(values[i])}x${j - i}` : `${fmt(values[i])}+${fmt(step)}x${j - i}`);
    i = j + 1;
  }
  return parts.join(' ');
}

/**
 * The error ratio over `window` (in steps) ending at step T, as Prometheus computes it from these
 * counters: both ends inclusive (Prometheus 2) or the left end open (Prometheus 3); the
 * window is cut at the first sample. Extrapolation scales errors and requests alike.
 */
function windowRatio(errors: number[], total: number[], t: number, window: number, leftOpen: boolean): number {
  const start = Math.max(0, t - window + (leftOpen ? 1 : 0));
  return (errors[t] - errors[start]) / (total[t] - total[start]);
}

function labelText(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(', ');
}

/** An SLO's rules as its PrometheusRule renders them, rendered once per SLO. */
const RENDERED_RULES = new WeakMap<ServiceLevelObjectives, any[]>();
function renderedRules(slo: ServiceLevelObjectives): any[] {
  let rules = RENDERED_RULES.get(slo);
  if (!rules) {
    rules = slo.rule.toJson().spec.groups.flatMap((g: any) => g.rules) as any[];
    RENDERED_RULES.set(slo, rules);
  }
  return rules;
}

interface Feed {
  readonly slo: ServiceLevelObjectives;
  readonly objective: RenderedObjective;
}

/** The promtool test file for a system's SLOs (production rules), as an object to write as YAML. */
export function sloTestSuite(slos: readonly ServiceLevelObjectives[], system: string, environment: string): Record<string, unknown> {
  const feeds: Feed[] = slos.flatMap(slo => slo.objectives.map(objective => ({ slo, objective })));
  const tests: unknown[] = [];
  for (const pair of BURN_RATE_ALERTS) {
    for (const shape of ['fires', 'below', 'recovered'] as const) {
      const inputSeries: { series: string; values: string }[] = [];
      const expected: unknown[] = [];
      let evalStep = 0;
      for (const { slo, objective } of feeds) {
        // Two pods (or proxies) at each place the SLI is measured, each with an equal share of
        // the traffic and of the errors.
        const places = slo.indicators;
        const parts = 2 * places.length;
        const profile = errorProfile(shape, pair, objective.budget, parts);
        evalStep = profile.evalStep;
        const length = profile.perStep.length;
        const errorsAt = (i: number) => profile.perStep[i - 1];
        const errors = counter(length, errorsAt);
        const total = counter(length, () => RATE);
        const share = (values: number[]) => values.map(v => v / parts);
        const good = errors.map((e, i) => BASE + total[i] - e); // requests that did not fail, from BASE too
        const pods = ['a', 'b'];
        for (const ind of places) {
          if (objective.slo === 'availability') {
            for (const pod of pods) {
              inputSeries.push({ series: `${ind.requests}{${labelText({ ...ind.labels, pod, [ind.status.label]: statusValue(ind, 200) })}}`, values: seriesValues(share(good)) });
              inputSeries.push({ series: `${ind.requests}{${labelText({ ...ind.labels, pod, [ind.status.label]: statusValue(ind, 500) })}}`, values: seriesValues(share(errors)) });
            }
            if (ind.decoy) {
              inputSeries.push({ series: `${ind.requests}{${labelText({ ...ind.decoy, pod: 'decoy', [ind.status.label]: statusValue(ind, 503) })}}`, values: seriesValues(total) });
            }
          } else {
            const le = String(bucketBound(ind, objective.thresholdSeconds!));
            for (const pod of pods) {
              inputSeries.push({ series: `${ind.duration}_bucket{${labelText({ ...ind.labels, pod, le })}}`, values: seriesValues(share(good)) });
              inputSeries.push({ series: `${ind.duration}_count{${labelText({ ...ind.labels, pod })}}`, values: seriesValues(share(total)) });
            }
            if (ind.decoy) {
              inputSeries.push({ series: `${ind.duration}_bucket{${labelText({ ...ind.decoy, pod: 'decoy', le })}}`, values: seriesValues(total.map(() => BASE)) });
              inputSeries.push({ series: `${ind.duration}_count{${labelText({ ...ind.decoy, pod: 'decoy' })}}`, values: seriesValues(total) });
            }
          }
        }
        // What must fire at the evaluation time, by the arithmetic, under both range semantics.
        const ratios = (leftOpen: boolean) => Object.fromEntries(SLI_WINDOWS.map(w => [w, windowRatio(errors, total, evalStep, steps(w), leftOpen)]));
        const closed = ratios(false);
        const open = ratios(true);
        for (const a of BURN_RATE_ALERTS) {
          const threshold = a.factor * objective.budget;
          const verdicts = [closed, open].map(r => [r[a.long], r[a.short]].every(x => x > threshold));
          for (const r of [closed, open]) {
            for (const w of [a.long, a.short]) {
              if (r[w] !== 0 && Math.abs(r[w] - threshold) / threshold < 0.01) {
                throw new Error(`${slo.service} ${objective.slo} ${shape} ${pair.long}: the ${w} ratio ${r[w]} is within 1 % of ${threshold}; choose other test shapes`);
              }
            }
          }
          if (verdicts[0] !== verdicts[1]) {
            throw new Error(`${slo.service} ${objective.slo} ${shape} ${pair.long}: Prometheus 2 and 3 would disagree on ${a.long}/${a.short}`);
          }
          if (verdicts[0]) {
            const description = renderedRules(slo).find((r: any) => r.alert && r.labels.long_window === a.long && r.expr.includes(`slo="${objective.slo}"`))
              .annotations.description;
            expected.push({
              exp_labels: {
                namespace: slo.rule.metadata.namespace!, service: slo.service, slo: objective.slo, severity: a.severity,
                long_window: a.long, short_window: a.short, system, environment,
              },
              exp_annotations: { summary: `${slo.service} burns its ${objective.slo} error budget ${a.factor}× too fast (${a.action})`, description },
            });
          }
        }
      }
      const verb = shape === 'fires' ? 'fires' : 'stays silent';
      const how = shape === 'fires' ? `errors at 1.05 × ${pair.factor}× the budget rate for ${pair.long}`
        : shape === 'below' ? `errors at 0.95 × ${pair.factor}× the budget rate for ${pair.long}`
          : `errors at 1.6 × ${pair.factor}× for ${pair.long}, then clean for ${pair.short} and 5 minutes or more`;
      tests.push({
        name: `${pair.long}/${pair.short} ${pair.action} ${verb}: ${how}, after ${HISTORY_MINUTES[pair.long] / 60} h clean`,
        interval: `${STEP_SECONDS}s`,
        input_series: inputSeries,
        alert_rule_test: [{ eval_time: `${evalStep * STEP_SECONDS / 60}m`, alertname: BURN_ALERT, exp_alerts: expected }],
      });
    }
  }
  tests.push(...absenceTests(slos));
  return {
    rule_files: [...new Set(slos.map(s => manifestFileName({ kind: s.rule.kind, metadata: { name: s.rule.metadata.name! } })))].sort(),
    evaluation_interval: `${EVALUATION_MINUTES}m`,
    tests,
  };
}

/**
 * {@link SLI_ABSENT_ALERT} of every part of an SLI with presence series (the Gateway's route
 * rules): silent at the first evaluation and firing after its `for`, for every part, when
 * the series are gone; when one part's series are gone, firing for that part only; silent
 * while every part's series exist, though no request was made.
 */
function absenceTests(slos: readonly ServiceLevelObjectives[]): unknown[] {
  const watched = slos.flatMap(slo => slo.indicators.flatMap(i => (i.presence ?? []).map(p => ({ slo, p }))));
  if (watched.length === 0) { return []; }
  const firing = EVALUATION_MINUTES;
  if (durationSeconds(SLI_ABSENT_FOR)! > firing * 60) {
    throw new Error(`${SLI_ABSENT_ALERT}'s for (${SLI_ABSENT_FOR}) is longer than the tests' evaluation interval; evaluate later`);
  }
  const expectedFor = ({ slo, p }: typeof watched[number]) => {
    const rule = renderedRules(slo).find((r: any) => r.alert === SLI_ABSENT_ALERT && r.expr === `absent(${p.series})`);
    // absent() keeps the selector's equality matchers as labels; the rule's labels win.
    const kept = Object.fromEntries([...p.series.matchAll(/(\w+)="([^"]*)"/g)].map(m => [m[1], m[2]]));
    return { exp_labels: { ...kept, ...rule.labels }, exp_annotations: rule.annotations };
  };
  const present = (parts: typeof watched) => parts.map(({ p }) => ({ series: `${p.metric}{${labelText({ ...p.sample, pod: 'a' })}}`, values: `1x${steps(firing) + 1}` }));
  const tests: unknown[] = [
    {
      name: `${SLI_ABSENT_ALERT} fires for every route rule when the Gateway's series are gone for ${SLI_ABSENT_FOR}, not before`,
      interval: `${STEP_SECONDS}s`,
      input_series: [],
      alert_rule_test: [
        { eval_time: '0m', alertname: SLI_ABSENT_ALERT, exp_alerts: [] },
        { eval_time: `${firing}m`, alertname: SLI_ABSENT_ALERT, exp_alerts: watched.map(expectedFor) },
      ],
    },
    {
      name: `${SLI_ABSENT_ALERT} stays silent while every route rule's series exist, with no request yet`,
      interval: `${STEP_SECONDS}s`,
      input_series: present(watched),
      alert_rule_test: [{ eval_time: `${firing}m`, alertname: SLI_ABSENT_ALERT, exp_alerts: [] }],
    },
  ];
  // One part gone among others present: the alert names that part, not the service as a whole.
  if (watched.length > 1) {
    tests.push({
      name: `${SLI_ABSENT_ALERT} fires for ${watched[0].p.part} alone when only its series are gone`,
      interval: `${STEP_SECONDS}s`,
      input_series: present(watched.slice(1)),
      alert_rule_test: [{ eval_time: `${firing}m`, alertname: SLI_ABSENT_ALERT, exp_alerts: [expectedFor(watched[0])] }],
    });
  }
  return tests;
}

/** The environment whose rules the promtool tests run against (scripts/verify/promtool.js). */
const SLO_TEST_ENVIRONMENT = 'production';

/**
 * Every system's SLO test file, `<system>.slo.test.yaml` → its YAML, from a built fleet
 * (`npm run slo-tests` writes them to test/alerts/; a jest test checks they are current).
 */
export function sloTestFiles(app: IConstruct, toYaml: (o: unknown) => string): Record<string, string> {
  const charts = app.node.children.filter((c): c is SystemChart => c instanceof SystemChart && c.environment.name === SLO_TEST_ENVIRONMENT);
  const out: Record<string, string> = {};
  for (const chart of charts) {
    const slos = chart.node.findAll().filter((c): c is ServiceLevelObjectives => c instanceof ServiceLevelObjectives);
    if (slos.length === 0) { continue; }
    out[`${chart.system}.slo.test.yaml`] = [
      `# promtool unit tests for the SLO burn-rate alerts of dist/${SLO_TEST_ENVIRONMENT}/${chart.system}/prometheusrule-*-slo.yaml.`,
      '# Generated by `npm run slo-tests` (lib/observability/slo-tests.ts) from the SRE workbook\'s burn rates and',
      '# each SLO\'s objective; run by scripts/verify/promtool.js. Do not edit.',
      toYaml(sloTestSuite(slos, chart.system, SLO_TEST_ENVIRONMENT)),
    ].join('\n');
  }
  return out;
}
