import { looksSecret } from '../config/secret-names';
import { isValidLabelValue } from '../core/labels';
import { LabelIndex, SelectorIndex, selects } from '../core/selectors';
import { operatorPods } from '../datastores/operator-pods';
import { IMPLEMENTATIONS } from '../gateway/implementations';
import { ProducedSecret, SecretProducerIndex } from '../secrets/secret-producers';
import { SecretRead, secretReads } from '../secrets/secret-readers';
import { Edge } from '../environments/environment';
import { ENVIRONMENTS } from '../environments/settings';
import { EdgeIndex, edgeProblems } from './edge-checks';
import { kubeScoreIgnores } from './kube-score-ignore';
import { schemaErrors } from './schema-validation';
import { fieldSource, isKnownKind, unknownFields } from './unknown-fields';

/** A manifest as rendered, with the environment it belongs to. */
export interface Manifest {
  /** File path under dist/, e.g. `production/novacron/deployment-api-server-blue.yaml`. */
  readonly file: string;
  readonly env: string;
  readonly object: any;
}

/** One violation: which object, which check, and how to fix it. */
export interface Finding {
  readonly file: string;
  readonly object: string;
  readonly check: string;
  readonly message: string;
  readonly fix: string;
  /** Set when the object declares an exemption for this check (it then does not fail). */
  readonly exemptBecause?: string;
}

/** Annotation prefix an object uses to exempt itself from one check, with the reason as value. */
export const EXEMPT_PREFIX = 'policy.fleet.dev/exempt-';

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass', 'CustomResourceDefinition',
  'ClusterIssuer', 'ClusterSecretStore', 'GatewayClass']);
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'Job', 'CronJob', 'DaemonSet']);
const SAFE_VOLUMES = ['emptyDir', 'persistentVolumeClaim', 'configMap', 'secret', 'projected', 'downwardAPI', 'ephemeral', 'csi'];

function podTemplate(o: any): any | undefined {
  if (o.kind === 'CronJob') { return o.spec?.jobTemplate?.spec?.template; }
  return WORKLOAD_KINDS.has(o.kind) ? o.spec?.template : undefined;
}

interface Pod { readonly labels: Record<string, string>; readonly ports: any[] }

/** One system's objects, indexed once, so every cross-reference check is a lookup. */
class SystemIndex {
  private readonly byRef = new Map<string, any>();
  private readonly hpaByTarget = new Map<string, any>();
  private readonly podList: Pod[] = [];
  private indexes?: {
    pods: LabelIndex<Pod>; services: LabelIndex<any>;
    selecting: Record<'Service' | 'NetworkPolicy' | 'PodDisruptionBudget', SelectorIndex<any>>;
  };
  private readonly objects: any[] = [];

  public add(o: any): void {
    this.objects.push(o);
    this.byRef.set(`${o.kind}/${o.metadata?.name}`, o);
    if (o.kind === 'HorizontalPodAutoscaler') {
      this.hpaByTarget.set(`${o.spec?.scaleTargetRef?.kind}/${o.spec?.scaleTargetRef?.name}`, o);
    }
    const t = podTemplate(o);
    if (t) { this.podList.push({ labels: t.metadata?.labels ?? {}, ports: (t.spec?.containers ?? []).flatMap((c: any) => c.ports ?? []) }); }
    // Pods an operator creates from a custom resource are selected like any others.
    for (const p of operatorPods(o)) { this.podList.push({ labels: p.labels, ports: [...p.ports] }); }
  }

  /** The object of `kind` named `name`, if rendered. */
  public get(kind: string, name: string): any | undefined {
    return this.byRef.get(`${kind}/${name}`);
  }

  /** The HPA that scales `kind`/`name`, if any. */
  public autoscalerOf(kind: string, name: string): any | undefined {
    return this.hpaByTarget.get(`${kind}/${name}`);
  }

  /** Workload pod templates a selector matches. */
  public pods(selector: Record<string, string> | undefined): Pod[] {
    return this.built().pods.select(selector);
  }

  /** Services whose own labels a selector matches. */
  public services(selector: Record<string, string> | undefined): any[] {
    return this.built().services.select(selector);
  }

