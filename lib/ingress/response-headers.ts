import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { SystemChart } from '../chart';
import { fail } from '../core/errors';
import { LabelKeys, MANAGED_BY } from '../core/labels';
import { namespacedMeta } from '../core/metadata';
import { Environment } from '../environments/environment';
import { knownIssuer } from './cluster-issuers';

/** The security headers the design documents ask every public host to send. */
export interface SecurityHeadersSpec {
  /**
   * Strict-Transport-Security.
   * @default 'max-age=63072000; includeSubDomains; preload'
   */
  readonly strictTransportSecurity?: string;
  /**
   * Content-Security-Policy; `false` sends none (where the design document asks for none).
   * @default "default-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
   */
  readonly contentSecurityPolicy?: string | false;
  /**
   * X-Frame-Options.
   * @default 'DENY'
   */
  readonly frameOptions?: string;
  /**
   * Referrer-Policy.
   * @default 'strict-origin-when-cross-origin'
   */
  readonly referrerPolicy?: string;
}

export interface ResponseHeadersProps extends SecurityHeadersSpec {
  /** ConfigMap name. */
  readonly name: string;
}

/**
 * The security headers every public host of a system sends, whichever the edge: on the
 * Gateway API, an HTTPRoute's ResponseHeaderModifier sets them (lib/gateway/web-route.ts); on
 * ingress-nginx, its `custom-headers` annotation names a ConfigMap in the Ingress's namespace,
 * which this renders where the environment serves ingress-nginx. (ingress-nginx only sends
 * header names listed in the controller's `global-allowed-response-headers`, which the platform
 * derives from these ConfigMaps: lib/platform/ingress-controller.ts.)
 *
 * Strict-Transport-Security is refused in an environment whose hosts a browser could not
 * reach over trusted HTTPS: HSTS allows no click-through, and production's apex
 * (`songnodes.com`) sends `includeSubDomains`, which covers every other environment's hosts
 * (`api.staging.songnodes.com`) too.
 */
export class ResponseHeaders extends Construct {
  /** The system's shared default header set, created on first use. */
  public static defaultFor(scope: Construct): ResponseHeaders {
    const chart = SystemChart.of(scope);
    const existing = chart.node.tryFindChild('security-headers');
    return existing instanceof ResponseHeaders
      ? existing
      : new ResponseHeaders(chart, 'security-headers', { name: 'security-headers' });
  }

  /** The ConfigMap ingress-nginx reads, where the environment serves ingress-nginx. */
  public readonly configMap?: k8s.KubeConfigMap;
  public readonly name: string;
  public readonly headers: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: ResponseHeadersProps) {
    super(scope, id);
    this.name = props.name;
    const hsts = props.strictTransportSecurity ?? 'max-age=63072000; includeSubDomains; preload';
    const maxAge = /max-age=(\d+)/.exec(hsts);
    if (!maxAge || Number(maxAge[1]) < 31536000) {
      fail(this, `Strict-Transport-Security "${hsts}" has a max-age under one year`,
        'use at least max-age=31536000 (the design documents ask for 63072000 with includeSubDomains; preload)');
    }
    checkHstsReachable(this, hsts);
    const csp = props.contentSecurityPolicy ?? "default-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";
    this.headers = {
      ...(csp === false ? {} : { 'Content-Security-Policy': csp }),
      'Referrer-Policy': props.referrerPolicy ?? 'strict-origin-when-cross-origin',
      'Strict-Transport-Security': hsts,
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': props.frameOptions ?? 'DENY',
      'X-XSS-Protection': '1; mode=block',
    };
    const chart = SystemChart.of(this);
    if (!Environment.of(this).servesIngressNginx) {
      return;
    }
    this.configMap = new k8s.KubeConfigMap(this, 'Resource', {
      metadata: namespacedMeta(this, props.name, {
        [LabelKeys.name]: props.name,
        [LabelKeys.instance]: props.name,
        [LabelKeys.component]: 'ingress',
        [LabelKeys.partOf]: chart.system,
        [LabelKeys.managedBy]: MANAGED_BY,
      }),
      data: { ...this.headers },
    });
  }
}

/**
 * A host that HSTS covers is reachable in a browser only over HTTPS with a certificate the
 * browser trusts: the environment must require TLS and sign with a browser-trusted issuer.
 */
function checkHstsReachable(scope: Construct, hsts: string): void {
  const env = Environment.of(scope);
  const subdomains = /(^|;)\s*includeSubDomains\s*(;|$)/i.test(hsts);
  const covered = env.settings.hostLabel
    ? `${env.name}'s hosts (<name>.${env.settings.hostLabel}.<domain>${subdomains ? ', which production\'s includeSubDomains covers too' : ''})`
    : `${env.name}'s hosts`;
  if (!env.settings.requireTls) {
    fail(scope, `Strict-Transport-Security "${hsts}" is sent, but ${env.name} does not require TLS (requireTls: false): a browser that has seen the header refuses ${covered} over plain HTTP`,
      `set requireTls: true for ${env.name} in lib/environments/settings.ts`);
  }
  const issuer = knownIssuer(env.settings.clusterIssuer);
  if (issuer && !issuer.browserTrusted) {
    fail(scope, `Strict-Transport-Security "${hsts}" covers ${covered}, but ${env.name} signs them with ${env.settings.clusterIssuer}, which browsers do not trust: HSTS allows no click-through, so they are unreachable`,
      `give ${env.name} a browser-trusted clusterIssuer (letsencrypt-prod) in lib/environments/settings.ts, or serve it from a domain production's HSTS does not cover`);
  }
}
