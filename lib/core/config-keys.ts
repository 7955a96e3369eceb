import { IConstruct } from 'constructs';
import { fail } from './errors';

/** The API server's limit on a ConfigMap's (or Secret's) data: 1 MiB in total. */
export const MAX_DATA_BYTES = 1024 * 1024;

/**
 * Refuses a ConfigMap or Secret key the API server refuses (IsConfigMapKey): at most 253
 * of letters, digits, '-', '_' and '.', and not '.', '..' or starting with '..' (keys become
 * file names when mounted; '..' is how the kubelet swaps mounted data atomically).
 */
export function checkDataKey(scope: IConstruct, what: string, key: string): void {
  const fix = 'use at most 253 letters, digits, \'-\', \'_\' and \'.\', not "." or ".." and not starting with ".."';
  if (typeof key !== 'string' || key === '') {
    fail(scope, `${what} "${key}" is empty`, fix);
  }
  if (key.length > 253) {
    fail(scope, `${what} "${key.slice(0, 40)}…" is ${key.length} characters, longer than 253`, fix);
  }
  if (!/^[-._a-zA-Z0-9]+$/.test(key)) {
    fail(scope, `${what} "${key}" is not a valid key`, fix);
  }
  if (key === '.' || key === '..' || key.startsWith('..')) {
    fail(scope, `${what} "${key}" is reserved ("." and ".." and keys starting with ".." are refused)`, fix);
  }
}

/** Refuses data above the 1 MiB the API server accepts (counted as it counts: UTF-8 bytes of the values). */
export function checkDataSize(scope: IConstruct, what: string, data: Readonly<Record<string, string>>): void {
  const bytes = Object.values(data).reduce((n, v) => n + Buffer.byteLength(v, 'utf8'), 0);
  if (bytes > MAX_DATA_BYTES) {
    fail(scope, `${what} holds ${bytes} bytes, more than the 1 MiB (${MAX_DATA_BYTES} bytes) the API server accepts`,
      'move large content to a volume, an image or object storage; keep settings small');
  }
}
