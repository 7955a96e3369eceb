// Small controllers the simulated cluster needs and Kubernetes does not ship, each a polling
// loop against the API server (every ~250 ms):
//
// - a volume provisioner for the `standard` StorageClass (WaitForFirstConsumer). Like a CSI
//   external-provisioner it acts only on a claim the scheduler has annotated with
//   volume.kubernetes.io/selected-node, i.e. once a pod that uses the claim was scheduled; it
//   then creates a `local` PV on that node, pre-bound to the claim, and the real PV controller
//   binds the pair. A claim nobody consumes stays Pending, as on EKS, GKE and AKS. Released PVs
//   it made are deleted (reclaim policy Delete).
// - an HPA stand-in (the controller manager's HPA controller is off: there is no metrics API
//   here, and without one the real controller marks every HPA ScalingActive=False /
//   FailedGetResourceMetric, which Argo CD reads as Degraded). It does what the real one does
//   with steady metrics: keeps the target's replicas within [minReplicas, maxReplicas] (leaves
//   a target scaled to 0 alone: autoscaling is then disabled) and reports AbleToScale and
//   ScalingActive. Simulated load: the annotation sim.fleet.dev/replicas: "N" on an HPA makes
//   it scale its target to N (clamped), as if metrics asked for N.
// - the ingress controller's status writer: an ingress controller publishes the address it
//   serves an Ingress on in status.loadBalancer, and until it does Argo CD holds the Ingress
//   Progressing (so no later sync wave starts). Nothing here serves traffic; it publishes the
//   documentation address 192.0.2.10 for every Ingress of a known class.
// - the Gateway implementation's status writer (Envoy Gateway's role): a GatewayClass of its
//   controller is Accepted; each Gateway of such a class gets the address above and, per
//   listener, Accepted/Programmed/ResolvedRefs and its count of attached routes; each HTTPRoute
//   gets, per parentRef, Accepted (the Gateway and listener exist, the listener's hostname
//   matches one of the route's, its allowedRoutes admit the route's namespace) and ResolvedRefs
//   (every backend Service exists; another namespace's only with a ReferenceGrant there), each
//   condition with the route's generation as observedGeneration. That is what Argo CD's own
//   checks of these kinds read (resource_customizations/gateway.networking.k8s.io in argo-cd:
//   an HTTPRoute is Healthy once a parent reports on its current generation, Degraded when
//   Accepted or ResolvedRefs is False). Those checks ship inside Argo CD, not in gitops-engine,
//   which gitops-sync runs: there the Gateway API kinds count as Healthy, and the scenarios read
//   these conditions themselves.
// - the redis-operator's status writer: a RedisReplication gets `status.masterNode` (its first
//   pod's name) once it has existed for `sim.fleet.dev/master-after-seconds` (default 1), as the
//   operator writes it once a Redis pod answers. The fleet's Argo CD health check of the kind
//   (lib/datastores/redis-health.ts) holds the next sync wave until then.
//
// The HPA stand-in is used only when the cluster runs without the real HPA controller
// (startSimCluster's realAutoscaler: false); by default the real controller runs, fed by the
// metrics-API stand-in (metrics-apis.js).
'use strict';

const PROVISIONER = 'sim.fleet.dev/local';
const STORAGE_CLASS = 'standard';

async function provisionOnce(api) {
  const claims = await api('GET', '/api/v1/persistentvolumeclaims');
  if (claims.status !== 200) { return; }
  for (const pvc of claims.body.items) {
    const ann = pvc.metadata.annotations || {};
    const node = ann['volume.kubernetes.io/selected-node'];
    if (!node || pvc.spec.volumeName || pvc.status?.phase !== 'Pending') { continue; }
    const className = pvc.spec.storageClassName;
    if (className !== STORAGE_CLASS) { continue; }
    const name = `pvc-${pvc.metadata.uid}`;
    const pv = {
      apiVersion: 'v1', kind: 'PersistentVolume',
      metadata: { name, annotations: { 'pv.kubernetes.io/provisioned-by': PROVISIONER } },
      spec: {
        capacity: { storage: pvc.spec.resources?.requests?.storage || '1Gi' },
        accessModes: pvc.spec.accessModes || ['ReadWriteOnce'],
        volumeMode: pvc.spec.volumeMode || 'Filesystem',
        persistentVolumeReclaimPolicy: 'Delete',
        storageClassName: className,
        claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid },
        local: { path: `/sim/volumes/${name}` },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
      },
    };
    await api('POST', '/api/v1/persistentvolumes', pv); // 409 when made already: fine
  }
  const volumes = await api('GET', '/api/v1/persistentvolumes');
  if (volumes.status !== 200) { return; }
  for (const pv of volumes.body.items) {
    if (pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by'] === PROVISIONER && pv.status?.phase === 'Released' && !pv.metadata.deletionTimestamp) {
      await api('DELETE', `/api/v1/persistentvolumes/${pv.metadata.name}`);
    }
  }
}

