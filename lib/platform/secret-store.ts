import { Construct } from 'constructs';
import {
  ClusterSecretStore, ClusterSecretStoreSpecProvider, ClusterSecretStoreSpecProviderAwsService, ClusterSecretStoreSpecProviderVaultVersion,
} from '../../imports/external-secrets.io';
import { fail } from '../core/errors';
import { platformLabels } from './platform-chart';
import { isDnsSubdomain } from '../core/names';
import { Environment, SecretManager } from '../environments/environment';
import { goDurationSeconds } from '../core/go-duration';
import { IDENTITY_FOR_MANAGER, SecretsOperatorIdentity } from './settings';
import { GKE_SERVICE_ACCOUNT_ANNOTATION } from '../config/workload-identity';

/** EKS's IRSA annotation on a ServiceAccount: the IAM role it assumes. */
const EKS_ROLE_ANNOTATION = 'eks.amazonaws.com/role-arn';

export interface FleetSecretStoreProps {
  /** The identity the External Secrets Operator's controller reads the secret manager as. */
  readonly identity: SecretsOperatorIdentity;
  /** Namespace the External Secrets Operator runs in (Vault's Kubernetes auth names its ServiceAccount). */
  readonly operatorNamespace: string;
  /** Name of the operator's ServiceAccount (the chart's release name). */
  readonly operatorServiceAccount: string;
}

/**
 * The environment's ClusterSecretStore (`EnvironmentSettings.secretStore`): every
 * ExternalSecret reads its values through it. No credential is in it: the operator's
 * controller reaches the secret manager as its own ServiceAccount, bound to a cloud identity
 * ({@link operatorServiceAccountAnnotations}), or by Vault's Kubernetes auth.
 */
export class FleetSecretStore extends Construct {
  public readonly store: ClusterSecretStore;
  public readonly storeName: string;

  constructor(scope: Construct, id: string, props: FleetSecretStoreProps) {
    super(scope, id);
    const settings = Environment.of(this).settings.secretStore;
    if (!isDnsSubdomain(settings.storeName)) {
      fail(this, `secretStore.storeName "${settings.storeName}" is not a DNS-1123 subdomain`, 'use a lowercase name such as "fleet-secrets"');
    }
    // External Secrets reads it as a Go duration (lib/secrets/system-secrets.ts says why a bad one is refused).
    if (!((goDurationSeconds(settings.refreshInterval) ?? 0) > 0)) {
      fail(this, `secretStore.refreshInterval "${settings.refreshInterval}" is not a positive duration`, 'write it like "1h" or "15m"');
    }
    const expected = IDENTITY_FOR_MANAGER[settings.manager.kind];
    if (props.identity.kind !== expected) {
      fail(this, `the External Secrets Operator's identity is ${props.identity.kind}, but the secret manager is ${settings.manager.kind}, reached by ${expected}`,
        `set secretsOperatorIdentity to a ${expected} identity in lib/platform/settings.ts`);
    }
    this.storeName = settings.storeName;
    this.store = new ClusterSecretStore(this, 'Resource', {
      metadata: {
        name: settings.storeName,
        labels: platformLabels(settings.storeName, 'secret-store'),
      },
      spec: { provider: provider(this, settings.manager, props) },
    });
  }
}

function provider(scope: Construct, manager: SecretManager, props: FleetSecretStoreProps): ClusterSecretStoreSpecProvider {
  switch (manager.kind) {
    case 'gcp-secret-manager':
      if (!/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/.test(manager.projectID)) {
        fail(scope, `secretStore projectID "${manager.projectID}" is not a Google Cloud project ID`, 'use the project ID (not its number or display name), e.g. "fleet-production"');
      }
      // No auth: the controller's ServiceAccount is bound to a Google service account by
      // Workload Identity, and ESO uses the pod's credentials (external-secrets.io,
      // "Google Cloud Secret Manager", "Authorizing the Core Controller Pod").
      return { gcpsm: { projectId: manager.projectID } };
    case 'aws-secrets-manager':
      // No auth: the controller's ServiceAccount assumes its IAM role through IRSA.
      return { aws: { service: ClusterSecretStoreSpecProviderAwsService.SECRETS_MANAGER, region: manager.region } };
    case 'vault':
      return {
        vault: {
          server: manager.server,
          path: manager.path,
          version: ClusterSecretStoreSpecProviderVaultVersion.V2,
          auth: {
            kubernetes: {
              mountPath: 'kubernetes',
              role: manager.role,
              serviceAccountRef: { name: props.operatorServiceAccount, namespace: props.operatorNamespace },
            },
          },
        },
      };
  }
}

/** The annotations binding the operator's ServiceAccount to its cloud identity (none for Vault). */
export function operatorServiceAccountAnnotations(scope: Construct, identity: SecretsOperatorIdentity): Record<string, string> {
  switch (identity.kind) {
    case 'gcp-workload-identity':
      if (!/^[a-z][-a-z0-9]{4,28}[a-z0-9]@[a-z][-a-z0-9]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$/.test(identity.serviceAccount)) {
        fail(scope, `Workload Identity service account "${identity.serviceAccount}" is not a Google service account email`,
          'use <name>@<project>.iam.gserviceaccount.com');
      }
      return { [GKE_SERVICE_ACCOUNT_ANNOTATION]: identity.serviceAccount };
    case 'aws-irsa':
      if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(identity.roleArn)) {
        fail(scope, `IRSA role "${identity.roleArn}" is not an IAM role ARN`, 'use arn:aws:iam::<account>:role/<name>');
      }
      return { [EKS_ROLE_ANNOTATION]: identity.roleArn };
    case 'vault-kubernetes-auth':
      return {};
  }
}
