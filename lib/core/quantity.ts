import { IConstruct } from 'constructs';
import { fail } from './errors';

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const DECIMAL: Record<string, number> = { m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|m|k|M|G|T)?$/;

/**
 * Parses a Kubernetes resource quantity ("500m", "2", "512Mi", "1.5Gi") into
 * a plain number (cores or bytes) so that limits can be compared with requests.
 */
export function parseQuantity(scope: IConstruct, what: string, value: string): number {
  const m = QUANTITY.exec(value);
  if (!m) {
    fail(scope, `${what} "${value}" is not a resource quantity`,
      'write cpu as cores or millicores ("2", "500m") and memory or storage with a binary suffix ("512Mi", "2Gi")');
  }
  const unit = m[2] ?? '';
  return Number(m[1]) * (BINARY[unit] ?? DECIMAL[unit]);
}
