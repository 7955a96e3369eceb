import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Color, otherColor } from '../lib/bluegreen/blue-green';
import { ENVIRONMENT_NAMES } from '../lib/environments/environment';
import { isBlueGreen, ReleaseManifest, RELEASES_FILE } from '../lib/environments/releases';
import { diffTrees } from '../lib/review/manifest-diff';
import { show } from '../lib/review/object-diff';
import { readWorkingTree } from './diff';

/** Thrown for a promotion that must not happen; nothing has been changed. */
class Refusal extends Error {}

/**
 * Decides the new release file for promoting `target` (env/system/service): the live color
 * flips to the idle one. Refuses when the idle color does not exist, has no image, or is
 * scaled down. With `serving` (the replica count the live color runs now), the color going
 * live gets that as its floor (`liveFloor`), so Argo CD warms it to that count before the
 * switch; without it, any earlier floor is dropped.
 */
export function promoted(releases: ReleaseManifest, target: string, serving?: number): { next: ReleaseManifest; from: Color; to: Color; canaryEnded?: number } {
  const parts = target.split('/');
  if (parts.length !== 3) {
    throw new Refusal(`"${target}" is not <env>/<system>/<service>, e.g. production/songnodes/backend-api`);
  }
  const [env, system, service] = parts;
  if (!(ENVIRONMENT_NAMES as readonly string[]).includes(env)) {
    throw new Refusal(`environment "${env}" does not exist; use one of ${ENVIRONMENT_NAMES.join(', ')}`);
  }
  const release = releases[env as keyof ReleaseManifest]?.[system]?.[service];
  if (!release) {
    throw new Refusal(`${target} does not exist in ${RELEASES_FILE}`);
  }
  if (!isBlueGreen(release)) {
    throw new Refusal(`${target} is not blue/green (it runs one image), so there is no color to promote to`);
  }
  const from = release.active;
  const to = otherColor(from);
  if (!release[to]) {
    throw new Refusal(`${target}: the ${to} color has no image; set "${to}": "<image>" in ${RELEASES_FILE}, synth, merge, and let it become ready first`);
  }
  if (release.idle === 'scaled-down') {
    throw new Refusal(`${target}: the ${to} color is scaled down (idle: "scaled-down"); set "idle": "warm", synth, merge, wait until ${to} is ready, then promote`);
  }
  if (serving !== undefined && !(Number.isInteger(serving) && serving >= 1)) {
    throw new Refusal(`--serving ${serving} is not a replica count; give the number of ready ${from} pods serving now, e.g. --serving 6 (kubectl get hpa -n <namespace> ${service}-${from})`);
  }
  const next = JSON.parse(JSON.stringify(releases)) as ReleaseManifest;
  const entry = next[env as keyof ReleaseManifest][system][service] as { active: Color; canaryWeight?: number; liveFloor?: number };
  entry.active = to;
  // A floor belongs to the promote that wrote it: the new live color gets this one, or none.
  delete entry.liveFloor;
  if (serving !== undefined) { entry.liveFloor = serving; }
  // The canary sent a share to the preview Service, which after the flip selects the retired
  // color: the promote ends the canary, so no traffic stays on it.
  const canaryEnded = entry.canaryWeight;
  delete entry.canaryWeight;
  return { next, from, to, ...(canaryEnded ? { canaryEnded } : {}) };
}

/** The target and the `--serving N` count of `npm run promote -- <env>/<system>/<service> [--serving N]`, in either order. */
export function promoteArgs(args: readonly string[]): { target?: string; serving?: number } {
  const rest = [...args];
  const servingAt = rest.indexOf('--serving');
  const serving = servingAt >= 0 ? Number(rest[servingAt + 1]) : undefined;
  if (servingAt >= 0) { rest.splice(servingAt, 2); }
  return { target: rest[0], serving };
}

/** `npm run promote -- <env>/<system>/<service> [--serving N]`: flips the live color, re-renders, prints the change. */
export function run(args: string[]): void {
  const { target, serving } = promoteArgs(args);
  const root = process.cwd();
  const file = path.join(root, RELEASES_FILE);
  const original = fs.readFileSync(file, 'utf8');
  let result;
  try {
    if (!target) { throw new Refusal('usage: npm run promote -- <env>/<system>/<service> [--serving N]'); }
    result = promoted(JSON.parse(original), target, serving);
  } catch (e) {
    if (e instanceof Refusal) {
      console.error(`promote refused: ${e.message}. Nothing was changed.`);
      process.exit(1);
    }
    throw e;
  }
  const before = readWorkingTree(root);
  fs.writeFileSync(file, JSON.stringify(result.next, null, 2) + '\n');
  try {
    execFileSync(process.execPath, [path.join(root, 'scripts', 'run-app.js')], { stdio: 'inherit' });
  } catch {
    fs.writeFileSync(file, original);
    console.error('promote failed: synth did not succeed; the release file was restored and dist/ is unchanged.');
    process.exit(1);
  }
  const after = readWorkingTree(root);
  console.log(`Promoted ${target}: ${result.from} → ${result.to} (${RELEASES_FILE})${result.canaryEnded ? `; its ${result.canaryEnded}% canary ended` : ''}`);
  for (const c of diffTrees(before, after)) {
    for (const f of c.fields) {
      console.log(`  dist/${c.path}: ${f.path} ${show(f.before)} → ${show(f.after)}`);
    }
  }
  console.log(`Review with npm run diff, commit, and let Argo CD sync: ${serving ? `it scales ${result.to} to at least ${serving} pods, ` : ''}it tests ${result.to} (the gate), then switches to it, then keeps ${result.from} warm.`);
  console.log(`Roll back by running the same command again, or by reverting the commit.`);
}
