import { IConstruct } from 'constructs';
import { fail } from '../core/errors';
import { SecretManager } from '../environments/environment';

/** One key of one Kubernetes Secret, as a pod reads it. */
export interface SecretKeyAddress {
  /** The environment (dev, staging, production). */
  readonly environment: string;
  /** The namespace the Secret lives in (the system's). */
  readonly namespace: string;
  /** The Kubernetes Secret's name. */
  readonly secretName: string;
  /** The key inside the Secret. */
  readonly key: string;
}

/** GCP Secret Manager's secret IDs: letters, digits, '_' and '-', at most 255. */
const GCP_SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;
/** AWS Secrets Manager's names: at most 512 of letters, digits and /_+=.@- . */
const AWS_SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

/**
 * Where one key of a Kubernetes Secret lives in the environment's secret manager: the one
 * naming rule whoever fills the secret manager follows (README "Secrets"), and what an
 * ExternalSecret's `remoteRef` says.
 *
 * - GCP Secret Manager: one secret per key (its norm: a secret holds one value, versioned),
 *   in the environment's own project, ID `<namespace>__<secret>__<key>` with each '.' written
 *   '_' (IDs allow only `[A-Za-z0-9_-]`). Namespaces and Secret names hold no '_', so the two
 *   `__` separators are unambiguous.
 * - AWS Secrets Manager and Vault KV v2: one secret per Kubernetes Secret, at
 *   `<environment>/<namespace>/<secret>` (accounts and Vault mounts are often shared between
 *   environments), holding a JSON object with one property per key.
 */
export class RemoteSecretKey {
  /** The entry `address` maps to under `manager`'s convention; refuses one the manager cannot hold. */
  public static of(scope: IConstruct, manager: SecretManager, address: SecretKeyAddress): RemoteSecretKey {
    const { environment, namespace, secretName, key } = address;
    switch (manager.kind) {
      case 'gcp-secret-manager': {
        const id = [namespace, secretName, key].map(part => part.replace(/\./g, '_')).join('__');
        if (id.length > 255) {
          fail(scope, `GCP Secret Manager secret ID "${id}" for key ${key} of Secret ${secretName} is ${id.length} characters, longer than the 255 GCP allows`,
            `shorten the Secret name or the key: the ID is <namespace>__<secret>__<key> (${namespace.length + 4} characters go to the namespace and separators)`);
        }
        if (!GCP_SECRET_ID.test(id)) {
          fail(scope, `GCP Secret Manager secret ID "${id}" for key ${key} of Secret ${secretName} holds characters other than letters, digits, '_' and '-'`,
            'use a DNS-1123 Secret name and a key of letters, digits, \'-\', \'_\' and \'.\'');
        }
        return new RemoteSecretKey(manager, id);
      }
      case 'aws-secrets-manager':
      case 'vault': {
        const name = `${environment}/${namespace}/${secretName}`;
        if (manager.kind === 'aws-secrets-manager' && !AWS_SECRET_NAME.test(name)) {
          fail(scope, `AWS Secrets Manager secret name "${name.slice(0, 60)}…" for Secret ${secretName} is ${name.length} characters, longer than the 512 AWS allows`,
            'shorten the Secret name');
        }
        return new RemoteSecretKey(manager, name, key);
      }
    }
  }

  private constructor(
    private readonly manager: SecretManager,
    /** The secret's name or ID in the manager (`remoteRef.key`). */
    public readonly key: string,
    /** The JSON property inside it (`remoteRef.property`), where one secret holds several keys. */
    public readonly property?: string,
  ) {}

  /** The ExternalSecret `remoteRef`. */
  public toRemoteRef(): { key: string; property?: string } {
    // External Secrets reads `property` as a gjson path: a '.' in a key is escaped to stay literal.
    return { key: this.key, ...(this.property !== undefined ? { property: this.property.replace(/\./g, '\\.') } : {}) };
  }

  /** Where a person creates the value, e.g. "secret `shop__shop-secrets__DB_PASSWORD` in project fleet-dev". */
  public describe(): string {
    switch (this.manager.kind) {
      case 'gcp-secret-manager': return `secret \`${this.key}\` in project ${this.manager.projectID}`;
      case 'aws-secrets-manager': return `property \`${this.property}\` of secret \`${this.key}\` in ${this.manager.region}`;
      case 'vault': return `property \`${this.property}\` of \`${this.manager.path}/${this.key}\` at ${this.manager.server}`;
    }
  }

  /** Whether two keys would read the same value (a name collision under the manager's convention). */
  public sameAs(other: RemoteSecretKey): boolean {
    return this.key === other.key && this.property === other.property;
  }
}
