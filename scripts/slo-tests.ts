// `npm run slo-tests`: writes test/alerts/<system>.slo.test.yaml, the promtool unit tests of
// every SLO's burn-rate alerts, from the fleet's SLOs (lib/observability/slo-tests.ts).
// Run it after changing an SLO; `npm test` fails while a file is not current.
import * as fs from 'fs';
import * as path from 'path';
import { buildFleet } from '../lib/fleet';
import { sloTestFiles } from '../lib/observability/slo-tests';
import { toYaml } from '../lib/render/manifest-writer';

export function run(): void {
  const dir = path.join(process.cwd(), 'test', 'alerts');
  const files = sloTestFiles(buildFleet(), toYaml);
  for (const old of fs.readdirSync(dir).filter(f => f.endsWith('.slo.test.yaml') && !(f in files))) {
    fs.rmSync(path.join(dir, old));
  }
  for (const [name, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), content);
  }
  console.log(`slo-tests: wrote ${Object.keys(files).sort().join(', ')} to test/alerts/`);
}
