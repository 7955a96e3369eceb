import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { Probe, ProbeSpecProberScheme } from '../../imports/monitoring.coreos.com';
import { SystemChart } from '../chart';
import { fail } from '../core/errors';
import { stableLabels } from '../core/labels';
import { namespacedMeta } from '../core/metadata';
import { Environment } from '../environments/environment';
import { AlertGroupSpec, AlertRules } from './alert-rules';
import { BlackboxModuleName, proberAddress } from './blackbox';
import { durationSeconds } from './duration';
import { PublicHost, publicHosts } from './public-hosts';

/** The kinds host discovery reads: the edge's routes, and the Services and workloads behind them. */
const DISCOVERY_KINDS = new Set(['Ingress', 'HTTPRoute', 'Service', 'Deployment', 'StatefulSet']);

/** Days before expiry a certificate warning fires (the documents: "30-day expiry warnings"). */
export const CERTIFICATE_WARNING_DAYS = 30;

export interface EndpointProbesProps {
  /** Prefix of the alert names, the system's, e.g. "SongNodes" for SongNodesEndpointDown. */
  readonly alertPrefix: string;
  /**
   * The response time the system's document promises, in seconds: a live host whose probes
   * average more than this over 2 minutes, for 2 minutes, warns.
   */
  readonly latencyThresholdSeconds: number;
  /**
   * How often each live host is probed for status and latency.
   * @default '15s'
   */
  readonly interval?: string;
}

/**
 * Blackbox probes of every public host the system renders (its Ingresses, or Gateway API
 * HTTPRoutes: lib/monitoring/public-hosts.ts), through the platform's blackbox exporter, and
 * the alerts on them:
 *
 * - Probe `endpoints` (module http_2xx): each live host's probe path answers 2xx over verified
 *   TLS. `<Prefix>EndpointDown` (critical) when it does not, or when no probe result exists
 *   at all; `<Prefix>EndpointSlow` (warning) above the document's response time.
 * - Probe `security-headers` (module http_security_headers): `<Prefix>SecurityHeadersMissing`
 *   (warning) when a 2xx answer lacks a header.
 * - Probe `certificates` (module tls_certificate), every host including preview hosts:
 *   `<Prefix>CertificateExpiringSoon` (warning) under 30 days, `<Prefix>TLSHandshakeFailing`
 *   (warning) when no verified handshake is possible.
 *
 * Create it after every Ingress and route of the system: the hosts are read when it is built,
 * and a synth-time check refuses a host added later.
 */
export class EndpointProbes extends Construct {
  /** The hosts probed, as discovered. */
  public readonly hosts: readonly PublicHost[];
  /** The Probes, by name. */
  public readonly probes: Readonly<Record<string, Probe>>;
  public readonly alerts: AlertRules;

