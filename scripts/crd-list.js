'use strict';
// The upstream CRDs the fleet renders custom resources of, by API group (files in FLEET_CRDS,
// by default ../shared/crds). `npm run import` turns each group into one module of imports/,
// and the field index and CRD schemas the policy gate reads come from the same files.
const CRD_GROUPS = {
  'argoproj.io': ['argoproj.io_application-crd.yaml', 'argoproj.io_appproject-crd.yaml'],
  'monitoring.coreos.com': [
    'monitoring.coreos.com_servicemonitors.yaml', 'monitoring.coreos.com_prometheusrules.yaml',
    'monitoring.coreos.com_podmonitors.yaml', 'monitoring.coreos.com_probes.yaml',
    'monitoring.coreos.com_alertmanagerconfigs.yaml',
  ],
  'cert-manager.io': ['cert-manager.io_certificates.yaml', 'cert-manager.io_clusterissuers.yaml', 'cert-manager.io_issuers.yaml'],
  'external-secrets.io': [
    'external-secrets.io_externalsecrets.yaml', 'external-secrets.io_clustersecretstores.yaml',
    'external-secrets.io_secretstores.yaml',
  ],
  'postgresql.cnpg.io': [
    'postgresql.cnpg.io_clusters.yaml', 'postgresql.cnpg.io_scheduledbackups.yaml',
    'postgresql.cnpg.io_backups.yaml', 'postgresql.cnpg.io_poolers.yaml',
  ],
  'barmancloud.cnpg.io': ['barmancloud.cnpg.io_objectstores.yaml'],
  'rabbitmq.com': ['rabbitmq.com_rabbitmqclusters.yaml'],
  'redis.redis.opstreelabs.in': [
    'redis.redis.opstreelabs.in_redis.yaml', 'redis.redis.opstreelabs.in_redisreplications.yaml',
    'redis.redis.opstreelabs.in_redissentinels.yaml',
  ],
  'gateway.networking.k8s.io': [
    'gateway.networking.k8s.io_gatewayclasses.yaml', 'gateway.networking.k8s.io_gateways.yaml',
    'gateway.networking.k8s.io_httproutes.yaml', 'gateway.networking.k8s.io_grpcroutes.yaml',
    'gateway.networking.k8s.io_referencegrants.yaml',
  ],
  'gateway.envoyproxy.io': [
    'gateway.envoyproxy.io_backendtrafficpolicies.yaml', 'gateway.envoyproxy.io_clienttrafficpolicies.yaml',
    'gateway.envoyproxy.io_securitypolicies.yaml',
  ],
  'grafana.integreatly.org': ['grafana.integreatly.org_grafanadashboards.yaml'],
};

module.exports = { CRD_GROUPS, CRD_FILES: Object.values(CRD_GROUPS).flat() };
