import * as path from 'path';
import { parse } from 'yaml';
import { readsAsNonString, toYaml } from '../lib/render/manifest-writer';
import { tree } from './util';

/**
 * kubectl and Argo CD decode YAML 1.1; the `yaml` package and most tools read 1.2. Every file
 * the writer produces must decode to the same data under both.
 */
const read11 = (text: string) => parse(text, { version: '1.1' });
const read12 = (text: string) => parse(text, { version: '1.2' });

describe('YAML that reads the same to YAML 1.1 and 1.2 decoders', () => {
  // Strings that YAML 1.1 (go-yaml v2, PyYAML) or 1.2 would read as something else.
  const tricky = ['yes', 'no', 'on', 'off', 'y', 'n', 'Y', 'NO', 'Off', '~', 'null', '', 'true',
    '0755', '012', '0o12', '0x1F', '0b101', '1:20', '190:20:30.15', '1_000', '1e3', '1.', '.inf',
    '2001-12-14', '2001-12-14 21:59:43.10 -5', '<<', '=', '+12', '-0', '3'];

  test.each(tricky)('the string %j survives both decoders', value => {
    const text = toYaml({ key: value, list: [value], [value || 'empty']: 'v' });
    expect(read11(text)).toEqual({ key: value, list: [value], [value || 'empty']: 'v' });
    expect(read12(text)).toEqual({ key: value, list: [value], [value || 'empty']: 'v' });
  });

  test('plain strings stay unquoted, and numbers and booleans stay what they are', () => {
    expect(toYaml({ a: 'nginx', b: 'letsencrypt-prod', c: 3, d: true, e: '500m' })).toBe(
      'a: nginx\nb: letsencrypt-prod\nc: 3\nd: true\ne: 500m\n');
    expect(readsAsNonString('yes')).toBe(true);
    expect(readsAsNonString('yesterday')).toBe(false);
  });

  test('every file of the committed dist/ decodes to identical data as YAML 1.1 and 1.2', () => {
    const files = Object.entries(tree(path.join(__dirname, '..', 'dist'))).filter(([f]) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(100);
    const differing = files.filter(([, text]) => JSON.stringify(read11(text)) !== JSON.stringify(read12(text))).map(([f]) => f);
    expect(differing).toEqual([]);
  });
});
