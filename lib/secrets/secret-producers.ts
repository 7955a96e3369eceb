import { apiGroupOf } from '../core/api-group';
import { TLS_KEYS } from './secret-readers';

/** A Secret that an object makes exist in its namespace. */
export interface ProducedSecret {
  /** The Secret's name. */
  readonly secretName: string;
  /** The keys it will hold; undefined when any key may be there (ExternalSecret dataFrom, templateFrom). */
  readonly keys?: ReadonlySet<string>;
  /** The object that makes it, e.g. `ExternalSecret/songnodes-secrets`. */
  readonly by: string;
  /** The program that writes it, e.g. `External Secrets`, `CloudNativePG`, `cert-manager`. */
  readonly writer: string;
}

/**
 * The keys of CloudNativePG's generated user Secrets (`<cluster>-app`, `<cluster>-superuser`),
 * as cloudnative-pg pkg/specs/secrets.go CreateSecret writes them.
 */
const CNPG_USER_SECRET_KEYS = [
  'username', 'user', 'password', 'dbname', 'host', 'port', 'pgpass', 'uri', 'jdbc-uri', 'fqdn-uri', 'fqdn-jdbc-uri',
] as const;

/**
 * The keys of the RabbitMQ cluster operator's `<name>-default-user` Secret
 * (internal/resource/default_user_secret.go); plugin ports are added per enabled plugin.
 */
const RABBITMQ_DEFAULT_USER_KEYS = ['username', 'password', 'default_user.conf', 'provider', 'type', 'host', 'port'] as const;
const RABBITMQ_PLUGIN_PORT_KEYS: Readonly<Record<string, string>> = {
  rabbitmq_mqtt: 'mqtt-port',
  rabbitmq_stomp: 'stomp-port',
  rabbitmq_stream: 'stream-port',
  rabbitmq_web_mqtt: 'web-mqtt-port',
  rabbitmq_web_stomp: 'web-stomp-port',
};

/** cert-manager's annotations that make its ingress-shim / gateway-shim issue a certificate. */
const CERT_MANAGER_SHIM_ANNOTATIONS = ['cert-manager.io/cluster-issuer', 'cert-manager.io/issuer'];

/**
 * The Secrets an object makes exist in its namespace, with the keys they will hold: an
 * ExternalSecret's target, the Secrets CloudNativePG and the RabbitMQ operator generate for
 * their clusters, cert-manager's certificates (a Certificate, or an Ingress or Gateway it
 * issues for through its shim), and a Secret object itself.
 */
export function producedSecrets(o: any): ProducedSecret[] {
  const group = apiGroupOf(o.apiVersion);
  const by = `${o.kind}/${o.metadata?.name}`;
  const name: string = o.metadata?.name;
  const out: ProducedSecret[] = [];
  const add = (writer: string, secretName: string | undefined, keys: Iterable<string> | undefined) => {
    if (secretName) { out.push({ secretName, keys: keys ? new Set(keys) : undefined, by, writer }); }
  };
  if (group === 'external-secrets.io' && o.kind === 'ExternalSecret') {
    const target = o.spec?.target ?? {};
    // Merge and None write into a Secret something else must create.
    if (target.creationPolicy === 'Merge' || target.creationPolicy === 'None') { return []; }
    add('External Secrets', target.name ?? name, externalSecretKeys(o.spec ?? {}));
  }
  if (group === 'postgresql.cnpg.io' && o.kind === 'Cluster') {
    if (cnpgGeneratesAppSecret(o.spec ?? {})) { add('CloudNativePG', `${name}-app`, CNPG_USER_SECRET_KEYS); }
    if (o.spec?.enableSuperuserAccess === true && !o.spec.superuserSecret?.name) { add('CloudNativePG', `${name}-superuser`, CNPG_USER_SECRET_KEYS); }
    if (!o.spec?.certificates?.serverCASecret) { add('CloudNativePG', `${name}-ca`, ['ca.crt', 'ca.key']); }
  }
  if (group === 'rabbitmq.com' && o.kind === 'RabbitmqCluster') {
    const backend = o.spec?.secretBackend ?? {};
    if (!backend.externalSecret?.name && !backend.vault) {
      const plugins: string[] = o.spec?.rabbitmq?.additionalPlugins ?? [];
      add('RabbitMQ cluster operator', `${name}-default-user`, [...RABBITMQ_DEFAULT_USER_KEYS, ...plugins.flatMap(p => (RABBITMQ_PLUGIN_PORT_KEYS[p] ? [RABBITMQ_PLUGIN_PORT_KEYS[p]] : []))]);
    }
    add('RabbitMQ cluster operator', `${name}-erlang-cookie`, ['.erlang.cookie']);
  }
  if (group === 'cert-manager.io' && o.kind === 'Certificate') {
    // ca.crt only when the issuer has a CA to give (ACME issuers do not), so it is not promised.
    add('cert-manager', o.spec?.secretName, TLS_KEYS);
  }
  const shim = CERT_MANAGER_SHIM_ANNOTATIONS.some(a => o.metadata?.annotations?.[a]);
  if (shim && o.kind === 'Ingress') {
    for (const tls of o.spec?.tls ?? []) { add('cert-manager', tls.secretName, TLS_KEYS); }
  }
  if (shim && group === 'gateway.networking.k8s.io' && o.kind === 'Gateway') {
    for (const listener of o.spec?.listeners ?? []) {
      for (const ref of listener.tls?.certificateRefs ?? []) {
        if ((ref.kind ?? 'Secret') === 'Secret' && !ref.namespace) { add('cert-manager', ref.name, TLS_KEYS); }
      }
    }
  }
  if (o.kind === 'Secret' && o.apiVersion === 'v1') {
    add('the manifest', name, [...Object.keys(o.data ?? {}), ...Object.keys(o.stringData ?? {})]);
  }
  return dedupe(out);
}

