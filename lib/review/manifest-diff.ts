import { diffObjects, FieldChange } from './object-diff';

export { fitComment, toMarkdown } from './markdown';
export { riskyChanges } from './risks';

/** Manifests by path under dist/ (`<env>/<system>/<kind>-<name>.yaml`), parsed. */
export type ManifestTree = ReadonlyMap<string, any>;

/** What happened to one object between two trees. */
export interface ObjectChange {
  /** The file under dist/. */
  readonly path: string;
  /** `<env>/<system>`. */
  readonly dir: string;
  /** `<Kind>/<name>`. */
  readonly object: string;
  readonly change: 'added' | 'removed' | 'changed';
  /** For `changed`: the field paths with old and new values. */
  readonly fields: readonly FieldChange[];
}

/** A change a reviewer must look at twice, and why. */
export interface RiskFlag {
  readonly dir: string;
  readonly object: string;
  readonly reason: string;
}

/** Every object added, removed or changed from `before` to `after`, in path order. */
export function diffTrees(before: ManifestTree, after: ManifestTree): ObjectChange[] {
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  const out: ObjectChange[] = [];
  for (const p of paths) {
    const [b, a] = [before.get(p), after.get(p)];
    const o = a ?? b;
    const ref = { path: p, dir: p.split('/').slice(0, -1).join('/'), object: `${o.kind}/${o.metadata?.name}` };
    if (!b) {
      out.push({ ...ref, change: 'added', fields: [] });
    } else if (!a) {
      out.push({ ...ref, change: 'removed', fields: [] });
    } else {
      const fields = diffObjects(b, a);
      if (fields.length) { out.push({ ...ref, change: 'changed', fields }); }
    }
  }
  return out;
}
