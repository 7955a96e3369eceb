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
  const done = Promise.all([loop('provisioner', provisionOnce), loop('ingress', ingressStatusOnce), ...(hpa ? [loop('hpa', autoscaleOnce)] : [])]);
  return { errors, async stop() { stopped = true; await done; } };
}

module.exports = { startStandIns, PROVISIONER, STORAGE_CLASS };
