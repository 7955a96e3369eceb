import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { checkDataKey, checkDataSize } from '../core/config-keys';
import { fail } from '../core/errors';
import { findSecretMaterial } from '../core/secret-material';
import { namespacedMeta } from '../core/metadata';
import { MANAGED_BY, LabelKeys } from '../core/labels';
import { SystemChart } from '../chart';
import { looksSecret } from './secret-names';

export interface AppConfigProps {
  /** ConfigMap name. */
  readonly name: string;
  /** Non-secret settings, exposed to consumers as environment variables. */
  readonly data: Record<string, string>;
}

/**
 * Non-secret settings as a ConfigMap that workloads consume with `envFrom`.
 * Refuses values that look like credentials: those belong in a Secret, referenced.
 */
export class AppConfig extends Construct {
  public readonly configMap: k8s.KubeConfigMap;
  public readonly name: string;
  public readonly keys: readonly string[];

  constructor(scope: Construct, id: string, props: AppConfigProps) {
    super(scope, id);
    this.name = props.name;
    this.keys = Object.keys(props.data).sort();
    for (const [key, value] of Object.entries(props.data)) {
      checkDataKey(this, 'ConfigMap key', key);
      if (typeof value !== 'string') {
        fail(this, `ConfigMap key ${key} holds ${JSON.stringify(value)}, not a string`, `quote it: ${key}: "${String(value)}"`);
      }
      const material = findSecretMaterial(value);
      if (material) {
        fail(this, `ConfigMap key ${key} holds ${material.what} ("${material.redacted}")`,
          'put it in a Secret (created outside this repository) and consume it with SecretReference.fromName(...).key(...)');
      }
      if (/:\/\/[^/@\s]*:[^/@\s]+@/.test(value)) {
        fail(this, `${key} holds a URL with a password ("${value.replace(/:[^:/@]+@/, ':***@')}")`,
          'remove the password from the URL and pass it from a Secret key (e.g. DB_PASSWORD)');
      }
      if (looksSecret(key)) {
        fail(this, `${key} looks like a secret but is a literal ConfigMap value`,
          'put it in a Secret and consume it with SecretReference.fromName(...).key(...)');
      }
    }
    checkDataSize(this, `ConfigMap ${props.name}`, props.data);
    const chart = SystemChart.of(this);
    this.configMap = new k8s.KubeConfigMap(this, 'Resource', {
      metadata: namespacedMeta(this, props.name, {
        [LabelKeys.name]: props.name,
        [LabelKeys.instance]: props.name,
        [LabelKeys.component]: 'config',
        [LabelKeys.partOf]: chart.system,
        [LabelKeys.managedBy]: MANAGED_BY,
      }),
      data: Object.fromEntries(this.keys.map(k => [k, props.data[k]])),
    });
  }
}
