import { App } from 'cdk8s';
import { SystemChart } from '../lib/chart';
import { Environment } from '../lib/environments/environment';
import { checkReleasesUsed, collectMissingReleases, releaseOf, ReleaseManifest } from '../lib/environments/releases';
import { ENVIRONMENTS } from '../lib/environments/settings';
import { Microservice } from '../lib/workload/microservice';
import { testChart, webProps } from './util';

/** Messages that lead to the fix: the releases.json line to add, every missing one at once, both places of a duplicate. */
describe('messages that lead to the fix', () => {
  const releases: ReleaseManifest = {
    dev: { shop: { web: { image: 'ghcr.io/acme/web:1.0.0' } } },
    staging: { shop: { web: { active: 'blue', blue: 'ghcr.io/acme/web:1.0.0' } } },
    production: { shop: {} },
  };

  test('a blue/green release with one color names the missing color and the line to add', () => {
    expect(() => releaseOf(testChart('staging'), 'shop', 'web', { userFacing: true }, releases)).toThrow(
      'staging-shop: lib/environments/releases.json at "staging" → "shop" → "web": the green color has no image, so web-preview would select no pods '
      + 'and promote would have nothing to flip to. Fix: add "green": "<repository>:<tag>" there (the live image, "ghcr.io/acme/web:1.0.0", to start with)');
  });

  test('every missing release is reported at once, for every environment, in the shape the service needs', () => {
    const app = new App({ outdir: '/dev/null' });
    collectMissingReleases(app);
    for (const name of ['dev', 'production'] as const) {
      const chart = new SystemChart(app, { environment: new Environment(ENVIRONMENTS[name]), system: 'shop' });
      releaseOf(chart, 'shop', 'api', { userFacing: true }, releases);
      releaseOf(chart, 'shop', 'admin', { userFacing: false }, releases);
    }
    expect(() => checkReleasesUsed(app, releases)).toThrow([
      'dev-shop: 4 releases are missing from lib/environments/releases.json: dev/shop/api, dev/shop/admin, production/shop/api, production/shop/admin. Fix: add them:',
      '  under "dev" → "shop": "api": { "image": "<repository>:<tag>" }   (for dev-shop)',
      '  under "dev" → "shop": "admin": { "image": "<repository>:<tag>" }   (for dev-shop)',
      '  under "production" → "shop": "api": { "active": "blue", "blue": "<repository>:<tag>", "green": "<repository>:<tag>" }   (for production-shop)',
      '  under "production" → "shop": "admin": { "image": "<repository>:<tag>" }   (for production-shop)',
    ].join('\n'));
  });

  test('outside a fleet build a missing release fails at once, with the shape to add', () => {
    expect(() => releaseOf(testChart('production'), 'shop', 'api', { userFacing: true }, releases)).toThrow(
      /no release for production\/shop\/api .*Fix: add "api": \{ "active": "blue", "blue": "<repository>:<tag>", "green": "<repository>:<tag>" \} under "production" → "shop"/);
  });

  test('a duplicate service name names both definitions', () => {
    const chart = testChart();
    new Microservice(chart, 'web', webProps());
    expect(() => new Microservice(chart, 'web', webProps())).toThrow(
      /^production-shop: two services are named "web" \(first at test\/release-messages\.test\.ts:\d+:\d+, again at test\/release-messages\.test\.ts:\d+:\d+\)\. Fix: rename one of them/);
  });
});