  /** Objects of `kind` whose selector matches these pod labels. */
  public selecting(kind: 'Service' | 'NetworkPolicy' | 'PodDisruptionBudget', labels: Record<string, string>): any[] {
    return this.built().selecting[kind].matching(labels);
  }

  private built() {
    if (!this.indexes) {
      const of = (kind: string) => this.objects.filter(o => o.kind === kind);
      // The proxies a Gateway implementation runs for each Gateway of its class.
      const controllers = new Map(of('GatewayClass').map(c => [c.metadata?.name, c.spec?.controllerName]));
      for (const g of of('Gateway')) {
        const implementation = Object.values(IMPLEMENTATIONS).find(i => i.controllerName === controllers.get(g.spec?.gatewayClassName));
        if (implementation) {
          const pods = implementation.proxyPods(g.metadata?.namespace, g.metadata?.name);
          this.podList.push({ labels: pods.labels, ports: [...pods.ports] });
        }
      }
      this.indexes = {
        pods: new LabelIndex(this.podList, p => p.labels),
        services: new LabelIndex(of('Service'), s => s.metadata?.labels),
        selecting: {
          Service: new SelectorIndex(of('Service'), s => s.spec?.selector),
          NetworkPolicy: new SelectorIndex(of('NetworkPolicy'), s => s.spec?.podSelector?.matchLabels),
          PodDisruptionBudget: new SelectorIndex(of('PodDisruptionBudget'), s => s.spec?.selector?.matchLabels),
        },
      };
    }
    return this.indexes;
  }
}

/** What the gate knows of each environment beyond its manifests. */
export interface CheckOptions {
  /**
   * Each environment's edge and ingress-nginx class, by environment name (the first folder of
   * a manifest's path).
   * @default - lib/environments/settings.ts
   */
  readonly edges?: Readonly<Record<string, { readonly edge: Edge; readonly ingressClassName: string }>>;
}

/**
 * Checks every rendered object: Pod Security "restricted", kube-score's default checks,
 * cross-references between objects, the edge (lib/policy/edge-checks.ts), and hygiene. Pure:
 * takes manifests, returns findings.
 */
