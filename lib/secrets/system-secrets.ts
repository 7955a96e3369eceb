import { Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import {
  ExternalSecret, ExternalSecretSpecData, ExternalSecretSpecSecretStoreRefKind,
  ExternalSecretSpecTargetCreationPolicy, ExternalSecretSpecTargetDeletionPolicy,
} from '../../imports/external-secrets.io';
import { byCodeUnit } from '../core/checks';
import { SecretSource } from '../config/secret-reference';
import { ConfigurationError, fail } from '../core/errors';
import { goDurationSeconds } from '../core/go-duration';
import { checkLabelValue, MANAGED_BY, LabelKeys } from '../core/labels';
import { isDnsSubdomain } from '../core/names';
import { Environment } from '../environments/environment';
import { RemoteSecretKey } from './remote-secret-key';

export interface SystemSecretsProps {
  /** The environment: its secret store and refresh interval. */
  readonly environment: Environment;
  /** The namespace every Secret of the system lives in. */
  readonly namespace: string;
  /** The system's name (the `part-of` label). */
  readonly system: string;
}

/** One Secret the system reads, and the keys read so far. */
interface SecretUse {
  readonly producer: SecretSource;
  /** Who first read it (construct path), for messages. */
  readonly firstReader: string;
  /** Key → where it lives in the secret manager (for secret-manager Secrets). */
  readonly keys: Map<string, { remote?: RemoteSecretKey; firstReader: string }>;
}

/** Where each system chart's SystemSecrets is, so any construct inside finds it. */
const bySystem = new WeakMap<IConstruct, SystemSecrets>();

/**
 * The Secrets of one system: every Secret key a construct reads is recorded here (through
 * `useSecretKeyReference`), and each Secret that comes from the secret manager gets exactly
 * one ExternalSecret that produces it with exactly the keys read — the union over every
 * reader, never more. Operator-generated Secrets are recorded but render nothing.
 *
 * The ExternalSecret is created at a Secret's first use and its keys are resolved when the
 * chart renders, so readers added later still count, and the output is sorted by key.
 */
export class SystemSecrets extends Construct {
  /** The SystemSecrets of the system chart `scope` is in. */
  public static of(scope: IConstruct): SystemSecrets {
    for (const s of scope.node.scopes.slice().reverse()) {
      const found = bySystem.get(s);
      if (found) { return found; }
    }
    return fail(scope, 'reads a Secret but is not inside a SystemChart, so nothing would produce the Secret',
      'create it under a SystemChart (lib/chart.ts): the chart renders an ExternalSecret for every Secret its constructs read');
  }

  private readonly uses = new Map<string, SecretUse>();
  private readonly rendered = new Map<string, ExternalSecret>();
  private readonly environment: Environment;
  private readonly namespace: string;
  private readonly system: string;

  constructor(scope: Construct, id: string, props: SystemSecretsProps) {
    super(scope, id);
    checkStoreSettings(props.environment);
    this.environment = props.environment;
    this.namespace = props.namespace;
    this.system = props.system;
    bySystem.set(scope, this);
  }

  /** The ExternalSecret rendered for each Secret from the secret manager, by Secret name. */
  public get externalSecrets(): ReadonlyMap<string, ExternalSecret> {
    return this.rendered;
  }

  /**
   * Records that `reader` reads `key` of Secret `secretName`. Call it once per key a construct
   * renders into a manifest (useSecretKeyReference does); it refuses a Secret referenced both
   * as the secret manager's and as an operator's, and two keys the secret manager cannot tell apart.
   */
  public use(reader: IConstruct, secretName: string, key: string, producer: SecretSource): void {
    let use = this.uses.get(secretName);
    if (!use) {
      use = { producer, firstReader: reader.node.path, keys: new Map() };
      this.uses.set(secretName, use);
      if (producer === SecretSource.EXTERNAL) { this.render(reader, secretName, use); }
    }
    if (use.producer !== producer) {
      const how = (p: SecretSource) => (p === SecretSource.OPERATOR ? 'SecretReference.fromOperator' : 'SecretReference.fromName');
      fail(reader, `Secret ${secretName} is read as ${how(producer)}(...) here but as ${how(use.producer)}(...) by ${use.firstReader}`,
        `decide who makes ${secretName}: the secret manager (fromName, an ExternalSecret is rendered) or an operator (fromOperator); a Secret has one producer`);
    }
    if (use.keys.has(key)) { return; }
    const remote = producer === SecretSource.EXTERNAL
      ? RemoteSecretKey.of(reader, this.environment.settings.secretStore.manager,
        { environment: this.environment.name, namespace: this.namespace, secretName, key })
      : undefined;
    for (const [other, known] of use.keys) {
      if (remote && known.remote?.sameAs(remote)) {
        fail(reader, `keys "${key}" and "${other}" of Secret ${secretName} both map to ${remote.describe()} (read by ${known.firstReader})`,
          'rename one of the keys: the secret manager\'s names cannot tell them apart');
      }
    }
    use.keys.set(key, { remote, firstReader: reader.node.path });
  }

  /** The one ExternalSecret that produces `secretName`, its keys resolved at render time. */
  private render(reader: IConstruct, secretName: string, use: SecretUse): void {
    checkLabelValue(reader, `Secret name (the ExternalSecret's ${LabelKeys.name} label)`, secretName);
    const store = this.environment.settings.secretStore;
    const data = (): ExternalSecretSpecData[] => [...use.keys].sort(([a], [b]) => byCodeUnit(a, b))
      .map(([secretKey, { remote }]) => ({ secretKey, remoteRef: remote!.toRemoteRef() }));
    this.rendered.set(secretName, new ExternalSecret(this, secretName, {
      metadata: {
        name: secretName,
        namespace: this.namespace,
        labels: {
          [LabelKeys.name]: secretName,
          [LabelKeys.instance]: secretName,
          [LabelKeys.component]: 'secret',
          [LabelKeys.partOf]: this.system,
          [LabelKeys.managedBy]: MANAGED_BY,
        },
      },
      spec: {
        refreshInterval: store.refreshInterval,
        secretStoreRef: { kind: ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE, name: store.storeName },
        target: {
          name: secretName,
          // Owner: the Secret is garbage-collected with its ExternalSecret, so a Secret nobody
          // reads any more goes when its ExternalSecret is pruned.
          creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER,
          // Retain: an entry deleted in (or missing from) the secret manager leaves the Secret
          // as last synced, so running and restarting pods keep working while the
          // ExternalSecret reports the error; Delete would take the Secret, and every pod
          // that restarts, down with it.
          deletionPolicy: ExternalSecretSpecTargetDeletionPolicy.RETAIN,
        },
        data: Lazy.any({ produce: data }),
      },
    }));
  }
}

/** Refuses a store the ExternalSecrets could not name, or a refresh interval that never refreshes. */
function checkStoreSettings(env: Environment): void {
  const { storeName, refreshInterval } = env.settings.secretStore;
  const where = `environments/${env.name}`;
  if (!isDnsSubdomain(storeName)) {
    throw new ConfigurationError(where, `secretStore.storeName "${storeName}" is not a DNS-1123 subdomain, so no ClusterSecretStore can have it`,
      'use the ClusterSecretStore\'s lowercase name, e.g. "fleet-secrets"');
  }
  const seconds = goDurationSeconds(refreshInterval);
  if (seconds !== undefined && seconds < 0) {
    throw new ConfigurationError(where, `secretStore.refreshInterval "${refreshInterval}" is negative`, 'give a positive interval, e.g. "1h"');
  }
  if (seconds === undefined) {
    throw new ConfigurationError(where, `secretStore.refreshInterval "${refreshInterval}" is not a Go duration`, 'write it like "1h", "30m" or "1h30m"');
  }
  if (seconds === 0) {
    throw new ConfigurationError(where, `secretStore.refreshInterval "${refreshInterval}" is zero, so External Secrets fetches each Secret once and never picks up a rotation`,
      'give a positive interval, e.g. "1h": the documents rotate API keys every 30 days');
  }
}