  constructor(scope: Construct, id: string, props: EndpointProbesProps) {
    super(scope, id);
    const env = Environment.of(this);
    const chart = SystemChart.of(this);
    if (!/^[A-Z][A-Za-z0-9]*$/.test(props.alertPrefix)) {
      fail(this, `alertPrefix "${props.alertPrefix}" is not UpperCamelCase`, 'use the system\'s name as the alerts spell it, e.g. "SongNodes"');
    }
    if (!(props.latencyThresholdSeconds > 0) || props.latencyThresholdSeconds > 5) {
      fail(this, `latencyThresholdSeconds ${props.latencyThresholdSeconds} is not between 0 and the probes' 5 s timeout`,
        'give the document\'s response time in seconds, e.g. 0.5');
    }
    const interval = props.interval ?? '15s';
    const intervalSeconds = durationSeconds(interval);
    if (intervalSeconds === undefined || intervalSeconds < 10) {
      fail(this, `interval "${interval}" is not a Prometheus duration of at least 10s`, 'probe every "15s" or more: each probe may take up to its 5 s timeout');
    }

    const hosts = discoverHosts(chart);
    if (hosts.length === 0) {
      fail(this, `system ${chart.system} renders no Ingress or HTTPRoute with a host before its EndpointProbes`,
        'create EndpointProbes after the system\'s Ingresses and routes, or leave it out for a system with no public host');
    }
    this.hosts = hosts;
    const live = hosts.filter(h => !h.preview);
    if (live.length === 0) {
      fail(this, `every host of ${chart.system} routes only to preview Services (${hosts.map(h => h.host).join(', ')})`,
        'route a host to a live Service: the probes of status, latency and headers need one');
    }
    const urls = live.map(h => `https://${h.host}${h.probePath}`);

    const probe = (name: string, module: BlackboxModuleName, targets: string[], every: string) => new Probe(this, name, {
      metadata: namespacedMeta(this, name, {
        ...stableLabels({ name, instance: name, component: 'probe', partOf: chart.system }),
        ...env.settings.prometheusSelector,
      }),
      spec: {
        prober: { url: proberAddress(env.settings), scheme: ProbeSpecProberScheme.HTTP, path: '/probe' },
        module,
        interval: every,
        // Above the modules' 5 s timeout, which the exporter then keeps.
        scrapeTimeout: '10s',
        targets: { staticConfig: { static: targets } },
      },
    });
    this.probes = {
      'endpoints': probe('endpoints', 'http_2xx', urls, interval),
      'security-headers': probe('security-headers', 'http_security_headers', urls, '1m'),
      'certificates': probe('certificates', 'tls_certificate', hosts.map(h => `${h.host}:443`), '1m'),
    };

    const ns = chart.namespaceName;
    const job = (name: string) => `probe/${ns}/${name}`;
    const sel = (name: string) => `{namespace="${ns}", job="${job(name)}"}`;
    const p = props.alertPrefix;
    const groups: AlertGroupSpec[] = [
      {
        // Evaluated every 15 s: with for 30s and the pager's 10 s group_wait, under a minute.
        name: `${chart.system}-endpoints-critical`,
        interval: '15s',
        alerts: [{
          alert: `${p}EndpointDown`, severity: 'critical', for: '30s', family: 'endpoint',
          expr: `probe_success${sel('endpoints')} == 0 or absent(probe_success${sel('endpoints')})`,
          summary: '{{ with $labels.instance }}{{ . }} is down{{ else }}No endpoint probe result{{ end }}',
          description: '{{ with $labels.instance }}{{ . }} has not answered 2xx over verified TLS for 30 seconds (blackbox exporter, from inside the cluster).'
            + '{{ else }}No probe of the public endpoints has reported for 30 seconds: the blackbox exporter or the Probe is missing, so nobody can tell whether the endpoints are up.{{ end }}',
        }],
      },
      {
        name: `${chart.system}-endpoints`,
        alerts: [
          {
            alert: `${p}EndpointSlow`, severity: 'warning', for: '2m', family: 'endpoint',
            expr: `avg_over_time(probe_duration_seconds${sel('endpoints')}[2m]) > ${props.latencyThresholdSeconds}`,
            summary: '{{ $labels.instance }} answers slower than ' + `${props.latencyThresholdSeconds * 1000} ms`,
            description: 'Probes of {{ $labels.instance }} took {{ $value | humanizeDuration }} on average over 2 minutes '
              + `(connection, TLS and response), above the ${props.latencyThresholdSeconds * 1000} ms the document sets.`,
          },
          {
            alert: `${p}SecurityHeadersMissing`, severity: 'warning', for: '3m',
            expr: `probe_failed_due_to_regex${sel('security-headers')} == 1`,
            summary: '{{ $labels.instance }} answers without its security headers',
            description: '{{ $labels.instance }} answers 2xx but a security header is missing or wrong '
              + '(Strict-Transport-Security, Content-Security-Policy, X-Frame-Options, X-Content-Type-Options, Referrer-Policy, X-XSS-Protection).',
          },
          {
            // cert-manager renews 30 days before expiry: an hour later, the renewal is stuck.
            alert: `${p}CertificateExpiringSoon`, severity: 'warning', for: '1h',
            expr: `probe_ssl_earliest_cert_expiry${sel('certificates')} - time() < ${CERTIFICATE_WARNING_DAYS} * 86400`,
            summary: 'The certificate of {{ $labels.instance }} expires in {{ $value | humanizeDuration }}',
            description: `The TLS certificate {{ $labels.instance }} serves expires in under ${CERTIFICATE_WARNING_DAYS} days and has not been renewed for an hour: check its cert-manager Certificate and Order.`,
          },
          {
            alert: `${p}TLSHandshakeFailing`, severity: 'warning', for: '10m',
            expr: `probe_success${sel('certificates')} == 0`,
            summary: 'No verified TLS handshake with {{ $labels.instance }}',
            description: '{{ $labels.instance }} has not completed a verified TLS handshake for 10 minutes: the certificate is expired, untrusted or for another name, or the host does not answer.',
          },
        ],
      },
    ];
    this.alerts = new AlertRules(this, 'alerts', { name: `${chart.system}-endpoints`, groups });

    // A host routed by an object created after this construct would go unprobed.
    this.node.addValidation({
      validate: () => {
        const key = (h: PublicHost) => `${h.host} ${h.preview} ${h.probePath}`;
        const before = new Set(hosts.map(key));
        const changed = discoverHosts(chart).filter(h => !before.has(key(h))).map(h => h.host);
        return changed.length
          ? [`the system routes ${changed.join(', ')} differently from when the probes were built. Fix: create EndpointProbes after every Ingress and route of the system`]
          : [];
      },
    });
  }
}

/** The public hosts of the system as its objects render so far. */
function discoverHosts(chart: SystemChart): PublicHost[] {
  const objects = chart.node.findAll()
    .filter((c): c is ApiObject => ApiObject.isApiObject(c) && DISCOVERY_KINDS.has(c.kind))
    .map(o => o.toJson());
  return publicHosts(objects);
}
