import { IConstruct } from 'constructs';
import { fail } from './errors';

/** A volume mount as far as path collisions go. */
export interface MountPathSpec {
  /** The volume's name in the pod. */
  readonly name: string;
  readonly mountPath: string;
}

/** "/data/" and "/data//x/." name the same directories as "/data" and "/data/x". */
function normalize(path: string): string {
  return '/' + path.split('/').filter(s => s !== '' && s !== '.').join('/');
}

/**
 * Refuses mount paths of one container that are not absolute, climb with '..', or name the
 * same directory twice: the API server refuses identical mount paths, and two spellings of
 * one directory ("/tmp" and "/tmp/") make the runtime shadow one volume with the other.
 * `writable` explains where the default mounts come from.
 */
export function checkMountPaths(scope: IConstruct, container: string, mounts: readonly MountPathSpec[]): void {
  const seen = new Map<string, MountPathSpec>();
  for (const m of mounts) {
    if (typeof m.mountPath !== 'string' || !m.mountPath.startsWith('/')) {
      fail(scope, `container ${container} mounts volume ${m.name} at "${m.mountPath}", which is not an absolute path`,
        'give an absolute path such as "/data"');
    }
    if (m.mountPath.split('/').includes('..')) {
      fail(scope, `container ${container} mounts volume ${m.name} at "${m.mountPath}", which contains ".."`,
        'give the path without ".." segments');
    }
    const key = normalize(m.mountPath);
    const other = seen.get(key);
    if (other) {
      const isDefault = /writable-\d+$/.test(other.name);
      fail(scope, `container ${container} mounts volume ${m.name} at "${m.mountPath}", where volume ${other.name} is already mounted${isDefault ? ' (a writable emptyDir; /tmp is one by default)' : ''}`,
        isDefault ? `mount ${m.name} elsewhere (e.g. "/data"), or drop "${other.mountPath}" from writablePaths`
          : `mount ${m.name} at its own path`);
    }
    seen.set(key, m);
  }
}
