import { IConstruct } from 'constructs';
import { fail } from './errors';
import { isValidLabelValue } from './labels';
import { isDnsSubdomain } from './names';

/** The API server's limit on all annotation keys and values of one object together. */
export const MAX_ANNOTATION_BYTES = 256 * 1024;

/**
 * True for a label or annotation key: an optional DNS-subdomain prefix and '/', then a name
 * of at most 63 letters, digits, '-', '_' and '.' that starts and ends alphanumeric (the
 * grammar of a non-empty label value).
 */
export function isQualifiedName(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) { return false; }
  const name = parts[parts.length - 1];
  return name !== '' && isValidLabelValue(name) && (parts.length === 1 || (parts[0] !== '' && isDnsSubdomain(parts[0])));
}

/** Refuses a label or annotation key the API server refuses. */
export function checkQualifiedName(scope: IConstruct, what: string, key: string): void {
  if (!isQualifiedName(key)) {
    fail(scope, `${what} key "${key}" is not a valid key`,
      'use an optional lowercase DNS prefix and "/", then at most 63 letters, digits, \'-\', \'_\' or \'.\' starting and ending alphanumeric, e.g. "example.com/team"');
  }
}

/** Refuses annotations with invalid keys, or larger in total than the API server stores (256 KiB). */
export function checkAnnotations(scope: IConstruct, annotations: Readonly<Record<string, string>>): void {
  let bytes = 0;
  for (const [key, value] of Object.entries(annotations)) {
    checkQualifiedName(scope, 'annotation', key);
    bytes += Buffer.byteLength(key, 'utf8') + Buffer.byteLength(value, 'utf8');
  }
  if (bytes > MAX_ANNOTATION_BYTES) {
    const largest = Object.entries(annotations).sort((a, b) => b[1].length - a[1].length)[0][0];
    fail(scope, `annotations total ${bytes} bytes, more than the ${MAX_ANNOTATION_BYTES} the API server accepts (largest: "${largest}")`,
      'keep annotations small; move large content into a ConfigMap');
  }
}
