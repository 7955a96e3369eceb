#!/usr/bin/env node
// Generates imports/field-index.json: every field the Kubernetes 1.27 API (and the CRDs we
// render) defines, per type, for the strict unknown-field pass in lib/policy/unknown-fields.ts.
// Reads ../shared (developer machines only); synth and tests read only the generated file.
//
// Format: { kinds: { "<apiVersion>/<kind>": "<type>" }, types: { "<type>": { "<field>": ref } } }
// where ref is "" (a scalar), "*" (free-form: any field allowed), "<type>", "[<ref>" (a list
// of ref) or "{<ref>" (a map of string to ref).
'use strict';
const fs = require('fs');
const path = require('path');
const { parseAllDocuments } = require('yaml');

const crdDir = path.resolve(__dirname, '..', process.env.FLEET_CRDS || path.join('..', 'shared', 'crds'));
const openapi = path.resolve(__dirname, '..', process.env.FLEET_K8S_OPENAPI || path.join('..', 'shared', 'schemas', 'kubernetes-1.27.0.json'));
if (!fs.existsSync(openapi)) {
  console.error(`generate-field-index: no Kubernetes 1.27 OpenAPI definitions at ${openapi}.
Fix: set FLEET_K8S_OPENAPI to the swagger.json of Kubernetes v1.27.0 (api/openapi-spec/swagger.json in kubernetes/kubernetes at v1.27.0).`);
  process.exit(2);
}
const out = path.resolve(__dirname, '..', 'imports', 'field-index.json');
const { CRD_FILES: CRDS } = require('./crd-list');

const kinds = {};
const types = {};

// Kubernetes 1.27 built-in types (swagger definitions, fields by $ref).
const definitions = JSON.parse(fs.readFileSync(openapi, 'utf8')).definitions;
const short = name => name.replace(/^io\.k8s\.(api\.|apimachinery\.pkg\.apis\.|apimachinery\.pkg\.|apiextensions-apiserver\.pkg\.apis\.|kube-aggregator\.pkg\.apis\.)?/, '');
function k8sRef(schema) {
  if (schema.$ref) {
    const target = schema.$ref.replace('#/definitions/', '');
    return definitions[target]?.properties ? short(target) : (definitions[target]?.type === 'object' ? '*' : '');
  }
  if (schema.type === 'array') { return '[' + k8sRef(schema.items ?? {}); }
  if (schema.type === 'object') { return schema.additionalProperties ? '{' + k8sRef(schema.additionalProperties) : '*'; }
  return '';
}
for (const [name, def] of Object.entries(definitions)) {
  if (!def.properties) { continue; }
  types[short(name)] = Object.fromEntries(Object.entries(def.properties).map(([f, s]) => [f, k8sRef(s)]));
  for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) {
    kinds[`${gvk.group ? gvk.group + '/' : ''}${gvk.version}/${gvk.kind}`] = short(name);
  }
}

// CRDs: inline openAPIV3Schema trees, flattened into named types ("<Kind>.spec.endpoints[]").
function crdRef(schema, name) {
  if (!schema || schema['x-kubernetes-preserve-unknown-fields']) { return '*'; }
  if (schema.type === 'array') { return '[' + crdRef(schema.items, name + '[]'); }
  if (schema.properties) { return crdObject(schema, name); }
  if (schema.type === 'object') {
    const values = schema.additionalProperties;
    return values ? '{' + crdRef(values === true ? undefined : values, name + '{}') : '*';
  }
  return '';
}
function crdObject(schema, name) {
  types[name] = Object.fromEntries(Object.entries(schema.properties).map(([f, s]) => [f, crdRef(s, `${name}.${f}`)]));
  return name;
}
for (const file of CRDS) {
  for (const doc of parseAllDocuments(fs.readFileSync(path.join(crdDir, file), 'utf8'))) {
    const crd = doc.toJS();
    if (crd?.kind !== 'CustomResourceDefinition') { continue; }
    for (const v of crd.spec.versions) {
      const kind = crd.spec.names.kind;
      const root = crdRef(v.schema.openAPIV3Schema, `${crd.spec.group}/${v.name}/${kind}`);
      // metadata is the standard ObjectMeta, whatever the CRD's schema says about it.
      types[root].metadata = 'meta.v1.ObjectMeta';
      kinds[`${crd.spec.group}/${v.name}/${kind}`] = root;
    }
  }
}

const sorted = o => Object.fromEntries(Object.keys(o).sort().map(k => [k, o[k]]));
fs.writeFileSync(out, JSON.stringify({
  source: 'Kubernetes 1.27.0 OpenAPI definitions; CRDs: ' + CRDS.join(', '),
  kinds: sorted(kinds),
  types: sorted(Object.fromEntries(Object.entries(types).map(([k, v]) => [k, sorted(v)]))),
}) + '\n');
console.log(`wrote ${path.relative(process.cwd(), out)}: ${Object.keys(kinds).length} kinds, ${Object.keys(types).length} types`);

// imports/crd-schemas.json: each CRD version's openAPIV3Schema without its prose, for the
// whole-object schema check of custom kinds that kubernetes-models has no validator for.
const KEEP = new Set(['type', 'properties', 'items', 'required', 'enum', 'additionalProperties', 'anyOf', 'oneOf',
  'allOf', 'not', 'pattern', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength',
  'minItems', 'maxItems', 'minProperties', 'maxProperties', 'nullable', 'format', 'uniqueItems',
  'x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields']);
function bare(schema) {
  if (Array.isArray(schema)) { return schema.map(bare); }
  if (!schema || typeof schema !== 'object') { return schema; }
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (!KEEP.has(k)) { continue; }
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v).map(([f, s]) => [f, bare(s)])) : bare(v);
  }
  return out;
}
const schemas = {};
for (const file of CRDS) {
  for (const doc of parseAllDocuments(fs.readFileSync(path.join(crdDir, file), 'utf8'))) {
    const crd = doc.toJS();
    if (crd?.kind !== 'CustomResourceDefinition') { continue; }
    for (const v of crd.spec.versions.filter(version => version.served)) {
      const schema = bare(v.schema.openAPIV3Schema);
      delete schema.properties?.metadata; // the API server's ObjectMeta, checked by the field index
      schemas[`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`] = schema;
    }
  }
}
const schemaOut = path.resolve(__dirname, '..', 'imports', 'crd-schemas.json');
fs.writeFileSync(schemaOut, JSON.stringify(sorted(schemas)) + '\n');
console.log(`wrote ${path.relative(process.cwd(), schemaOut)}: ${Object.keys(schemas).length} custom kinds`);
