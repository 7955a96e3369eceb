import { GatewayImplementation } from '../environments/environment';

/** What the fleet needs to know of a Gateway API implementation. */
export interface GatewayImplementationSpec {
  /** The controllerName its GatewayClass names: the implementation manages the Gateways of that class. */
  readonly controllerName: string;
  /** The platform add-on (lib/platform/pins.ts) that installs it, with the Gateway API CRDs. */
  readonly addon: 'envoy-gateway';
}

/**
 * The implementations the fleet renders for. Rate limits and idle timeouts are not standard
 * Gateway API yet, so each implementation's policy kinds carry them (lib/gateway/web-route.ts
 * renders Envoy Gateway's BackendTrafficPolicy); adding NGINX Gateway Fabric or another means
 * an entry here, its policy rendering and its pin.
 */
export const IMPLEMENTATIONS: Readonly<Record<GatewayImplementation, GatewayImplementationSpec>> = {
  // Envoy Gateway's default controller name (its chart's config.envoyGateway.gateway.controllerName).
  'envoy-gateway': { controllerName: 'gateway.envoyproxy.io/gatewayclass-controller', addon: 'envoy-gateway' },
};
