/** The file name of an object: `<kind>-<name>.yaml`, lowercase. */
export function manifestFileName(object: { kind: string; metadata: { name: string } }): string {
  return `${object.kind.toLowerCase()}-${object.metadata.name}.yaml`;
}

/**
 * True for a manifest's path relative to dist/: `<env>/<folder>/<file>.yaml`, as Argo CD
 * (directory source, `*.yaml`, no recursion), the gate and the review diff read them.
 * Deeper files (`<env>/platform/bootstrap/…`) are no manifests: nothing applies them.
 */
export function isManifestPath(relative: string): boolean {
  return /^[^/]+\/[^/]+\/[^/]+\.yaml$/.test(relative);
}