const SCALE_PATHS = {
  Deployment: (ns, name) => `/apis/apps/v1/namespaces/${ns}/deployments/${name}/scale`,
  StatefulSet: (ns, name) => `/apis/apps/v1/namespaces/${ns}/statefulsets/${name}/scale`,
  ReplicaSet: (ns, name) => `/apis/apps/v1/namespaces/${ns}/replicasets/${name}/scale`,
};

async function autoscaleOnce(api) {
  const hpas = await api('GET', '/apis/autoscaling/v2/horizontalpodautoscalers');
  if (hpas.status !== 200) { return; }
  for (const hpa of hpas.body.items) {
    const ns = hpa.metadata.namespace;
    const ref = hpa.spec.scaleTargetRef || {};
    const scalePath = SCALE_PATHS[ref.kind]?.(ns, ref.name);
    if (!scalePath) { continue; }
    const scale = await api('GET', scalePath);
    const now = new Date().toISOString();
    const min = hpa.spec.minReplicas ?? 1;
    const max = hpa.spec.maxReplicas;
    let conditions;
    let current = 0;
    let desired = 0;
    if (scale.status !== 200) {
      conditions = [{ type: 'AbleToScale', status: 'False', reason: 'FailedGetScale', message: `the HPA controller was unable to get the target's current scale: ${scale.body?.message || scale.status}` }];
    } else {
      current = scale.body.spec.replicas ?? 0;
      const load = Number.parseInt(hpa.metadata.annotations?.['sim.fleet.dev/replicas'] ?? '', 10);
      if (current === 0) {
        desired = 0;
        conditions = [
          { type: 'AbleToScale', status: 'True', reason: 'SucceededGetScale', message: 'the HPA controller was able to get the target\'s current scale' },
          { type: 'ScalingActive', status: 'False', reason: 'ScalingDisabled', message: 'scaling is disabled since the replica count of the target is zero' },
        ];
      } else {
        desired = Math.min(max, Math.max(min, Number.isFinite(load) ? load : current));
        if (desired !== current) {
          await api('PATCH', scalePath, { spec: { replicas: desired } }, { contentType: 'application/merge-patch+json' });
        }
        conditions = [
          { type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size' },
          { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count (simulated metrics)' },
          { type: 'ScalingLimited', status: desired === min || desired === max ? 'True' : 'False', reason: desired === min ? 'TooFewReplicas' : desired === max ? 'TooManyReplicas' : 'DesiredWithinRange', message: 'simulated' },
        ];
      }
    }
    const old = hpa.status || {};
    const same = old.desiredReplicas === desired && (old.currentReplicas ?? 0) === current
      && JSON.stringify((old.conditions || []).map(c => [c.type, c.status, c.reason])) === JSON.stringify(conditions.map(c => [c.type, c.status, c.reason]));
    if (same) { continue; }
    const status = {
      currentReplicas: current, desiredReplicas: desired,
      conditions: conditions.map(c => ({ ...c, lastTransitionTime: (old.conditions || []).find(o => o.type === c.type && o.status === c.status)?.lastTransitionTime || now })),
      ...(desired !== current ? { lastScaleTime: now } : old.lastScaleTime ? { lastScaleTime: old.lastScaleTime } : {}),
    };
    await api('PUT', `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/${hpa.metadata.name}/status`, { ...hpa, status });
  }
}

/** Ingress classes whose controller the simulation stands in for. */
const INGRESS_CLASSES = new Set(['nginx']);
const INGRESS_ADDRESS = '192.0.2.10';

async function ingressStatusOnce(api) {
  const list = await api('GET', '/apis/networking.k8s.io/v1/ingresses');
  if (list.status !== 200) { return; }
  for (const ing of list.body.items) {
    if (!INGRESS_CLASSES.has(ing.spec.ingressClassName) || ing.status?.loadBalancer?.ingress?.length) { continue; }
    const { namespace, name } = ing.metadata;
    await api('PUT', `/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses/${name}/status`,
      { ...ing, status: { loadBalancer: { ingress: [{ ip: INGRESS_ADDRESS }] } } });
  }
}

/** GatewayClass controllers the simulation stands in for (Envoy Gateway's, lib/gateway/implementations.ts). */
const GATEWAY_CONTROLLERS = new Set(['gateway.envoyproxy.io/gatewayclass-controller']);
const GW = '/apis/gateway.networking.k8s.io/v1';

const condition = (type, ok, reason, message, generation) => ({
  type, status: ok ? 'True' : 'False', reason, message, observedGeneration: generation, lastTransitionTime: new Date().toISOString(),
});
/** Conditions equal but for their times: no status write (and no watch event) without a change. */
const sameConditions = (a = [], b = []) => JSON.stringify(a.map(c => [c.type, c.status, c.reason, c.observedGeneration]))
  === JSON.stringify(b.map(c => [c.type, c.status, c.reason, c.observedGeneration]));

function hostMatches(listener, host) {
  if (!listener) { return true; }
  if (listener.startsWith('*.')) { return host.endsWith(listener.slice(1)); }
  return listener === host;
}

function admits(listener, namespace, labels, gatewayNamespace) {
  const allowed = listener.allowedRoutes || {};
  if (allowed.kinds && !allowed.kinds.some(k => k.kind === 'HTTPRoute')) { return false; }
  const from = allowed.namespaces?.from || 'Same';
  if (from === 'All') { return true; }
  if (from === 'Same') { return namespace === gatewayNamespace; }
  const selector = allowed.namespaces.selector || {};
  return Object.entries(selector.matchLabels || {}).every(([k, v]) => labels[k] === v)
    && (selector.matchExpressions || []).every(e => (e.operator === 'In' ? (e.values || []).includes(labels[e.key])
      : e.operator === 'NotIn' ? !(e.values || []).includes(labels[e.key]) : e.operator === 'Exists' ? labels[e.key] !== undefined : labels[e.key] === undefined));
}

async function gatewayStatusOnce(api) {
  const classes = await api('GET', `${GW}/gatewayclasses`);
  if (classes.status !== 200) { return; } // the Gateway API CRDs are not installed
  const ours = new Set();
  for (const gc of classes.body.items.filter(c => GATEWAY_CONTROLLERS.has(c.spec.controllerName))) {
    ours.add(gc.metadata.name);
    const conditions = [condition('Accepted', true, 'Accepted', 'simulated', gc.metadata.generation)];
    if (!sameConditions(gc.status?.conditions, conditions)) {
      await api('PUT', `${GW}/gatewayclasses/${gc.metadata.name}/status`, { ...gc, status: { conditions } });
    }
  }
  const gateways = (await api('GET', `${GW}/gateways`)).body.items || [];
  const routes = (await api('GET', `${GW}/httproutes`)).body.items || [];
  const grants = (await api('GET', `${GW.replace('/v1', '/v1beta1')}/referencegrants`)).body.items || [];
  const namespaces = new Map(((await api('GET', '/api/v1/namespaces')).body.items || []).map(n => [n.metadata.name, n.metadata.labels || {}]));
  // One list a tick, not a request per backendRef.
  const services = new Set(((await api('GET', '/api/v1/services')).body.items || []).map(s => `${s.metadata.namespace}/${s.metadata.name}`));
  const managed = gateways.filter(g => ours.has(g.spec.gatewayClassName));
  const attached = new Map(); // "<ns>/<gateway>/<listener>" -> routes attached
  for (const route of routes) {
    const ns = route.metadata.namespace;
    const generation = route.metadata.generation;
    const parents = [];
    for (const ref of route.spec.parentRefs || []) {
      const gwNamespace = ref.namespace || ns;
      const gateway = managed.find(g => g.metadata.namespace === gwNamespace && g.metadata.name === ref.name);
      if (!gateway) { continue; } // not a Gateway of ours: another implementation would answer
      const listeners = (gateway.spec.listeners || []).filter(l => !ref.sectionName || l.name === ref.sectionName);
      const hostnames = route.spec.hostnames || [];
      const matching = listeners.filter(l => hostnames.length === 0 || hostnames.some(h => hostMatches(l.hostname, h)));
      const admitting = matching.filter(l => admits(l, ns, namespaces.get(ns) || {}, gwNamespace));
      const accepted = listeners.length === 0 ? [false, 'NoMatchingParent', `no listener ${ref.sectionName}`]
        : matching.length === 0 ? [false, 'NoMatchingListenerHostname', 'no listener hostname matches the route\'s']
          : admitting.length === 0 ? [false, 'NotAllowedByListeners', `no listener admits routes of namespace ${ns}`]
            : [true, 'Accepted', 'simulated'];
      for (const l of admitting) { const k = `${gwNamespace}/${gateway.metadata.name}/${l.name}`; attached.set(k, (attached.get(k) || 0) + 1); }
      const missing = [];
      for (const rule of route.spec.rules || []) {
        for (const b of rule.backendRefs || []) {
          if ((b.group || '') !== '' || (b.kind || 'Service') !== 'Service') { continue; }
          const bns = b.namespace || ns;
          const granted = bns === ns || grants.some(g => g.metadata.namespace === bns
            && (g.spec.from || []).some(f => f.kind === 'HTTPRoute' && f.namespace === ns)
            && (g.spec.to || []).some(t => t.kind === 'Service' && (!t.name || t.name === b.name)));
          if (!granted || !services.has(`${bns}/${b.name}`)) { missing.push(`${bns}/${b.name}${granted ? '' : ' (no ReferenceGrant)'}`); }
        }
      }
      parents.push({
        parentRef: ref,
        controllerName: [...GATEWAY_CONTROLLERS][0],
        conditions: [
          condition('Accepted', accepted[0], accepted[1], accepted[2], generation),
          condition('ResolvedRefs', missing.length === 0, missing.length ? 'BackendNotFound' : 'ResolvedRefs', missing.length ? `missing: ${missing.join(', ')}` : 'simulated', generation),
        ],
      });
    }
    if (parents.length === 0) { continue; }
    const old = route.status?.parents || [];
    if (old.length === parents.length && parents.every((p, i) => sameConditions(old[i].conditions, p.conditions))) { continue; }
    await api('PUT', `${GW}/namespaces/${ns}/httproutes/${route.metadata.name}/status`, { ...route, status: { parents } });
  }
  for (const gateway of managed) {
    const generation = gateway.metadata.generation;
    const conditions = [condition('Accepted', true, 'Accepted', 'simulated', generation), condition('Programmed', true, 'Programmed', 'simulated', generation)];
    const listeners = (gateway.spec.listeners || []).map(l => ({
      name: l.name,
      supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
      attachedRoutes: attached.get(`${gateway.metadata.namespace}/${gateway.metadata.name}/${l.name}`) || 0,
      conditions: ['Accepted', 'Programmed', 'ResolvedRefs'].map(t => condition(t, true, t, 'simulated', generation)),
    }));
    const old = gateway.status || {};
    if (sameConditions(old.conditions, conditions) && JSON.stringify((old.listeners || []).map(l => [l.name, l.attachedRoutes])) === JSON.stringify(listeners.map(l => [l.name, l.attachedRoutes]))) { continue; }
    await api('PUT', `${GW}/namespaces/${gateway.metadata.namespace}/gateways/${gateway.metadata.name}/status`,
      { ...gateway, status: { addresses: [{ type: 'IPAddress', value: INGRESS_ADDRESS }], conditions, listeners } });
  }
}

const REDIS = '/apis/redis.redis.opstreelabs.in/v1beta2';
const MASTER_AFTER = 'sim.fleet.dev/master-after-seconds';

async function redisStatusOnce(api) {
  const list = await api('GET', `${REDIS}/redisreplications`);
  if (list.status !== 200) { return; } // the operator's CRDs are not installed
  for (const r of list.body.items) {
    if (r.status?.masterNode) { continue; }
    const after = Number(r.metadata.annotations?.[MASTER_AFTER] ?? 1);
    if (Date.now() - Date.parse(r.metadata.creationTimestamp) < after * 1000) { continue; }
    const { namespace, name } = r.metadata;
    await api('PUT', `${REDIS}/namespaces/${namespace}/redisreplications/${name}/status`, { ...r, status: { ...r.status, masterNode: `${name}-0` } });
  }
}

/** Starts the loops; returns { stop() }. Errors are kept in `errors` (last 20), never thrown. */
function startStandIns(api, { intervalMs = 250, hpa = true } = {}) {
  let stopped = false;
  const errors = [];
  const loop = async (name, once) => {
    while (!stopped) {
      const t = Date.now();
      try { await once(api); } catch (e) { errors.push(`${name}: ${e.message}`); errors.splice(0, errors.length - 20); }
      await new Promise(r => setTimeout(r, Math.max(0, intervalMs - (Date.now() - t))));
    }
  };
  const done = Promise.all([loop('provisioner', provisionOnce), loop('ingress', ingressStatusOnce), loop('gateway', gatewayStatusOnce), loop('redis', redisStatusOnce), ...(hpa ? [loop('hpa', autoscaleOnce)] : [])]);
  return { errors, async stop() { stopped = true; await done; } };
}

module.exports = { startStandIns, PROVISIONER, STORAGE_CLASS };
