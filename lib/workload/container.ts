import { IConstruct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { byCodeUnit, checkDnsLabel, checkPositiveInt, checkUnique } from '../core/checks';
import { checkEnvVarName } from '../core/env-vars';
import { fail } from '../core/errors';
import { checkImage } from '../core/image';
import { checkMountPaths } from '../core/mounts';
import { checkPort, checkPortName, checkProtocol, checkUniquePorts } from '../core/ports';
import { parseBytes, parseCpu } from '../core/quantity';
import { findSecretMaterial } from '../core/secret-material';
import { AppConfig } from '../config/app-config';
import { useSecretKeyReference, SecretKeyReference } from '../config/secret-reference';
import { looksSecret } from '../config/secret-names';

/** A named container port. */
export interface PortSpec {
  /** Port name (IANA service name), referenced by probes, Services and ServiceMonitors. */
  readonly name: string;
  /** Port the container listens on. */
  readonly containerPort: number;
  /**
   * Port the Service exposes.
   * @default - the container port
   */
  readonly servicePort?: number;
  /**
   * Protocol.
   * @default 'TCP'
   */
  readonly protocol?: 'TCP' | 'UDP';
}

/** Amounts of cpu, memory and ephemeral storage. */
export interface ResourceAmounts {
  /** CPU in cores or millicores, e.g. "500m", "2". */
  readonly cpu: string;
  /** Memory with a binary suffix, e.g. "512Mi". */
  readonly memory: string;
  /**
   * Node-local scratch space (logs, emptyDir volumes).
   * @default - 128Mi requested, 1Gi limit
   */
  readonly ephemeralStorage?: string;
}

/** Requests and limits; both are required so the scheduler and the OOM killer agree. */
export interface ResourceSpec {
  /** What the scheduler reserves. */
  readonly requests: ResourceAmounts;
  /** The ceiling; each limit must be at least its request. */
  readonly limits: ResourceAmounts;
}

/** A probe: an HTTP GET (give `path`), a TCP connect (`tcp: true`) or a command (`exec`). */
export interface HttpProbeSpec {
  /**
   * HTTP GET path, e.g. `/health/ready`.
   * @default - not an HTTP probe
   */
  readonly path?: string;
  /**
   * Open a TCP connection to the port instead (datastores without HTTP).
   * @default false
   */
  readonly tcp?: boolean;
  /**
   * Run this command in the container instead; exit 0 is healthy.
   * @default - not a command probe
   */
  readonly exec?: string[];
  /**
   * Named container port to probe (HTTP and TCP probes).
   * @default 'http'
   */
  readonly port?: string;
  /**
   * Seconds before the first probe.
   * @default 0
   */
  readonly initialDelaySeconds?: number;
  /**
   * Seconds between probes.
   * @default 10
   */
  readonly periodSeconds?: number;
  /**
   * Seconds before a probe times out.
   * @default 2
   */
  readonly timeoutSeconds?: number;
  /**
   * Consecutive failures before the probe fails.
   * @default 3
   */
  readonly failureThreshold?: number;
}

/** The three probes. Readiness and liveness must differ, so a slow dependency never restarts pods. */
export interface ProbeSpec {
  /**
   * Holds liveness and readiness off until the app has started.
   * @default - none
   */
  readonly startup?: HttpProbeSpec;
  /** Whether the pod receives traffic. */
  readonly readiness: HttpProbeSpec;
  /** Whether the container is restarted. */
  readonly liveness: HttpProbeSpec;
}

/** A persistent volume claim mounted into the container. */
export interface ClaimMountSpec {
  /** Volume name inside the pod. */
  readonly name: string;
  /** Existing PersistentVolumeClaim name. */
  readonly claimName: string;
  /** Where it is mounted. */
  readonly mountPath: string;
  /**
   * Mount read-only.
   * @default false
   */
  readonly readOnly?: boolean;
}

/** What runs in the main container of a workload. */
export interface ContainerSpecProps {
  /** Image with an explicit tag or digest; `latest` and untagged images are refused. */
  readonly image: string;
  /**
   * Named ports.
   * @default - none
   */
  readonly ports?: PortSpec[];
  /** Requests and limits for cpu, memory and ephemeral storage. */
  readonly resources: ResourceSpec;
  /**
   * Probes.
   * @default - none (workloads behind a Service require them)
   */
  readonly probes?: ProbeSpec;
  /**
   * Literal, non-secret environment variables.
   * @default - none
   */
  readonly env?: Record<string, string>;
  /**
   * ConfigMaps whose keys become environment variables.
   * @default - none
   */
  readonly envFrom?: AppConfig[];
  /**
   * Environment variables taken from Secret keys (by reference, never by value).
   * @default - none
   */
  readonly secretEnv?: Record<string, SecretKeyReference>;
  /**
   * Paths that must be writable; each gets an emptyDir so the root filesystem stays read-only.
   * @default ['/tmp']
   */
  readonly writablePaths?: string[];
  /**
   * Persistent volume claims to mount.
   * @default - none
   */
  readonly claims?: ClaimMountSpec[];
  /**
   * Entrypoint override.
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /**
   * Arguments.
   * @default - the image's command
   */
  readonly args?: string[];
}

const DEFAULT_EPHEMERAL = { requests: '128Mi', limits: '1Gi' };

/**
 * Requests and limits as an operator's resource fields: each amount made by `request` or
 * `limit` (the imported CRD's quantity types), ephemeral storage only where it is given.
 */
export function operatorResources<R, L>(spec: ResourceSpec, request: (v: string) => R, limit: (v: string) => L) {
  const amounts = <T>(make: (v: string) => T, a: ResourceAmounts) => ({
    cpu: make(a.cpu), memory: make(a.memory),
    ...(a.ephemeralStorage ? { 'ephemeral-storage': make(a.ephemeralStorage) } : {}),
  });
  return { requests: amounts(request, spec.requests), limits: amounts(limit, spec.limits) };
}

/** Checks requests and limits: both given for cpu and memory, valid quantities, each limit at least its request. */
export function checkResources(scope: IConstruct, resources: ResourceSpec | undefined): void {
  if (!resources || !resources.requests || !resources.limits) {
    fail(scope, 'resources are missing', 'set resources.requests and resources.limits for cpu and memory');
  }
  for (const key of ['cpu', 'memory'] as const) {
    if (!resources.requests[key] || !resources.limits[key]) {
      fail(scope, `resources.requests.${key} or resources.limits.${key} is missing`,
        `set both a ${key} request and a ${key} limit`);
    }
  }
  const pairs: Array<[string, string, string]> = [
    ['cpu', resources.requests.cpu, resources.limits.cpu],
    ['memory', resources.requests.memory, resources.limits.memory],
    ['ephemeralStorage', resources.requests.ephemeralStorage ?? DEFAULT_EPHEMERAL.requests,
      resources.limits.ephemeralStorage ?? DEFAULT_EPHEMERAL.limits],
  ];
  for (const [key, request, limit] of pairs) {
    // cpu counts cores; memory and ephemeral storage count bytes: each has its own mistakes.
    const parse = key === 'cpu' ? parseCpu : parseBytes;
    const r = parse(scope, `resources.requests.${key}`, request);
    const l = parse(scope, `resources.limits.${key}`, limit);
    if (r <= 0) {
      fail(scope, `resources.requests.${key} "${request}" is zero`, `request a positive amount of ${key}`);
    }
    if (l < r) {
      fail(scope, `resources.limits.${key} "${limit}" is below its request "${request}"`,
        `raise the ${key} limit to at least ${request}, or lower the request`);
    }
  }
}

function checkProbe(scope: IConstruct, which: string, probe: HttpProbeSpec, portNames: Set<string>): void {
  const kinds = [probe.path !== undefined, probe.tcp === true, probe.exec !== undefined].filter(Boolean).length;
  if (kinds !== 1) {
    fail(scope, `${which} probe must be exactly one of an HTTP path, tcp or exec`, 'give path (HTTP GET), tcp: true, or an exec command');
  }
  if (probe.path !== undefined && !probe.path.startsWith('/')) {
    fail(scope, `${which} probe path "${probe.path}" does not start with "/"`, 'give an absolute HTTP path, e.g. "/health"');
  }
  if (probe.exec !== undefined && probe.exec.length === 0) {
    fail(scope, `${which} probe exec command is empty`, 'give the command and its arguments');
  }
  const port = probe.port ?? 'http';
  if (probe.exec === undefined && !portNames.has(port)) {
    fail(scope, `${which} probe port "${port}" is not a named port of the container`,
      `use one of: ${[...portNames].join(', ') || '(no ports declared)'}`);
  }
  for (const key of ['periodSeconds', 'timeoutSeconds', 'failureThreshold'] as const) {
    if (probe[key] !== undefined) {
      checkPositiveInt(scope, `${which} probe ${key}`, probe[key]!);
    }
  }
  if (probe.initialDelaySeconds !== undefined) {
    checkPositiveInt(scope, `${which} probe initialDelaySeconds`, probe.initialDelaySeconds, 0);
  }
}

function renderProbe(probe: HttpProbeSpec): k8s.Probe {
  const port = k8s.IntOrString.fromString(probe.port ?? 'http');
  return {
    ...(probe.exec ? { exec: { command: probe.exec } }
      : probe.tcp ? { tcpSocket: { port } }
        : { httpGet: { path: probe.path, port, scheme: 'HTTP' } }),
    ...(probe.initialDelaySeconds ? { initialDelaySeconds: probe.initialDelaySeconds } : {}),
    periodSeconds: probe.periodSeconds ?? 10,
    timeoutSeconds: probe.timeoutSeconds ?? 2,
    failureThreshold: probe.failureThreshold ?? 3,
  };
}

/**
 * Whether two probes check the same thing, as kube-score's pod-probes-identical judges it:
 * the same HTTP path and port, the same TCP port, or the same command. Timing does not
 * count: a liveness probe on the readiness endpoint restarts pods whenever a dependency of
 * that endpoint is slow, however long its period.
 */
function sameProbe(a: HttpProbeSpec, b: HttpProbeSpec): boolean {
  const port = (p: HttpProbeSpec) => p.port ?? 'http';
  // kube-score reads a named port as 0, so the same path on two named ports counts as the same.
  if (a.path !== undefined && b.path !== undefined) { return a.path === b.path; }
  if (a.tcp && b.tcp) { return port(a) === port(b); }
  if (a.exec && b.exec) { return a.exec.join('\0') === b.exec.join('\0'); }
  return false;
}

/** Non-root user and group (> 10000, so they never collide with a host's users). */
export const RUN_AS_USER = 10001;
export const RUN_AS_GROUP = 10001;

/** The container security context of Pod Security Standards "restricted", and a read-only root. */
export function restrictedContainerSecurity(): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    runAsUser: RUN_AS_USER,
    runAsGroup: RUN_AS_GROUP,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** A container plus the volumes it needs in its pod. */
export interface RenderedContainer {
  readonly container: k8s.Container;
  readonly volumes: k8s.Volume[];
}

/** Checks and renders a container (validation happens here, at construct time). */
export function renderContainer(
  scope: IConstruct, name: string, props: ContainerSpecProps,
  /** Prefix for the emptyDir volume names, so two containers of one pod never collide. */
  volumePrefix = 'writable',
): RenderedContainer {
  checkDnsLabel(scope, 'container name', name);
  checkImage(scope, props.image);
  checkResources(scope, props.resources);
  const ports = props.ports ?? [];
  for (const p of ports) {
    checkPortName(scope, p.name);
    checkPort(scope, `port "${p.name}" containerPort`, p.containerPort);
    if (p.servicePort !== undefined) {
      checkPort(scope, `port "${p.name}" servicePort`, p.servicePort);
    }
    checkProtocol(scope, `port "${p.name}"`, p.protocol);
  }
  checkUnique(scope, 'port name', ports.map(p => p.name));
  checkUniquePorts(scope, 'container port', ports.map(p => ({ name: p.name, port: p.containerPort, protocol: p.protocol })));
  const portNames = new Set(ports.map(p => p.name));
  if (props.probes) {
    const { startup, readiness, liveness } = props.probes;
    checkProbe(scope, 'readiness', readiness, portNames);
    checkProbe(scope, 'liveness', liveness, portNames);
    if (startup) {
      checkProbe(scope, 'startup', startup, portNames);
    }
    if (sameProbe(readiness, liveness)) {
      fail(scope, `readiness and liveness probes check the same thing (${readiness.path ? `GET ${readiness.path}` : readiness.exec ? readiness.exec.join(' ') : `TCP port "${readiness.port ?? 'http'}"`})`,
        'give liveness its own endpoint (e.g. "/health/live"), or make it a TCP check on the port ({ tcp: true }), so a failing dependency takes the pod out of rotation instead of restarting it');
    }
  }

  const env: k8s.EnvVar[] = [];
  for (const [key, value] of Object.entries(props.env ?? {})) {
    checkEnvVarName(scope, key);
    if (typeof value !== 'string') {
      fail(scope, `environment variable ${key} is ${JSON.stringify(value)}, not a string`, `quote it: ${key}: "${String(value)}"`);
    }
    const material = findSecretMaterial(value);
    if (material) {
      fail(scope, `environment variable ${key} holds ${material.what} ("${material.redacted}") as a literal value`,
        `store it in a Secret and reference it: secretEnv: { ${key}: SecretReference.fromName('...').key('${key}') }`);
    }
    if (looksSecret(key)) {
      fail(scope, `environment variable ${key} looks secret but holds a literal value`,
        `reference a Secret key instead: secretEnv: { ${key}: SecretReference.fromName('...').key('${key}') }`);
    }
    env.push({ name: key, value });
  }
  for (const [key, ref] of Object.entries(props.secretEnv ?? {})) {
    checkEnvVarName(scope, key);
    useSecretKeyReference(scope, `secretEnv ${key}`, ref);
    env.push({ name: key, valueFrom: { secretKeyRef: { name: ref.secretName, key: ref.key } } });
  }
  checkUnique(scope, 'environment variable', env.map(e => e.name));
  for (const cfg of props.envFrom ?? []) {
    for (const key of cfg.keys) {
      // The kubelet skips a ConfigMap key that is not a variable name, with only an event to say so.
      checkEnvVarName(scope, key, `a key of ConfigMap ${cfg.name}, loaded with envFrom`);
      if (env.some(e => e.name === key)) {
        fail(scope, `environment variable ${key} is set both directly and by ConfigMap ${cfg.name}`,
          'set it in one place only');
      }
    }
  }
  env.sort((a, b) => byCodeUnit(a.name, b.name));

  const volumes: k8s.Volume[] = [];
  const mounts: k8s.VolumeMount[] = [];
  const writable = props.writablePaths ?? ['/tmp'];
  checkUnique(scope, 'writable path', writable);
  writable.forEach((path, i) => {
    const volumeName = `${volumePrefix}-${i}`;
    volumes.push({ name: volumeName, emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } });
    mounts.push({ name: volumeName, mountPath: path });
  });
  for (const claim of props.claims ?? []) {
    checkDnsLabel(scope, 'volume name', claim.name);
    volumes.push({ name: claim.name, persistentVolumeClaim: { claimName: claim.claimName } });
    mounts.push({ name: claim.name, mountPath: claim.mountPath, ...(claim.readOnly ? { readOnly: true } : {}) });
  }
  checkUnique(scope, 'volume name', volumes.map(v => v.name));
  checkMountPaths(scope, name, mounts);

  const amounts = (a: ResourceAmounts, eph: string) => ({
    'cpu': k8s.Quantity.fromString(a.cpu),
    'memory': k8s.Quantity.fromString(a.memory),
    'ephemeral-storage': k8s.Quantity.fromString(a.ephemeralStorage ?? eph),
  });

  const container: k8s.Container = {
    name,
    image: props.image,
    imagePullPolicy: 'Always',
    ...(props.command ? { command: props.command } : {}),
    ...(props.args ? { args: props.args } : {}),
    ...(ports.length ? {
      ports: ports.map(p => ({ name: p.name, containerPort: p.containerPort, protocol: p.protocol ?? 'TCP' })),
    } : {}),
    ...(env.length ? { env } : {}),
    ...(props.envFrom?.length ? { envFrom: props.envFrom.map(c => ({ configMapRef: { name: c.name } })) } : {}),
    resources: {
      requests: amounts(props.resources.requests, DEFAULT_EPHEMERAL.requests),
      limits: amounts(props.resources.limits, DEFAULT_EPHEMERAL.limits),
    },
    ...(props.probes?.startup ? { startupProbe: renderProbe(props.probes.startup) } : {}),
    ...(props.probes ? {
      readinessProbe: renderProbe(props.probes.readiness),
      livenessProbe: renderProbe(props.probes.liveness),
    } : {}),
    securityContext: restrictedContainerSecurity(),
    volumeMounts: mounts,
  };
  return { container, volumes };
}
