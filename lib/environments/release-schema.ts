import { nearest } from '../core/spelling';
import { ENVIRONMENT_NAMES } from './environment';

/**
 * The schema of lib/environments/releases.json, checked by hand (it is small, and the
 * messages can then name the key, its nearest valid spelling and the expected type):
 *
 *   { <environment>: { <system>: { <service>: Release } } }
 *   Release = { image: string }
 *           | { active: "blue" | "green", blue?: string, green?: string,
 *               idle?: "warm" | "scaled-down", canaryWeight?: integer 0-100,
 *               liveFloor?: integer >= 1 }
 *
 * Which systems and services exist is known only once the fleet is built; see
 * `checkReleasesUsed` in releases.ts.
 */

/** One thing wrong with the release file. */
export interface ReleaseProblem {
  /** Keys from the top of the file to the offending key, e.g. ["production", "songnodes", "web", "imgae"]. */
  readonly path: readonly string[];
  readonly problem: string;
  readonly fix: string;
}

const SINGLE_FIELDS = ['image'] as const;
const BLUE_GREEN_FIELDS = ['active', 'blue', 'green', 'idle', 'canaryWeight', 'liveFloor'] as const;
const ALL_FIELDS: readonly string[] = [...SINGLE_FIELDS, ...BLUE_GREEN_FIELDS];

function describe(value: unknown): string {
  if (value === null) { return 'null'; }
  if (Array.isArray(value)) { return 'a list'; }
  if (typeof value === 'string') { return `the string ${JSON.stringify(value)}`; }
  if (typeof value === 'object') { return 'an object'; }
  return `the ${typeof value} ${JSON.stringify(value)}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "rename it to x" when a near spelling exists, else the list of valid keys. */
export function renameFix(key: string, valid: readonly string[], what: string): string {
  const near = nearest(key, valid);
  return near !== undefined ? `rename "${key}" to "${near}"` : `use one of the ${what}: ${valid.join(', ')}`;
}

function fieldProblems(path: string[], release: Record<string, unknown>): ReleaseProblem[] {
  const out: ReleaseProblem[] = [];
  const add = (key: string, problem: string, fix: string) => out.push({ path: [...path, key], problem, fix });
  const blueGreen = 'active' in release;
  const single = 'image' in release;
  if (blueGreen && single) {
    add('image', 'has both "image" (single-color) and "active" (blue/green)',
      'keep { "image": ... } for one color, or { "active", "blue", "green" } for blue/green — not both');
  }
  const own: readonly string[] = blueGreen ? BLUE_GREEN_FIELDS : single ? SINGLE_FIELDS : ALL_FIELDS;
  for (const [key, value] of Object.entries(release)) {
    if (!ALL_FIELDS.includes(key)) {
      add(key, `"${key}" is not a release field`, renameFix(key, own, 'release fields'));
      continue;
    }
    if (!own.includes(key)) {
      add(key, `"${key}" is a ${blueGreen ? 'single-color' : 'blue/green'} field, but this release is ${blueGreen ? 'blue/green (it has "active")' : 'single-color (it has "image")'}`,
        blueGreen ? 'give the colors their images in "blue" and "green"' : 'add "active" and "blue"/"green" images to make it blue/green, or drop the field');
      continue;
    }
    const expect = (ok: boolean, type: string, example: string) => {
      if (!ok) { add(key, `"${key}" is ${describe(value)}; expected ${type}`, `write it as ${example}`); }
    };
    switch (key) {
      case 'image': case 'blue': case 'green':
        expect(typeof value === 'string', 'a string (an image reference)', `"${key}": "ghcr.io/acme/web:1.2.3"`);
        break;
      case 'active':
        expect(value === 'blue' || value === 'green', '"blue" or "green"', '"active": "blue"');
        break;
      case 'idle':
        expect(value === 'warm' || value === 'scaled-down', '"warm" or "scaled-down"', '"idle": "warm"');
        break;
      case 'canaryWeight':
        expect(typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 100,
          'a whole number from 0 to 100 (a percentage, not a string)', `"canaryWeight": ${typeof value === 'string' && /^\d+$/.test(value) ? value : 5}`);
        break;
      case 'liveFloor':
        expect(typeof value === 'number' && Number.isInteger(value) && value >= 1,
          'a whole number of replicas, at least 1', `"liveFloor": ${typeof value === 'string' && /^\d+$/.test(value) ? value : 4}`);
        break;
    }
  }
  if (!blueGreen && !single && out.length === 0) {
    out.push({ path, problem: 'has neither "image" nor "active"', fix: 'give { "image": "<repository>:<tag>" }, or { "active": "blue", "blue": "<image>", "green": "<image>" }' });
  }
  return out;
}

/** Everything wrong with the shape of a release file; empty when it fits the schema. */
export function releaseProblems(data: unknown): ReleaseProblem[] {
  const out: ReleaseProblem[] = [];
  if (!isObject(data)) {
    return [{ path: [], problem: `is ${describe(data)}; expected an object of environments`, fix: 'write { "dev": {...}, "staging": {...}, "production": {...} }' }];
  }
  for (const [env, systems] of Object.entries(data)) {
    if (!(ENVIRONMENT_NAMES as readonly string[]).includes(env)) {
      out.push({ path: [env], problem: `"${env}" is not an environment`, fix: renameFix(env, ENVIRONMENT_NAMES, 'environments') });
      continue;
    }
    if (!isObject(systems)) {
      out.push({ path: [env], problem: `is ${describe(systems)}; expected an object of systems`, fix: `write "${env}": { "<system>": { ... } }` });
      continue;
    }
    for (const [system, services] of Object.entries(systems)) {
      if (!isObject(services)) {
        out.push({ path: [env, system], problem: `is ${describe(services)}; expected an object of services`, fix: `write "${system}": { "<service>": { "image": ... } }` });
        continue;
      }
      for (const [service, release] of Object.entries(services)) {
        if (!isObject(release)) {
          out.push({ path: [env, system, service], problem: `is ${describe(release)}; expected a release object`, fix: `write "${service}": { "image": "<repository>:<tag>" }` });
          continue;
        }
        out.push(...fieldProblems([env, system, service], release));
      }
    }
  }
  return out;
}
