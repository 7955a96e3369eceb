// Whole-object schema validation with kubernetes-models (ajv validators generated from the
// Kubernetes OpenAPI and the CRDs): types, formats (quantities, CIDRs), enums, required fields.
import { AppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject';
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';

import Ajv, { ValidateFunction } from 'ajv';
import crdSchemas from '../../imports/crd-schemas.json';

interface Validatable { validate(): void }
const MODELS: Record<string, new (data: any) => Validatable> = {};
for (const model of [Deployment, StatefulSet, HorizontalPodAutoscaler, CronJob, Job, Ingress, NetworkPolicy,
  PodDisruptionBudget, ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service, ServiceAccount,
  ServiceMonitor, PrometheusRule, Application, AppProject] as any[]) {
  MODELS[`${model.apiVersion}/${model.kind}`] = model;
}

// Custom kinds without a kubernetes-models class: the CRD's own openAPIV3Schema (generated
// into imports/ by `npm run import`), compiled on first use. Formats and CEL rules are left to
// the API server, which `npm run verify` runs.
const CRD_SCHEMAS = crdSchemas as Record<string, object>;
/**
 * CRD patterns are Go RE2. JavaScript (before ES2025) has no inline flags, and the
 * AlertmanagerConfig CRD's month names use `(?i)`: such a pattern is compiled
 * case-insensitive as a whole, which only widens what it accepts (the API server, which
 * `npm run verify` runs, checks the pattern as written).
 */
const goRegExp = Object.assign((pattern: string, u: string) => {
  const stripped = pattern.replace(/\(\?i\)/g, '');
  return new RegExp(stripped, stripped === pattern ? u : `${u}i`);
}, { code: 'goRegExp' });
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp: goRegExp } });
const crdValidators = new Map<string, ValidateFunction>();
class CrdModel implements Validatable {
  constructor(private readonly data: any) {}
  validate(): void {
    const key = `${this.data.apiVersion}/${this.data.kind}`;
    let validator = crdValidators.get(key);
    if (!validator) {
      validator = ajv.compile(CRD_SCHEMAS[key]);
      crdValidators.set(key, validator);
    }
    if (!validator(this.data)) {
      throw Object.assign(new Error('schema'), { errors: validator.errors });
    }
  }
}
for (const key of Object.keys(CRD_SCHEMAS)) {
  MODELS[key] ??= CrdModel;
}

/** The apiVersion/kind pairs this module can validate. */
export function hasSchema(apiVersion: string, kind: string): boolean {
  return `${apiVersion}/${kind}` in MODELS;
}

/**
 * Schema errors of one object, one string per error (`spec.replicas must be integer`);
 * empty when it is valid. Throws nothing: an object of a kind without a schema is reported.
 */
export function schemaErrors(object: any): string[] {
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!Model) { return [`no schema for ${object.apiVersion} ${object.kind}`]; }
  try {
    new Model(object).validate();
    return [];
  } catch (e: any) {
    const errors: any[] = e.errors ?? [{ instancePath: '', message: e.message }];
    // A failed oneOf (IntOrString, Quantity) repeats once per branch; keep the format message.
    const kept = errors.filter(err => err.keyword !== 'oneOf' && !(err.keyword === 'type' && errors.some(o => o.instancePath === err.instancePath && o.keyword === 'format')));
    return [...new Set(kept.map(err => `${err.instancePath.slice(1).replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.') || '(root)'} ${err.message}`))];
  }
}
