import { IConstruct } from 'constructs';
import { fail } from './errors';

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
// The apimachinery grammar: sign, digits with an optional fraction, then a binary or decimal
// suffix or a decimal exponent.
const QUANTITY = /^([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;

/** A quantity split into its number and suffix. */
interface ParsedQuantity {
  readonly value: number;
  readonly suffix: string;
}

function parse(scope: IConstruct, what: string, value: string): ParsedQuantity {
  const m = typeof value === 'string' ? QUANTITY.exec(value) : null;
  if (!m) {
    fail(scope, `${what} "${value}" is not a resource quantity`,
      'write cpu as cores or millicores ("2", "500m") and memory or storage with a binary suffix ("512Mi", "2Gi")');
  }
  const suffix = m[3] ?? '';
  const scale = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : (BINARY[suffix] ?? DECIMAL[suffix]);
  return { value: (m[1] === '-' ? -1 : 1) * Number(m[2]) * scale, suffix };
}

/**
 * Parses a Kubernetes resource quantity ("500m", "2", "512Mi", "1.5Gi", "1e3") into
 * a plain number (cores or bytes) so that limits can be compared with requests.
 */
export function parseQuantity(scope: IConstruct, what: string, value: string): number {
  return parse(scope, what, value).value;
}

/**
 * A cpu quantity in cores. Byte suffixes and large decimal ones are valid quantities, but
 * as cpu they ask for millions of cores ("2Gi" is 2,147,483,648 cores): refused as a mix-up.
 */
export function parseCpu(scope: IConstruct, what: string, value: string): number {
  const q = parse(scope, what, value);
  if (q.value < 0) {
    fail(scope, `${what} "${value}" is negative`, 'give a positive number of cores, e.g. "500m" or "2"');
  }
  if (!['', 'm'].includes(q.suffix)) {
    fail(scope, `${what} "${value}" is not a cpu amount: the suffix "${q.suffix}" ${q.suffix in BINARY ? 'counts bytes' : 'is not cores or millicores'}`,
      'write cpu as cores or millicores, e.g. "2" or "500m"');
  }
  return q.value;
}

/** Below this, a bare number of bytes is a forgotten unit: no container or volume fits in it. */
const MIN_BARE_BYTES = 2 ** 20;

/**
 * A memory or storage quantity in bytes. Refuses the milli-suffix ("512m" is half a
 * byte, not 512 MiB) and a bare number below 1 MiB ("512" is 512 bytes: a forgotten unit).
 */
export function parseBytes(scope: IConstruct, what: string, value: string): number {
  const q = parse(scope, what, value);
  if (q.value < 0) {
    fail(scope, `${what} "${value}" is negative`, 'give a positive size, e.g. "512Mi"');
  }
  if (['m', 'u', 'n'].includes(q.suffix)) {
    fail(scope, `${what} "${value}" is ${q.value} bytes: "${q.suffix}" means thousandths${q.suffix === 'm' ? '' : ' or less'}, not mega`,
      `write mebibytes as "${value.slice(0, -1)}Mi" (or megabytes as "${value.slice(0, -1)}M")`);
  }
  if (q.suffix === '' && q.value > 0 && q.value < MIN_BARE_BYTES) {
    fail(scope, `${what} "${value}" is ${q.value} bytes, almost certainly a missing unit`,
      `add a binary suffix, e.g. "${value}Mi"`);
  }
  return q.value;
}
