/** The API group of a rendered object's `apiVersion` (`apps/v1` → `apps`); '' for the core group (`v1`) or none. */
export function apiGroupOf(apiVersion: unknown): string {
  return typeof apiVersion === 'string' && apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}
