// Kubernetes resource quantities as numbers, so a review can tell `1Gi → 512Mi` is lower.
const SUFFIX: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/**
 * A quantity (`250m`, `1.5`, `512Mi`, `1G`, `1e3`) in base units (cores, bytes);
 * undefined when `q` is absent or not a quantity.
 */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === 'number') { return q; }
  if (typeof q !== 'string') { return undefined; }
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?)$/.exec(q.trim());
  if (!m) { return undefined; }
  return m[2] ? Number(m[1] + m[2]) : Number(m[1]) * SUFFIX[m[3] ?? ''];
}