export function checkManifests(manifests: readonly Manifest[], options: CheckOptions = {}): Finding[] {
  const findings: Finding[] = [];
  const edges: Readonly<Record<string, { readonly edge: Edge; readonly ingressClassName: string }>> = options.edges ?? ENVIRONMENTS;
  // Cross-references are checked within one system of one environment (one dist/ folder);
  // the edge's across the environment (its Gateway is the platform's, its routes the systems').
  const systems = new Map<string, SystemIndex>();
  const edgeIndexes = new Map<string, EdgeIndex>();
  // Secrets are looked up where the kubelet and the controllers look: in the object's namespace.
  const secrets = new SecretProducerIndex();
  const produced = new Map<any, readonly ProducedSecret[]>();
  for (const m of manifests) {
    const dir = m.file.split('/').slice(0, 2).join('/');
    const sys = systems.get(dir) ?? new SystemIndex();
    sys.add(m.object);
    systems.set(dir, sys);
    produced.set(m.object, secrets.add(m.env, m.object));
    if (!edgeIndexes.has(m.env)) { edgeIndexes.set(m.env, new EdgeIndex()); }
    edgeIndexes.get(m.env)!.add(m.object);
  }
  for (const m of manifests) {
    const o = m.object;
    const id = `${o.kind}/${o.metadata?.name}`;
    // A check kube-score is told to skip (with our recorded reason) is skipped here too.
    const exemptions: Record<string, string> = {
      ...Object.fromEntries(kubeScoreIgnores(o.metadata?.annotations)),
      ...Object.fromEntries(Object.entries(o.metadata?.annotations ?? {})
        .filter(([k]) => k.startsWith(EXEMPT_PREFIX)).map(([k, v]) => [k.slice(EXEMPT_PREFIX.length), String(v)])),
    };
    const report = (check: string, message: string, fix: string) =>
      findings.push({ file: m.file, object: id, check, message, fix, ...(exemptions[check] ? { exemptBecause: exemptions[check] } : {}) });
    const system = systems.get(m.file.split('/').slice(0, 2).join('/'))!;
    const ha = m.env === 'staging' || m.env === 'production';

    // Schemas: the whole object against its kubernetes-models schema, then the strict pass
    // for fields Kubernetes 1.27 (or the CRD) does not define, which the API server would drop.
    for (const error of schemaErrors(o)) {
      report('schema', error, `make the value match the ${o.apiVersion} ${o.kind} schema`);
    }
    if (!isKnownKind(o.apiVersion, o.kind)) {
      report('unknown-field', `${o.apiVersion} ${o.kind} is not a kind of the Kubernetes 1.27 API or of a CRD in imports/`, 'use a 1.27 apiVersion, or add the CRD to scripts/generate-field-index.js');
    }
    for (const u of unknownFields(o)) {
      report('unknown-field', `${u.path} is not a field of ${o.apiVersion} ${o.kind} in ${fieldSource(o.apiVersion, o.kind)}`,
        u.suggestions.length ? `rename it to ${u.suggestions.map(f => u.path.replace(/[^.]+$/, f)).join(' or ')}` : 'remove it; the API server would drop it silently');
    }

    // Hygiene
    if (!CLUSTER_SCOPED.has(o.kind) && !o.metadata?.namespace) {
      report('namespace', 'has no metadata.namespace', 'set the namespace so the object cannot land in "default"');
    }
    for (const [k, v] of Object.entries<string>(o.metadata?.labels ?? {})) {
      if (!isValidLabelValue(v)) { report('label-values', `label ${k}="${v}" is not a valid label value`, 'shorten or sanitise the value'); }
    }
    if (o.kind === 'Secret' && (o.data || o.stringData)) {
      report('secret-data', 'is a Secret with data in git', 'create the Secret outside the repo and reference it by name and key');
    }
    // Every Secret (and key) the object reads is produced in its namespace, by exactly one object.
    const namespace = o.metadata?.namespace;
    for (const read of secretReads(o)) {
      const problem = unproducedRead(read, namespace, secrets.producersOf(m.env, namespace, read.secretName));
      if (problem) { report('secret-produced', problem.message, problem.fix); }
    }
    for (const p of produced.get(o) ?? []) {
      const others = secrets.producersOf(m.env, namespace, p.secretName).filter(q => q.by !== p.by);
      if (others.length) {
        report('secret-produced', `produces Secret ${p.secretName}, which ${others.map(q => q.by).join(' and ')} also produce${others.length > 1 ? '' : 's'}`,
          'let one object produce it: the producers would overwrite each other\'s keys (or refuse to, leaving the Secret stale)');
      }
    }
    const envEdge = Object.prototype.hasOwnProperty.call(edges, m.env) ? edges[m.env] : undefined;
    for (const p of edgeProblems(o, envEdge?.edge, envEdge?.ingressClassName, edgeIndexes.get(m.env)!)) {
      report(p.check, p.message, p.fix);
    }
    if (o.kind === 'Service' && (o.spec?.type === 'NodePort' || o.spec?.type === 'LoadBalancer')) {
      report('service-type', `is a ${o.spec.type} Service`, 'use ClusterIP behind the ingress controller');
    }

    const template = podTemplate(o);
    if (template) {
      const pod = template.spec ?? {};
      const podLabels = template.metadata?.labels ?? {};
      // Pod Security Standards "restricted"
      if (pod.hostNetwork || pod.hostPID || pod.hostIPC) {
        report('pss-restricted', 'shares a host namespace', 'remove hostNetwork/hostPID/hostIPC');
      }
      for (const v of pod.volumes ?? []) {
        if (!SAFE_VOLUMES.some(t => t in v)) {
          report('pss-restricted', `volume ${v.name} is not an allowed volume type`, `use one of ${SAFE_VOLUMES.join(', ')}`);
        }
      }
      const containers = [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
      for (const c of containers) {
        const sc = c.securityContext ?? {};
        const where = `container ${c.name}`;
        if (!(sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot)) { report('pss-restricted', `${where} may run as root`, 'set runAsNonRoot: true'); }
        if (sc.allowPrivilegeEscalation !== false) { report('pss-restricted', `${where} allows privilege escalation`, 'set allowPrivilegeEscalation: false'); }
        if (sc.privileged) { report('pss-restricted', `${where} is privileged`, 'remove privileged'); }
        if (!(sc.capabilities?.drop ?? []).includes('ALL') || (sc.capabilities?.add ?? []).some((a: string) => a !== 'NET_BIND_SERVICE')) {
          report('pss-restricted', `${where} does not drop ALL capabilities`, 'set capabilities.drop: [ALL]');
        }
        const seccomp = sc.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
        if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') { report('pss-restricted', `${where} has no seccomp profile`, 'set seccompProfile.type: RuntimeDefault'); }
        // kube-score defaults
        for (const kind of ['requests', 'limits']) {
          for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
            if (!c.resources?.[kind]?.[r]) { report('container-resources', `${where} has no ${r} ${kind}`, `set resources.${kind}.${r}`); }
          }
        }
        const tag = /:([^/:@]+)$/.exec(c.image ?? '')?.[1];
        if (!/@sha256:/.test(c.image ?? '') && (!tag || tag === 'latest')) {
          report('container-image-tag', `${where} image "${c.image}" has no pinned tag`, 'pin an explicit version tag');
        }
        if (c.imagePullPolicy !== 'Always') { report('container-image-pull-policy', `${where} imagePullPolicy is not Always`, 'set imagePullPolicy: Always'); }
        if (sc.readOnlyRootFilesystem !== true) { report('container-security-context-readonlyrootfilesystem', `${where} has a writable root filesystem`, 'set readOnlyRootFilesystem: true and mount emptyDirs where it writes'); }
        const uid = sc.runAsUser ?? pod.securityContext?.runAsUser;
        const gid = sc.runAsGroup ?? pod.securityContext?.runAsGroup;
        if (!(uid > 10000) || !(gid > 10000)) { report('container-security-context-user-group-id', `${where} runs as uid ${uid} gid ${gid}`, 'run as a user and group above 10000'); }
        if (c.readinessProbe && c.livenessProbe && probesCheckSameThing(c.readinessProbe, c.livenessProbe)) {
          report('pod-probes-identical', `${where} has readiness and liveness probes that check the same endpoint`, 'give liveness its own endpoint, or make it a TCP check');
        }
        const names = (c.env ?? []).map((e: any) => e.name);
        if (new Set(names).size !== names.length) { report('environment-variable-key-duplication', `${where} sets an env var twice`, 'remove the duplicate'); }
        for (const e of c.env ?? []) {
          if (e.value !== undefined && looksSecret(e.name)) {
            report('secret-literal', `${where} env ${e.name} holds a literal value`, 'reference a Secret key (valueFrom.secretKeyRef)');
          }
        }
      }
      if (o.spec?.selector?.matchLabels && !selects(o.spec.selector.matchLabels, podLabels)) {
        report('deployment-selector-matches', 'selector does not match the pod template labels', 'make the template carry every selector label');
      }
      const behindService = system.selecting('Service', podLabels).length > 0;
      if (behindService && !(pod.containers ?? []).every((c: any) => c.readinessProbe)) {
        report('pod-probes', 'pods behind a Service have no readiness probe', 'add a readiness probe');
      }
      const covered = system.selecting('NetworkPolicy', podLabels).length > 0;
      if (!covered) { report('pod-networkpolicy', 'no NetworkPolicy selects its pods', 'give the workload a NetworkPolicy'); }

      if (o.kind === 'Deployment' || o.kind === 'StatefulSet') {
        const hpa = system.autoscalerOf(o.kind, o.metadata.name);
        if (hpa && o.spec.replicas !== undefined) {
          report('deployment-has-host-podantiaffinity-replicas', 'is autoscaled but sets spec.replicas', 'remove spec.replicas so Argo CD and the HPA do not fight');
        }
        const running = hpa ? hpa.spec.minReplicas : (o.spec.replicas ?? 1);
        if (ha && running > 0) {
          const pdb = system.selecting('PodDisruptionBudget', podLabels).length > 0;
          if (!pdb) { report('poddisruptionbudget', `has no PodDisruptionBudget in ${m.env}`, 'add a PDB'); }
          const spread = (pod.topologySpreadConstraints ?? []).some((t: any) => t.topologyKey === 'kubernetes.io/hostname')
            || pod.affinity?.podAntiAffinity;
          if (!spread) { report('pod-topology-spread', `is not spread across nodes in ${m.env}`, 'add a kubernetes.io/hostname topology spread constraint'); }
        }
      }
      if (o.kind === 'StatefulSet') {
        const svc = system.get('Service', o.spec.serviceName);
        if (!svc || svc.spec.clusterIP !== 'None') {
          report('statefulset-has-servicename', `serviceName "${o.spec.serviceName}" is not a headless Service`, 'render a headless Service (clusterIP: None) with that name');
        }
      }
      if (o.kind === 'CronJob' && !(o.spec.startingDeadlineSeconds > 0)) {
        report('cronjob-has-deadline', 'has no startingDeadlineSeconds', 'set startingDeadlineSeconds');
      }
    }

    if (o.kind === 'HorizontalPodAutoscaler') {
      const ref = o.spec.scaleTargetRef;
      if (!system.get(ref.kind, ref.name)) {
        report('horizontalpodautoscaler-has-target', `targets ${ref.kind}/${ref.name}, which is not rendered`, 'point it at an existing workload');
      }
      if (ha && o.spec.minReplicas < 2) {
        report('horizontalpodautoscaler-replicas', `minReplicas ${o.spec.minReplicas} in ${m.env}`, 'use at least 2');
      }
    }
    if (o.kind === 'Service') {
      const selected = system.pods(o.spec.selector);
      if (selected.length === 0) { report('service-targets-pod', 'selects no pods', 'fix the selector'); }
      for (const port of o.spec.ports ?? []) {
        if (typeof port.targetPort === 'string' && !selected.some(p => p.ports.some((cp: any) => cp.name === port.targetPort))) {
          report('service-targets-pod', `targetPort "${port.targetPort}" is not a named container port of its pods`, 'name the container port or fix targetPort');
        }
      }
    }
    if (o.kind === 'PodDisruptionBudget' && system.pods(o.spec.selector?.matchLabels).length === 0) {
      report('poddisruptionbudget-selects', 'selects no pods', 'fix the selector');
    }
    if (o.kind === 'NetworkPolicy' && system.pods(o.spec.podSelector?.matchLabels).length === 0) {
      report('networkpolicy-targets-pod', 'selects no pods', 'fix the podSelector or remove the policy');
    }
    if (o.kind === 'Ingress') {
      for (const rule of o.spec.rules ?? []) {
        for (const p of rule.http?.paths ?? []) {
          const b = p.backend.service;
          const svc = system.get('Service', b.name);
          if (!svc || !(svc.spec.ports ?? []).some((sp: any) => sp.port === b.port.number || sp.name === b.port.name)) {
            report('ingress-targets-service', `${rule.host}${p.path} routes to ${b.name}:${b.port.number ?? b.port.name}, which does not exist`, 'route to an existing Service port');
          }
        }
      }
    }
    for (const p of operatorPods(o)) {
      if (system.selecting('NetworkPolicy', p.labels).length === 0) {
        report('pod-networkpolicy', 'no NetworkPolicy selects the pods its operator creates', 'give the datastore a NetworkPolicy');
      }
    }
    if (o.kind === 'PodMonitor') {
      const pods = system.pods(o.spec.selector?.matchLabels);
      if (pods.length === 0) { report('podmonitor-selects', 'selects no pods', 'fix the selector'); }
      for (const ep of o.spec.podMetricsEndpoints ?? []) {
        if (ep.port !== undefined && !pods.every(p => p.ports.some((cp: any) => cp.name === ep.port))) {
          report('podmonitor-port', `endpoint port "${ep.port}" is not a named container port of every selected pod`, 'name the container port');
        }
      }
    }
    if (o.kind === 'ServiceMonitor') {
      // matchLabels, then the DoesNotExist expressions our ServiceMonitors use to skip color Services.
      const services = system.services(o.spec.selector?.matchLabels).filter(s => (o.spec.selector?.matchExpressions ?? [])
        .every((e: any) => e.operator !== 'DoesNotExist' || s.metadata?.labels?.[e.key] === undefined));
      if (services.length === 0) { report('servicemonitor-selects', 'selects no Service', 'fix the selector'); }
      for (const ep of o.spec.endpoints ?? []) {
        if (!services.every(s => (s.spec.ports ?? []).some((p: any) => p.name === ep.port))) {
          report('servicemonitor-port', `endpoint port "${ep.port}" is not a named port of every selected Service`, 'name the Service port');
        }
      }
    }
  }
  return findings;
}

