import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
const { currentSynth, recordSynth, forgetSynth } = require('../scripts/synth-state');

// A synth with nothing changed reports the last result instead of rendering; anything that
// changed — an input of the bundle, any file of dist/, a failed synth in between — renders again.
describe('synth with nothing changed', () => {
  let tmp: string;
  let where: { state: string; dist: string; inputs: () => string | undefined };
  let inputs: string | undefined;
  const summary = { objects: 2, files: 2, environments: 1, exemptions: [] };
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-state-'));
    fs.mkdirSync(path.join(tmp, 'dist', 'prod', 'shop'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'dist', 'prod', 'shop', 'a.yaml'), 'a: 1\n');
    fs.writeFileSync(path.join(tmp, 'dist', 'prod', 'shop', 'b.yaml'), 'b: 1\n');
    inputs = 'inputs-1';
    where = { state: path.join(tmp, '.build', 'synth-state.json'), dist: path.join(tmp, 'dist'), inputs: () => inputs };
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('is current right after a successful synth', () => {
    expect(currentSynth(where)).toBeUndefined(); // never synthesized
    recordSynth(summary, where);
    expect(currentSynth(where)?.summary).toEqual(summary);
  });

  test('is not current when an input of the bundle changed, or the bundle is stale', () => {
    recordSynth(summary, where);
    inputs = 'inputs-2';
    expect(currentSynth(where)).toBeUndefined();
    inputs = undefined;
    expect(currentSynth(where)).toBeUndefined();
  });

  test('is not current when any file of dist/ changed, appeared or went', () => {
    recordSynth(summary, where);
    fs.writeFileSync(path.join(tmp, 'dist', 'prod', 'shop', 'a.yaml'), 'a: 2\n');
    expect(currentSynth(where)).toBeUndefined();
    recordSynth(summary, where);
    fs.writeFileSync(path.join(tmp, 'dist', 'prod', 'shop', 'c.yaml'), 'c: 1\n');
    expect(currentSynth(where)).toBeUndefined();
    recordSynth(summary, where);
    fs.rmSync(path.join(tmp, 'dist', 'prod', 'shop', 'b.yaml'));
    expect(currentSynth(where)).toBeUndefined();
  });

  test('is not current after a synth started and did not finish', () => {
    recordSynth(summary, where);
    forgetSynth(where);
    expect(currentSynth(where)).toBeUndefined();
  });
});
