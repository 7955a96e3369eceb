import fieldIndex from '../../imports/field-index.json';
import { editDistance } from '../core/spelling';

/** A field the API does not define, with where it is and the closest defined name. */
export interface UnknownField {
  /** Dotted path from the object root, e.g. `spec.minReplica`. */
  readonly path: string;
  /** The defined field names at that level nearest to the unknown one (edit distance ≤ 3). */
  readonly suggestions: readonly string[];
}

type FieldRef = string;
const index = fieldIndex as unknown as { kinds: Record<string, string>; types: Record<string, Record<string, FieldRef>> };

/** True when the strict pass knows `apiVersion`/`kind` (Kubernetes 1.27 or a CRD in imports/). */
export function isKnownKind(apiVersion: string, kind: string): boolean {
  return `${apiVersion}/${kind}` in index.kinds;
}

/** What defines a kind's fields: the Kubernetes 1.27 API, or a CRD (its root type is named by group). */
export function fieldSource(apiVersion: string, kind: string): string {
  return index.kinds[`${apiVersion}/${kind}`]?.includes('/') ? 'its CRD' : 'Kubernetes 1.27';
}

/**
 * The strict pass: every field of `object` the Kubernetes 1.27 API (or the CRD schema of a
 * custom resource) does not define. The API server would drop such a field silently (or, with
 * server-side field validation, reject it), so a typo like `minReplica` never takes effect.
 */
export function unknownFields(object: any): UnknownField[] {
  const root = index.kinds[`${object.apiVersion}/${object.kind}`];
  const found: UnknownField[] = [];
  if (root) { walk(object, root, '', found); }
  return found;
}

function walk(value: unknown, ref: FieldRef, path: string, found: UnknownField[]): void {
  if (ref === '' || ref === '*' || value === null || typeof value !== 'object') { return; }
  if (ref.startsWith('[')) {
    if (Array.isArray(value)) { value.forEach((v, i) => walk(v, ref.slice(1), `${path}[${i}]`, found)); }
    return;
  }
  if (ref.startsWith('{')) {
    for (const [k, v] of Object.entries(value)) { walk(v, ref.slice(1), `${path}.${k}`, found); }
    return;
  }
  const fields = index.types[ref];
  for (const [k, v] of Object.entries(value)) {
    const at = path ? `${path}.${k}` : k;
    if (!(k in fields)) {
      found.push({ path: at, suggestions: closest(k, Object.keys(fields)) });
    } else {
      walk(v, fields[k], at, found);
    }
  }
}

/** The defined names nearest to `name` (edit distance at most 3, ignoring case). */
function closest(name: string, candidates: string[]): string[] {
  const scored = candidates.map(c => ({ c, d: editDistance(c.toLowerCase(), name.toLowerCase()) })).filter(x => x.d <= 3);
  const best = Math.min(...scored.map(x => x.d));
  return scored.filter(x => x.d === best).map(x => x.c).sort();
}