/**
 * Why `read` cannot be satisfied by what its namespace produces (nothing, or a producer
 * without the key), with the fix; undefined when it can.
 */
function unproducedRead(read: SecretRead, namespace: string, producers: readonly ProducedSecret[]): { message: string; fix: string } | undefined {
  const keys = read.keys ?? [];
  const what = `${read.where} reads ${keys.length ? `key${keys.length > 1 ? 's' : ''} ${keys.join(', ')} of ` : ''}Secret ${read.secretName}`;
  if (producers.length === 0) {
    const tls = read.via === 'controller' && keys.includes('tls.crt');
    return {
      message: `${what}, which nothing in namespace ${namespace} produces`,
      fix: tls
        ? 'annotate the Ingress or Gateway with cert-manager.io/cluster-issuer (cert-manager\'s ingress-shim or gateway-shim then issues the certificate into it), or render a Certificate with that secretName'
        : `render its producer in ${namespace}: read it through SecretReference.fromName('${read.secretName}') (an ExternalSecret is rendered for the keys read), or point the reader at a Secret an operator generates (CloudNativePG <cluster>-app, RabbitMQ <cluster>-default-user)`,
    };
  }
  // With several producers (itself a finding) a key any of them makes counts as produced.
  const missing = keys.filter(k => producers.every(p => p.keys !== undefined && !p.keys.has(k)));
  if (missing.length === 0) { return undefined; }
  const producer = producers[0];
  const has = [...producer.keys ?? []].sort();
  return {
    message: `${read.where} reads key${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of Secret ${read.secretName}, which ${producer.by} produces without ${missing.length > 1 ? 'them' : 'it'} (it holds ${has.join(', ') || 'no keys'})`,
    fix: producer.by.startsWith('ExternalSecret/')
      ? `read the key through SecretReference.fromName('${read.secretName}').key('${missing[0]}') so the ExternalSecret fetches it, or read one of the keys it holds`
      : `read one of the keys ${producer.by} writes: ${has.join(', ')}`,
  };
}

