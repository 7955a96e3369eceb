import { IConstruct } from 'constructs';
import { checkDnsLabel } from '../core/checks';

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
    checkDnsLabel(scope, 'secret name', this.secretName, 253);
  }
}
