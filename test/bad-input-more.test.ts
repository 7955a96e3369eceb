import { AlertRules } from '../lib/monitoring/alert-rules';
import { BackupJob } from '../lib/backup/backup-job';
import { StatefulService } from '../lib/stateful/stateful-service';
import { AppConfig } from '../lib/config/app-config';
import { Worker } from '../lib/workload/worker';
import { imageOf, releaseOf } from '../lib/environments/releases';
import { testChart } from './util';

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } };
const alert = { alert: 'HighErrorRate', expr: 'x > 1', for: '5m', severity: 'critical' as const, summary: 's', description: 'd' };

describe('bad input beyond Microservice', () => {
  test('a stateful datastore refuses autoscaling and says why', () => {
    expect(() => new StatefulService(testChart(), 'postgres', {
      image: 'postgres:15.8', resources, ports: [{ name: 'postgres', containerPort: 5432 }],
      dataVolume: { size: '10Gi', mountPath: '/data' },
      autoscaling: { minReplicas: 1, maxReplicas: 3, cpuUtilization: 60 } as never,
    })).toThrow(/production-shop\/postgres: postgres is a stateful datastore and cannot be autoscaled.*single-writer/);
  });
  test('a volume size that is not a quantity', () => {
    expect(() => new StatefulService(testChart(), 'redis', {
      image: 'redis:7.2.5', resources, ports: [{ name: 'redis', containerPort: 6379 }],
      dataVolume: { size: '10GB', mountPath: '/data' },
    })).toThrow(/volume size "10GB" is not a resource quantity/);
  });
  test('a CronJob schedule that is not cron', () => {
    expect(() => new BackupJob(testChart(), 'backup', { image: 'postgres:15.8', resources, schedule: 'daily at 2' }))
      .toThrow(/production-shop\/backup: schedule "daily at 2" is not a five-field cron expression/);
  });
  test('alerts: bad name, bad duration, duplicates, unknown severity', () => {
    expect(() => new AlertRules(testChart(), 'a', { name: 'a', groups: [{ name: 'g', alerts: [{ ...alert, alert: 'high-errors' }] }] }))
      .toThrow(/alert name "high-errors" is not UpperCamelCase/);
    expect(() => new AlertRules(testChart(), 'a', { name: 'a', groups: [{ name: 'g', alerts: [{ ...alert, for: '5 minutes' }] }] }))
      .toThrow(/alert HighErrorRate "for" "5 minutes" is not a Prometheus duration/);
    expect(() => new AlertRules(testChart(), 'a', { name: 'a', groups: [{ name: 'g', alerts: [alert, alert] }] }))
      .toThrow(/duplicate alert name "HighErrorRate"/);
    expect(() => new AlertRules(testChart(), 'a', { name: 'a', groups: [{ name: 'g', alerts: [{ ...alert, severity: 'page' as any }] }] }))
      .toThrow(/alert HighErrorRate severity "page" is unknown/);
  });
  test('a ConfigMap holding a URL with a password', () => {
    expect(() => new AppConfig(testChart(), 'cfg', { name: 'cfg', data: { DATABASE_URL: 'postgresql://u:hunter2@db/x' } }))
      .toThrow(/DATABASE_URL holds a URL with a password \("postgresql:\/\/u:\*\*\*@db\/x"\)/);
  });
  test('a worker with one replica in production', () => {
    expect(() => new Worker(testChart(), 'w', { image: 'a/b:1', resources, replicas: 1 }))
      .toThrow(/replicas is 1 in production, which must be highly available/);
  });
  test('environments: a missing release, and a user-facing service without blue/green in production', () => {
    const chart = testChart('production', 'songnodes');
    expect(() => imageOf(chart, 'songnodes', 'nope')).toThrow(/no release for production\/songnodes\/nope in lib\/environments\/releases.json/);
    expect(() => releaseOf(chart, 'songnodes', 'health-monitor', { userFacing: true }))
      .toThrow(/production\/songnodes\/health-monitor faces users but its release is single-color/);
  });
});
