import { apiGroupOf } from '../core/api-group';
import { podSpecOf } from '../review/pod-spec';

/** How an object reads a Secret. */
export type SecretReadVia =
  /** Into a container's environment (env valueFrom, envFrom): read once, at container start. */
  | 'env'
  /** Mounted as files (a secret or projected volume): the kubelet refreshes them in place. */
  | 'volume'
  /** By a controller that acts on the object (an ingress controller, an operator). */
  | 'controller';

/** One Secret an object needs, as rendered. */
export interface SecretRead {
  /** The Secret's name (in the object's namespace). */
  readonly secretName: string;
  /** The keys it must hold; undefined when the Secret is read whole (envFrom, a volume without items). */
  readonly keys?: readonly string[];
  /** Where in the object, e.g. `container api env JWT_SECRET`. */
  readonly where: string;
  readonly via: SecretReadVia;
}

/** The two keys every TLS Secret holds (kubernetes.io/tls). */
export const TLS_KEYS = ['tls.crt', 'tls.key'] as const;

/**
 * Every Secret an object reads that must exist for it to work, as the kubelet, a controller
 * or an operator would look it up. References marked `optional: true` are left out: the pod
 * starts without them.
 */
export function secretReads(o: any): SecretRead[] {
  const reads: SecretRead[] = [];
  const pod = podSpecOf(o);
  if (pod) { reads.push(...podReads(pod)); }
  if (o.kind === 'Ingress') {
    for (const tls of o.spec?.tls ?? []) {
      if (tls.secretName) {
        reads.push({ secretName: tls.secretName, keys: TLS_KEYS, where: `tls for ${(tls.hosts ?? []).join(', ') || 'the default host'}`, via: 'controller' });
      }
    }
  }
  if (o.kind === 'Gateway' && typeof o.apiVersion === 'string' && o.apiVersion.startsWith('gateway.networking.k8s.io/')) {
    // A listener's certificate, read by the Gateway's implementation (same-namespace refs only;
    // another namespace's needs a ReferenceGrant there).
    for (const listener of o.spec?.listeners ?? []) {
      for (const ref of listener.tls?.certificateRefs ?? []) {
        if ((ref.kind ?? 'Secret') === 'Secret' && (ref.group ?? '') === '' && !ref.namespace) {
          reads.push({ secretName: ref.name, keys: TLS_KEYS, where: `listener ${listener.name} certificate`, via: 'controller' });
        }
      }
    }
  }
  reads.push(...operatorReads(o));
  return reads;
}

/** What the containers and volumes of a pod spec read. */
function podReads(pod: any): SecretRead[] {
  const reads: SecretRead[] = [];
  const containers = [...(pod.initContainers ?? []), ...(pod.containers ?? []), ...(pod.ephemeralContainers ?? [])];
  for (const c of containers) {
    for (const e of c.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef;
      if (ref && !ref.optional) {
        reads.push({ secretName: ref.name, keys: [ref.key], where: `container ${c.name} env ${e.name}`, via: 'env' });
      }
    }
    for (const from of c.envFrom ?? []) {
      if (from.secretRef && !from.secretRef.optional) {
        reads.push({ secretName: from.secretRef.name, where: `container ${c.name} envFrom`, via: 'env' });
      }
    }
  }
  for (const v of pod.volumes ?? []) {
    if (v.secret && !v.secret.optional) {
      reads.push({ secretName: v.secret.secretName, keys: itemKeys(v.secret.items), where: `volume ${v.name}`, via: 'volume' });
    }
    for (const source of v.projected?.sources ?? []) {
      if (source.secret && !source.secret.optional) {
        reads.push({ secretName: source.secret.name, keys: itemKeys(source.secret.items), where: `volume ${v.name}`, via: 'volume' });
      }
    }
  }
  return reads;
}

function itemKeys(items: any[] | undefined): string[] | undefined {
  return items?.length ? items.map(i => i.key) : undefined;
}

/**
 * Secrets the datastore operators read from their custom resources: `secretKeyRef`s (env of
 * the pods they make, Sentinel's replication password) and the Redis operator's
 * `redisSecret: {name, key}`, wherever they sit in the spec; CloudNativePG's user-supplied
 * credentials (basic-auth Secrets with `username` and `password`); RabbitMQ's external
 * default-user Secret. Argo CD and External Secrets objects are left out: their references
 * point into other namespaces or at the secret manager.
 */
function operatorReads(o: any): SecretRead[] {
  const group = apiGroupOf(o.apiVersion);
  if (!group.includes('.') || group === 'argoproj.io' || group === 'external-secrets.io' || !o.spec) { return []; }
  const reads: SecretRead[] = [];
  const walk = (value: any, path: string): void => {
    if (Array.isArray(value)) { value.forEach((v, i) => walk(v, `${path}[${i}]`)); return; }
    if (!value || typeof value !== 'object') { return; }
    for (const [k, v] of Object.entries<any>(value)) {
      const here = `${path}.${k}`;
      if ((k === 'secretKeyRef' || k === 'redisSecret') && v?.name && v?.key && !v.optional) {
        reads.push({ secretName: v.name, keys: [v.key], where: here, via: 'controller' });
      } else {
        walk(v, here);
      }
    }
  };
  walk(o.spec, 'spec');
  if (group === 'postgresql.cnpg.io' && o.kind === 'Cluster') {
    const basicAuth = (name: string | undefined, where: string) => {
      if (name) { reads.push({ secretName: name, keys: ['username', 'password'], where, via: 'controller' }); }
    };
    for (const method of ['initdb', 'recovery', 'pg_basebackup']) {
      basicAuth(o.spec.bootstrap?.[method]?.secret?.name, `spec.bootstrap.${method}.secret`);
    }
    basicAuth(o.spec.superuserSecret?.name, 'spec.superuserSecret');
    (o.spec.managed?.roles ?? []).forEach((r: any, i: number) => basicAuth(r.passwordSecret?.name, `spec.managed.roles[${i}].passwordSecret`));
  }
  if (group === 'monitoring.coreos.com' && o.kind === 'AlertmanagerConfig') {
    reads.push(...alertmanagerConfigReads(o.spec));
  }
  if (group === 'rabbitmq.com' && o.kind === 'RabbitmqCluster' && o.spec.secretBackend?.externalSecret?.name) {
    reads.push({ secretName: o.spec.secretBackend.externalSecret.name, where: 'spec.secretBackend.externalSecret', via: 'controller' });
  }
  return reads;
}

/**
 * The Secrets an AlertmanagerConfig's receivers read: prometheus-operator's SecretKeySelectors
 * (`{name, key}`: PagerDuty's routingKey, Slack's apiURL, e-mail's authPassword, TLS keys, …)
 * in the object's namespace, which the operator copies into Alertmanager's configuration.
 * A `{name, key}` under `configMap` is a ConfigMap's, not a Secret's.
 */
function alertmanagerConfigReads(spec: any): SecretRead[] {
  const reads: SecretRead[] = [];
  const walk = (value: any, path: string, parentKey: string): void => {
    if (Array.isArray(value)) { value.forEach((v, i) => walk(v, `${path}[${i}]`, parentKey)); return; }
    if (!value || typeof value !== 'object') { return; }
    if (typeof value.name === 'string' && typeof value.key === 'string' && parentKey !== 'configMap' && !value.optional) {
      reads.push({ secretName: value.name, keys: [value.key], where: path, via: 'controller' });
      return;
    }
    for (const [k, v] of Object.entries<any>(value)) { walk(v, `${path}.${k}`, k); }
  };
  walk(spec.receivers, 'spec.receivers', 'receivers');
  return reads;
}
