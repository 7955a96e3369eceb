import { IConstruct } from 'constructs';
import { checkDataKey } from '../core/config-keys';
import { checkDnsSubdomain } from '../core/names';

/** One key of a Secret, referenced by name; the value never passes through this repo. */
export interface SecretKeyReference {
  /** The Secret's name. */
  readonly secretName: string;
  /** The key inside it. */
  readonly key: string;
}

/**
 * A Secret created and rotated outside this repository (External Secrets, Sealed
 * Secrets, a vault operator...). Workloads consume its keys by name only, so no
 * secret value is ever rendered into dist/.
 */
export class SecretReference {
  /** References the Secret `name` in the consuming workload's namespace. */
  public static fromName(name: string): SecretReference {
    return new SecretReference(name);
  }

  private constructor(public readonly secretName: string) {}

  /** One key of this Secret. */
  public key(key: string): SecretKeyReference {
    return { secretName: this.secretName, key };
  }

  /** Checks the name when a construct first uses the reference. */
  public validate(scope: IConstruct): void {
    checkDnsSubdomain(scope, 'secret name', this.secretName);
  }
}

/**
 * Checks a Secret key reference where a construct uses it: the Secret's name is a DNS-1123
 * subdomain and the key a valid Secret key, or the kubelet could never resolve it.
 */
export function checkSecretKeyReference(scope: IConstruct, what: string, ref: SecretKeyReference): void {
  checkDnsSubdomain(scope, `${what}: secret name`, ref.secretName);
  checkDataKey(scope, `${what}: secret key`, ref.key);
}
