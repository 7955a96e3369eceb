import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { fail } from '../core/errors';
import { isGcpServiceAccount } from '../core/cloud-storage';
import { namespacedMeta } from '../core/metadata';
import { ExternalEgressSpec } from '../network/network-policy';

/** The annotation GKE Workload Identity reads: which Google service account a Kubernetes ServiceAccount acts as. */
export const GKE_SERVICE_ACCOUNT_ANNOTATION = 'iam.gke.io/gcp-service-account';

/**
 * Where a pod gets its Google token under Workload Identity: the GKE metadata server, at the
 * link-local metadata address (80), which GKE Dataplane V2 serves from 169.254.169.252:988.
 * The fleet's egress to the Internet leaves out 169.254.0.0/16 (PRIVATE_RANGES), so a pod that
 * calls Google APIs needs these two rules, and nothing else of the link-local range.
 */
export const GKE_METADATA_EGRESS: readonly ExternalEgressSpec[] = [
  { cidr: '169.254.169.254/32', ports: [{ port: 80 }], description: 'GKE metadata server (Workload Identity token)' },
  { cidr: '169.254.169.252/32', ports: [{ port: 988 }], description: 'GKE metadata server on Dataplane V2 (Workload Identity token)' },
];

/** Annotations that make a Kubernetes ServiceAccount act as `googleServiceAccount`. */
export function workloadIdentityAnnotations(scope: Construct, googleServiceAccount: string): Record<string, string> {
  if (!isGcpServiceAccount(googleServiceAccount)) {
    fail(scope, `"${googleServiceAccount}" is not a Google service account e-mail`,
      'write <name>@<project id>.iam.gserviceaccount.com (lib/environments/settings.ts objectStorage)');
  }
  return { [GKE_SERVICE_ACCOUNT_ANNOTATION]: googleServiceAccount };
}

export interface WorkloadIdentityProps {
  /** ServiceAccount name; pods name it in `serviceAccountName`. */
  readonly name: string;
  /** Labels of the ServiceAccount object. */
  readonly labels: Record<string, string>;
  /** The Google service account the pods act as, e.g. "ariaforge-audio@fleet-production.iam.gserviceaccount.com". */
  readonly googleServiceAccount: string;
}

/**
 * A Kubernetes ServiceAccount bound to a Google service account by GKE Workload Identity: pods
 * that run as it get short-lived Google credentials from the metadata server, so no key is
 * stored anywhere. Its token is not mounted (the metadata server identifies the pod; our pods
 * never call the Kubernetes API). The Google side is an IAM binding of
 * `serviceAccount:<project>.svc.id.goog[<namespace>/<name>]` to roles/iam.workloadIdentityUser.
 */
export class WorkloadIdentity extends Construct {
  public readonly name: string;
  public readonly serviceAccount: k8s.KubeServiceAccount;

  constructor(scope: Construct, id: string, props: WorkloadIdentityProps) {
    super(scope, id);
    this.name = props.name;
    this.serviceAccount = new k8s.KubeServiceAccount(this, 'Resource', {
      metadata: namespacedMeta(this, props.name, props.labels, workloadIdentityAnnotations(this, props.googleServiceAccount)),
      automountServiceAccountToken: false,
    });
  }
}
