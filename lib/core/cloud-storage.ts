/**
 * Google Cloud names the fleet's settings carry: Cloud Storage buckets and the service
 * accounts workloads impersonate through GKE Workload Identity. Checked as Google checks them,
 * so a typo fails the synth instead of a backup at 3 a.m.
 */

/**
 * Why `name` is not a Cloud Storage bucket name, or undefined when it is one: 3-63 lowercase
 * letters, digits, '-', '_' and '.', starting and ending with a letter or digit, not an IP
 * address, not starting with "goog" nor containing "google" (Google reserves them). Names with
 * dots (up to 222 characters) need domain verification; the fleet does not use them.
 */
export function bucketNameProblem(name: string): string | undefined {
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$/.test(name)) {
    return 'is not 3-63 lowercase letters, digits, \'-\' and \'_\', starting and ending with a letter or digit';
  }
  if (name.startsWith('goog') || name.includes('google')) {
    return 'starts with "goog" or contains "google", which Cloud Storage reserves';
  }
  return undefined;
}

/** A user-managed Google service account: `<6-30 characters>@<project id>.iam.gserviceaccount.com`. */
const SERVICE_ACCOUNT = /^[a-z]([-a-z0-9]{4,28}[a-z0-9])@[a-z]([-a-z0-9]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$/;

/** True for the e-mail of a user-managed Google service account, as `iam.gke.io/gcp-service-account` takes it. */
export function isGcpServiceAccount(email: string): boolean {
  return typeof email === 'string' && SERVICE_ACCOUNT.test(email);
}

/** The `gs://` URL of a folder in a bucket. */
export function gcsUrl(bucket: string, ...folders: string[]): string {
  return `gs://${[bucket, ...folders].join('/')}`;
}
