/** The API group of a rendered object's `apiVersion` (`apps/v1` → `apps`); '' for the core group (`v1`) or none. */
export function apiGroupOf(apiVersion: unknown): string {
  return typeof apiVersion === 'string' && apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

/** `<group>/<Kind>` of a rendered object (`apps/Deployment`, `/Service` for the core group): its kind, which a name alone does not make unique across operators. */
export function groupKindOf(o: { apiVersion?: unknown; kind?: unknown } | undefined): string {
  return `${apiGroupOf(o?.apiVersion)}/${o?.kind}`;
}
