import { Construct } from 'constructs';
import { Environment } from '../environments/environment';
import { WebRoute } from '../gateway/web-route';
import { checkIngressProps, claimRoute, WebIngress, WebIngressProps } from '../ingress/web-ingress';

/**
 * Traffic from the Internet to a system's Services, rendered for the environment's edge
 * (lib/environments/environment.ts `edge`) from one set of props: an ingress-nginx Ingress
 * (WebIngress), Gateway API HTTPRoutes (WebRoute), or both side by side during a cut-over.
 * Switching an environment's edge is one settings change; the services say nothing about it.
 */
export class EdgeRoute extends Construct {
  /** The Ingress, where the environment serves ingress-nginx. */
  public readonly ingress?: WebIngress;
  /** The HTTPRoutes and their policy, where the environment serves the Gateway API. */
  public readonly route?: WebRoute;
  public readonly name: string;
  /** The hosts it serves, sorted. */
  public readonly hosts: string[];

  constructor(scope: Construct, id: string, props: WebIngressProps) {
    super(scope, id);
    const env = Environment.of(this);
    this.name = props.name;
    // Bad props are named here, once, whichever edge renders them.
    checkIngressProps(this, props);
    for (const r of props.routes) { claimRoute(this, 'route', r.host, r.path ?? '/'); }
    if (env.servesIngressNginx) { this.ingress = new WebIngress(this, 'ingress', props); }
    if (env.servesGatewayApi) { this.route = new WebRoute(this, 'route', props); }
    this.hosts = (this.route ?? this.ingress)!.hosts;
  }
}
