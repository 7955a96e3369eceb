import { IConstruct } from 'constructs';
import { byCodeUnit } from '../core/checks';
import { fail } from '../core/errors';

/** The annotation naming an Ingress's response-header ConfigMap, `<namespace>/<name>`. */
const CUSTOM_HEADERS_ANNOTATION = 'nginx.ingress.kubernetes.io/custom-headers';

// ingress-nginx's own checks of a custom header (internal/ingress/annotations/customheaders):
// a location whose ConfigMap fails one answers 503.
const HEADER_NAME = /^[a-zA-Z\d\-_]+$/;
const HEADER_VALUE = /^[a-zA-Z\d_ :;.,\\/"'?!(){}[\]@<>=\-+*#$&`|~^%]+$/;

/**
 * The response header names ingress-nginx must allow (`global-allowed-response-headers`):
 * every key of every ConfigMap an Ingress among `objects` names in its `custom-headers`
 * annotation, sorted. ingress-nginx denies a location (503) whose ConfigMap sets a header the
 * list lacks, so the list is drawn from the ConfigMaps themselves. Fails when an annotation
 * names a ConfigMap that is not rendered, or a header ingress-nginx would refuse.
 */
export function allowedResponseHeaders(scope: IConstruct, objects: readonly any[]): string[] {
  const configMaps = new Map(objects.filter(o => o.kind === 'ConfigMap').map(o => [`${o.metadata.namespace}/${o.metadata.name}`, o]));
  const names = new Set<string>();
  for (const ingress of objects.filter(o => o.kind === 'Ingress')) {
    const ref = ingress.metadata.annotations?.[CUSTOM_HEADERS_ANNOTATION];
    if (ref === undefined) { continue; }
    const where = `Ingress ${ingress.metadata.namespace}/${ingress.metadata.name}`;
    const configMap = configMaps.get(ref);
    if (!configMap) {
      fail(scope, `${where} takes its response headers from ConfigMap ${ref}, which is not rendered`,
        'render the ConfigMap in the Ingress\'s namespace (ResponseHeaders), or drop the annotation');
    }
    for (const [header, value] of Object.entries<string>(configMap.data ?? {})) {
      if (!HEADER_NAME.test(header) || !HEADER_VALUE.test(value)) {
        fail(scope, `${where}: header ${header}: "${value}" in ConfigMap ${ref} is one ingress-nginx refuses (the location would answer 503)`,
          'use letters, digits, "-" and "_" in the name, and no control characters in the value');
      }
      names.add(header);
    }
  }
  return [...names].sort(byCodeUnit);
}