/**
 * The keys an ExternalSecret's Secret will hold: `spec.data[].secretKey`; with a template, the
 * templated keys (plus the fetched ones when it merges); unknown with `dataFrom` or `templateFrom`.
 */
function externalSecretKeys(spec: any): string[] | undefined {
  const template = spec.target?.template;
  if ((spec.dataFrom ?? []).length > 0 || (template?.templateFrom ?? []).length > 0) { return undefined; }
  const fetched: string[] = (spec.data ?? []).map((d: any) => d.secretKey);
  if (!template?.data) { return fetched; }
  // External Secrets' default template merge policy is Replace: only the templated keys remain.
  return [...Object.keys(template.data), ...(template.mergePolicy === 'Merge' ? fetched : [])];
}

/**
 * Whether CloudNativePG creates `<cluster>-app` (api/v1 ShouldCreateApplicationSecret): when
 * bootstrapping creates the application database and no Secret of the user's is named. With no
 * bootstrap section the operator's defaulting webhook bootstraps initdb with database `app`,
 * owner `app`; an initdb without them is given the same defaults. Recovery and pg_basebackup
 * create it only when both database and owner are given, and never for a replica cluster.
 */
function cnpgGeneratesAppSecret(spec: any): boolean {
  const bootstrap = spec.bootstrap;
  if (!bootstrap || bootstrap.initdb) { return !bootstrap?.initdb?.secret?.name; }
  if (spec.replica?.enabled) { return false; }
  const method = bootstrap.recovery ?? bootstrap.pg_basebackup;
  return Boolean(method?.database && method?.owner && !method?.secret?.name);
}

function dedupe(list: ProducedSecret[]): ProducedSecret[] {
  const seen = new Set<string>();
  return list.filter(p => !seen.has(p.secretName) && seen.add(p.secretName));
}

/** Every Secret produced in each namespace of each environment, from the rendered objects. */
export class SecretProducerIndex {
  private readonly byNamespace = new Map<string, Map<string, ProducedSecret[]>>();

  /** Indexes what `object`, rendered for `env`, produces; returns it. */
  public add(env: string, object: any): readonly ProducedSecret[] {
    const where = `${env}/${object.metadata?.namespace}`;
    let secrets = this.byNamespace.get(where);
    if (!secrets) {
      secrets = new Map();
      this.byNamespace.set(where, secrets);
    }
    const produced = producedSecrets(object);
    for (const p of produced) {
      secrets.set(p.secretName, [...(secrets.get(p.secretName) ?? []), p]);
    }
    return produced;
  }

  /** The producers of `secretName` in `namespace` of `env` (more than one is a conflict). */
  public producersOf(env: string, namespace: string, secretName: string): readonly ProducedSecret[] {
    return this.byNamespace.get(`${env}/${namespace}`)?.get(secretName) ?? [];
  }
}
