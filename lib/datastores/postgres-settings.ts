import { IConstruct } from 'constructs';
import { fail } from '../core/errors';

/**
 * Values a CloudNativePG cluster is configured with, and their rules: backup retention,
 * PostgreSQL parameters the operator owns, time settings, image tags.
 */

/** Backup retention as the barman-cloud ObjectStore takes it: a positive count of days, weeks or months. */
const RETENTION = /^[1-9][0-9]*[dwm]$/;

/** Days per retention unit; a month counts as 30 days (barman reads it as a calendar month). */
const RETENTION_DAYS: Record<string, number> = { d: 1, w: 7, m: 30 };

/** The retention in days, or undefined when it is not a retention ("30d", "4w", "1m"). */
export function retentionDays(retention: unknown): number | undefined {
  if (typeof retention !== 'string' || !RETENTION.test(retention)) { return undefined; }
  return Number(retention.slice(0, -1)) * RETENTION_DAYS[retention.slice(-1)];
}

/** Refuses a retention the ObjectStore CRD refuses (`^[1-9][0-9]*[dwm]$`). */
export function checkRetention(scope: IConstruct, what: string, retention: string): number {
  const days = retentionDays(retention);
  if (days === undefined) {
    fail(scope, `${what} "${retention}" is not a retention policy`,
      'write a whole number of days, weeks or months without spaces, e.g. "30d", "4w" or "3m"');
  }
  return days;
}

/**
 * Parameters CloudNativePG manages itself; its webhook refuses a Cluster that sets one
 * (docs: postgresql_conf.md, "Fixed parameters").
 */
const FIXED_PARAMETERS: ReadonlySet<string> = new Set([
  'allow_alter_system', 'allow_system_table_mods', 'archive_cleanup_command', 'archive_command', 'archive_mode',
  'bonjour', 'bonjour_name', 'cluster_name', 'config_file', 'data_directory', 'data_sync_retry', 'event_source',
  'external_pid_file', 'hba_file', 'hot_standby', 'ident_file', 'jit_provider', 'listen_addresses',
  'log_destination', 'log_directory', 'log_file_mode', 'log_filename', 'log_rotation_age', 'log_rotation_size',
  'log_truncate_on_rotation', 'logging_collector', 'port', 'primary_conninfo', 'primary_slot_name',
  'promote_trigger_file', 'recovery_end_command', 'recovery_min_apply_delay', 'recovery_target',
  'recovery_target_action', 'recovery_target_inclusive', 'recovery_target_lsn', 'recovery_target_name',
  'recovery_target_time', 'recovery_target_timeline', 'recovery_target_xid', 'restart_after_crash',
  'restore_command', 'shared_preload_libraries', 'ssl', 'ssl_ca_file', 'ssl_cert_file', 'ssl_crl_file',
  'ssl_dh_params_file', 'ssl_ecdh_curve', 'ssl_key_file', 'ssl_passphrase_command',
  'ssl_passphrase_command_supports_reload', 'ssl_prefer_server_ciphers', 'stats_temp_directory',
  'synchronous_standby_names', 'syslog_facility', 'syslog_ident', 'syslog_sequence_numbers',
  'syslog_split_messages', 'unix_socket_directories', 'unix_socket_group', 'unix_socket_permissions',
]);

/** Refuses a parameter name PostgreSQL would not know or CloudNativePG would refuse. */
export function checkParameter(scope: IConstruct, name: string, value: unknown): void {
  if (!/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/.test(name)) {
    fail(scope, `postgresql parameter "${name}" is not a parameter name`, 'use the lowercase name from postgresql.conf, e.g. "max_connections"');
  }
  if (name === 'shared_preload_libraries') {
    fail(scope, 'postgresql parameter "shared_preload_libraries" is managed by CloudNativePG',
      'set a parameter of the extension instead (e.g. "pg_stat_statements.track": "top"): the operator then preloads the library and creates the extension');
  }
  if (name === 'archive_timeout') {
    fail(scope, 'postgresql parameter "archive_timeout" is set through backup.archiveTimeout', 'move it to backup.archiveTimeout, where the recovery point is decided');
  }
  if (FIXED_PARAMETERS.has(name)) {
    fail(scope, `postgresql parameter "${name}" is fixed by CloudNativePG, whose webhook refuses it`, 'remove it: the operator sets it for every instance');
  }
  if (typeof value !== 'string' || value === '') {
    fail(scope, `postgresql parameter "${name}" has the value ${JSON.stringify(value)}`, 'give every parameter a non-empty string, e.g. "200" or "1536MB"');
  }
}

const TIME_UNITS: Record<string, number> = { ms: 0.001, s: 1, min: 60, h: 3600, d: 86400, '': 1 };

/** A PostgreSQL time setting ("60s", "5min", "1h"; a bare number is seconds) in seconds. */
export function checkPostgresTime(scope: IConstruct, what: string, value: string): number {
  const m = typeof value === 'string' ? /^([0-9]+)(ms|s|min|h|d)?$/.exec(value) : null;
  if (!m) {
    fail(scope, `${what} "${value}" is not a PostgreSQL time`, 'write a whole number with ms, s, min, h or d, e.g. "60s" or "5min"');
  }
  return Number(m[1]) * TIME_UNITS[m[2] ?? ''];
}

/**
 * Checks that an image tag starts with the PostgreSQL major version (CloudNativePG detects the
 * major from it) and returns the major.
 */
export function checkPostgresImageTag(scope: IConstruct, image: string): number {
  const tag = /:([^/:@]+)(@|$)/.exec(image)?.[1];
  const m = tag ? /^([0-9]+)(\.[0-9]+)*([._-].*)?$/.exec(tag) : null;
  if (!m) {
    fail(scope, `image "${image}" has a tag that does not start with the PostgreSQL major version`,
      'use a CloudNativePG operand image tag such as "16.4-standard-trixie": the operator reads the major version from it');
  }
  return Number(m[1]);
}
