import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { SystemChart } from '../chart';
import { LabelKeys, MANAGED_BY } from '../core/labels';
import { namespacedMeta } from '../core/metadata';
import { fail } from '../core/errors';
import { checkDnsSubdomain } from '../core/names';
import { parseBytes } from '../core/quantity';

const ACCESS_MODES: readonly string[] = ['ReadWriteOnce', 'ReadWriteMany', 'ReadOnlyMany', 'ReadWriteOncePod'];

/** Size and kind of a persistent volume. */
export interface VolumeSpec {
  /** Requested size, e.g. "100Gi". */
  readonly size: string;
  /**
   * Access modes.
   * @default ['ReadWriteOnce']
   */
  readonly accessModes?: Array<'ReadWriteOnce' | 'ReadWriteMany' | 'ReadOnlyMany' | 'ReadWriteOncePod'>;
  /**
   * StorageClass.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
}

export interface PersistentClaimProps extends VolumeSpec {
  /** Claim name. */
  readonly name: string;
  /**
   * Label app.kubernetes.io/component.
   * @default 'storage'
   */
  readonly component?: string;
}

/** Renders the spec of a claim (shared with StatefulSet volume claim templates). */
export function renderClaimSpec(scope: Construct, spec: VolumeSpec): k8s.PersistentVolumeClaimSpec {
  if (parseBytes(scope, 'volume size', spec.size) <= 0) {
    fail(scope, `volume size "${spec.size}" is zero`, 'request a positive size, e.g. "10Gi"');
  }
  if (spec.storageClassName !== undefined) {
    checkDnsSubdomain(scope, 'storageClassName', spec.storageClassName);
  }
  const modes = spec.accessModes ?? ['ReadWriteOnce'];
  for (const mode of modes) {
    if (!ACCESS_MODES.includes(mode)) {
      fail(scope, `access mode "${mode}" is not one of ${ACCESS_MODES.join(', ')}`, 'use one of the Kubernetes access modes, spelled as they are');
    }
  }
  return {
    accessModes: modes,
    ...(spec.storageClassName ? { storageClassName: spec.storageClassName } : {}),
    resources: { requests: { storage: k8s.Quantity.fromString(spec.size) } },
  };
}

/** A standalone PersistentVolumeClaim (shared storage, backup targets). */
export class PersistentClaim extends Construct {
  public readonly claim: k8s.KubePersistentVolumeClaim;
  public readonly name: string;

  constructor(scope: Construct, id: string, props: PersistentClaimProps) {
    super(scope, id);
    this.name = props.name;
    const chart = SystemChart.of(this);
    this.claim = new k8s.KubePersistentVolumeClaim(this, 'Resource', {
      metadata: namespacedMeta(this, props.name, {
        [LabelKeys.name]: props.name,
        [LabelKeys.instance]: props.name,
        [LabelKeys.component]: props.component ?? 'storage',
        [LabelKeys.partOf]: chart.system,
        [LabelKeys.managedBy]: MANAGED_BY,
      }),
      // A claim holds data: the chart marks it Delete=false,Prune=false (lib/gitops/sync-options.ts).
      spec: renderClaimSpec(this, props),
    });
  }
}
