import { IConstruct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { SystemChart } from '../chart';
import { checkDnsLabel } from './checks';
import { isValidLabelValue } from './labels';
import { fail } from './errors';
import { checkAnnotations, checkQualifiedName } from './annotations';

/**
 * ObjectMeta for a namespaced object of the enclosing system: an explicit, readable
 * name (never a construct-hash suffix) and the system's namespace.
 */
export function namespacedMeta(
  scope: IConstruct, name: string, labels: Record<string, string>, annotations?: Record<string, string>,
): k8s.ObjectMeta {
  checkDnsLabel(scope, 'object name', name);
  for (const [key, value] of Object.entries(labels)) {
    checkQualifiedName(scope, 'label', key);
    if (!isValidLabelValue(value)) {
      fail(scope, `label ${key}="${value}" is not a valid label value`,
        'use at most 63 letters, digits, \'-\', \'_\' or \'.\', starting and ending with a letter or digit');
    }
  }
  if (annotations) {
    checkAnnotations(scope, annotations);
  }
  return {
    name,
    namespace: SystemChart.of(scope).namespaceName,
    labels,
    ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
}
