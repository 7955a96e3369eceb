import { IConstruct } from 'constructs';
import { fail } from './errors';
import { goDurationSeconds } from './go-duration';

/**
 * CronJob schedules, as the API server and the CronJob controller read them: robfig/cron v3's
 * standard parser (five fields, or a descriptor such as @daily). Anything it refuses, the API
 * server refuses too; what it accepts is accepted here.
 */

interface FieldBounds {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: Readonly<Record<string, number>>;
}

const MONTHS = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const WEEKDAYS = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

const FIELDS: readonly FieldBounds[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 6, names: WEEKDAYS },
];

/** The descriptors robfig/cron's standard parser knows; `@every <duration>` is handled apart. */
export const CRON_DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'] as const;

/** Returns why `field` is not a valid cron field, or undefined when it is. */
function fieldProblem(field: string, b: FieldBounds): string | undefined {
  const number = (s: string): number | undefined => {
    const named = b.names?.[s.toLowerCase()];
    if (named !== undefined) { return named; }
    return /^\+?[0-9]+$/.test(s) ? Number(s) : undefined;
  };
  for (const part of field.split(',')) {
    const [range, step, ...extraSlash] = part.split('/');
    if (extraSlash.length) { return `"${part}" has more than one "/"`; }
    let start: number | undefined;
    let end: number | undefined;
    if (range === '*' || range === '?') {
      start = b.min; end = b.max;
    } else {
      const bounds = range.split('-');
      if (bounds.length > 2) { return `"${part}" has more than one "-"`; }
      start = number(bounds[0]);
      end = bounds.length === 2 ? number(bounds[1]) : start;
      if (start === undefined || end === undefined) {
        return `"${part}" is not a number${b.names ? ' or a name' : ''}`;
      }
      // "5/15" means every 15th from 5 to the end of the range.
      if (step !== undefined && bounds.length === 1) { end = b.max; }
    }
    if (step !== undefined) {
      if (!/^\+?[0-9]+$/.test(step)) { return `step "${step}" is not a whole number`; }
      if (Number(step) === 0) { return `step "/${step}" is zero`; }
    }
    if (start < b.min) { return `${start} is below ${b.min}`; }
    if (end > b.max) { return `${end} is above ${b.max}`; }
    if (start > end) { return `range "${range}" starts after it ends`; }
  }
  return undefined;
}

/**
 * What both schedule forms refuse alike: an empty schedule, a time zone inside it, an unknown
 * descriptor. True when the schedule is a valid descriptor (`@daily`, `@every 6h`).
 */
function isDescriptor(scope: IConstruct, what: string, schedule: string, fix: string, zoneFix: string): boolean {
  if (typeof schedule !== 'string' || schedule.trim() === '') {
    fail(scope, `${what} "${schedule}" is empty`, fix);
  }
  if (/(^|\s)(CRON_)?TZ=/.test(schedule)) {
    fail(scope, `${what} "${schedule}" names a time zone`, zoneFix);
  }
  if (!schedule.startsWith('@')) { return false; }
  if ((CRON_DESCRIPTORS as readonly string[]).includes(schedule)) { return true; }
  const every = /^@every (.+)$/.exec(schedule);
  if (every) {
    // robfig/cron refuses what time.ParseDuration refuses, and runs anything under a second
    // (zero and negative included) every second.
    const seconds = goDurationSeconds(every[1]);
    if (seconds !== undefined && seconds >= 1) { return true; }
    if (seconds !== undefined) {
      return fail(scope, `${what} "${schedule}" is shorter than a second, which robfig/cron runs every second`, 'give an interval of a second or more, e.g. "@every 30s"');
    }
  }
  return fail(scope, `${what} "${schedule}" is not a known descriptor`,
    `use one of ${CRON_DESCRIPTORS.join(', ')} or "@every <duration>" such as "@every 6h"`);
}

/**
 * Refuses a schedule the CronJob API would refuse: not five fields or a descriptor, a value
 * outside its field (`61 * * * *`), a zero step (`*\/0`), a reversed range, or a time zone
 * inside the schedule (our CronJobs set `timeZone`, and the API refuses both together).
 */
export function checkCronSchedule(scope: IConstruct, what: string, schedule: string): void {
  const fix = 'write minute hour day-of-month month day-of-week, e.g. "0 2 * * *" (ranges 1-5, lists 1,15, steps */10, names MON-FRI and JAN) or a descriptor such as "@daily"';
  if (isDescriptor(scope, what, schedule, fix, 'remove TZ=/CRON_TZ= from the schedule: CronJobs here run in Etc/UTC (spec.timeZone)')) { return; }
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5) {
    fail(scope, `${what} "${schedule}" is not a five-field cron expression (it has ${fields.length} field${fields.length === 1 ? '' : 's'})`, fix);
  }
  checkFields(scope, what, schedule, fields, FIELDS, fix);
}

const SECONDS_FIELD: FieldBounds = { name: 'second', min: 0, max: 59 };

/**
 * Schedules with a seconds field, as CloudNativePG's ScheduledBackup reads them (robfig/cron
 * v1's `cron.Parse`): six fields, seconds first, or a descriptor. Its parser also takes five
 * fields, but then reads the first as seconds: "0 2 * * *" runs at minute 2 of every hour,
 * not at 02:00. So five fields are refused here, with the six-field schedule they were most
 * likely meant as.
 */
export function checkCronScheduleWithSeconds(scope: IConstruct, what: string, schedule: string): void {
  const fix = 'write second minute hour day-of-month month day-of-week, e.g. "0 0 2 * * *" for 02:00 daily or "0 0 * * * *" hourly, or a descriptor such as "@daily"';
  if (isDescriptor(scope, what, schedule, fix, 'remove TZ=/CRON_TZ=: the operator runs schedules in its own time zone (UTC)')) { return; }
  const fields = schedule.trim().split(/\s+/);
  if (fields.length === 5) {
    fail(scope, `${what} "${schedule}" has five fields, but this schedule has a seconds field first, so it would run at second ${fields[0]}, minute ${fields[1]}, hour ${fields[2]}`,
      `prepend the seconds: "0 ${fields.join(' ')}"`);
  }
  if (fields.length !== 6) {
    fail(scope, `${what} "${schedule}" is not a six-field cron expression (it has ${fields.length} field${fields.length === 1 ? '' : 's'})`, fix);
  }
  checkFields(scope, what, schedule, fields, [SECONDS_FIELD, ...FIELDS], fix);
}

/** Refuses the first field outside its bounds (`fields[i]` against `bounds[i]`). */
function checkFields(scope: IConstruct, what: string, schedule: string, fields: readonly string[], bounds: readonly FieldBounds[], fix: string): void {
  fields.forEach((field, i) => {
    const b = bounds[i];
    const problem = fieldProblem(field, b);
    if (problem) {
      fail(scope, `${what} "${schedule}" is not a valid cron expression: ${b.name} field "${field}": ${problem}`,
        `keep the ${b.name} within ${b.min}-${b.max}${b.names ? ` (or names such as ${Object.keys(b.names).slice(0, 2).map(n => n.toUpperCase()).join(', ')})` : ''}, steps above 0; ${fix}`);
    }
  });
}
