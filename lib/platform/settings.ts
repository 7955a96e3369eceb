import { PerEnvironment, SecretManager } from '../environments/environment';

/**
 * The cloud identity the External Secrets Operator's controller runs as, to read the secret
 * manager. No static key anywhere: the ServiceAccount is bound to a cloud identity.
 */
export type SecretsOperatorIdentity =
  /** GKE Workload Identity: the controller's ServiceAccount acts as this Google service account (email). */
  | { readonly kind: 'gcp-workload-identity'; readonly serviceAccount: string }
  /** EKS IRSA: the controller's ServiceAccount assumes this IAM role (ARN). */
  | { readonly kind: 'aws-irsa'; readonly roleArn: string }
  /** Vault's Kubernetes auth: Vault checks the controller's ServiceAccount token; nothing to bind in a cloud. */
  | { readonly kind: 'vault-kubernetes-auth' };

/** What the platform layer needs beyond the environment's own settings. */
export interface PlatformSettings {
  /** The identity the External Secrets Operator reads the secret manager as. */
  readonly secretsOperatorIdentity: SecretsOperatorIdentity;
  /**
   * How long Prometheus keeps samples (a Prometheus duration, e.g. "15d").
   * @default '15d'
   */
  readonly prometheusRetention?: string;
  /**
   * Size of each Prometheus replica's volume (the operator claims it with the pod).
   * @default '50Gi'
   */
  readonly prometheusStorage?: string;
}

/** The Google service account the operator acts as: `external-secrets@<project>.iam.gserviceaccount.com`. */
const gcp = (projectID: string): SecretsOperatorIdentity =>
  ({ kind: 'gcp-workload-identity', serviceAccount: `external-secrets@${projectID}.iam.gserviceaccount.com` });

/** Each environment's platform settings; its secret manager's project is the one in its secretStore setting. */
export const PLATFORM: PerEnvironment<PlatformSettings> = {
  dev: { secretsOperatorIdentity: gcp('fleet-dev'), prometheusRetention: '7d', prometheusStorage: '20Gi' },
  staging: { secretsOperatorIdentity: gcp('fleet-staging'), prometheusRetention: '15d', prometheusStorage: '50Gi' },
  production: { secretsOperatorIdentity: gcp('fleet-production'), prometheusRetention: '30d', prometheusStorage: '100Gi' },
};

/** The identity kind each secret manager is reached with. */
export const IDENTITY_FOR_MANAGER: Readonly<Record<SecretManager['kind'], SecretsOperatorIdentity['kind']>> = {
  'gcp-secret-manager': 'gcp-workload-identity',
  'aws-secrets-manager': 'aws-irsa',
  'vault': 'vault-kubernetes-auth',
};