/**
 * kube-score's pod-probes-identical, as kube-score judges it: the same HTTP path and port, the
 * same TCP port, or the same command. Timing does not count.
 */
function probesCheckSameThing(r: any, l: any): boolean {
  // kube-score compares ports as numbers and reads a named port as 0.
  const portNumber = (p: unknown) => (typeof p === 'number' ? p : 0);
  if (r.httpGet && l.httpGet) { return r.httpGet.path === l.httpGet.path && portNumber(r.httpGet.port) === portNumber(l.httpGet.port); }
  if (r.tcpSocket && l.tcpSocket) { return r.tcpSocket.port === l.tcpSocket.port; }
  if (r.exec && l.exec) { return JSON.stringify(r.exec.command) === JSON.stringify(l.exec.command); }
  return false;
}

/** The findings that fail a synth: every one not exempted. */
export function failing(findings: readonly Finding[]): Finding[] {
  return findings.filter(f => !f.exemptBecause);
}

/** A readable report: one line per finding, object, check and fix. */
export function formatFindings(findings: readonly Finding[]): string {
  return findings.map(f => `${f.exemptBecause ? 'EXEMPT' : 'FAIL'} ${f.file} ${f.object} [${f.check}] ${f.message}. Fix: ${f.fix}${f.exemptBecause ? ` (exempt: ${f.exemptBecause})` : ''}`).join('\n');
}
