/** The types of slotgate's configuration: the config object, its keys, and one option's schema entry. */
import type convict from 'convict'

/** pino's levels plus `silent`, most to least severe. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
/** A `logLevel` value. */
export type LogLevel = (typeof LOG_LEVELS)[number]

/** Log output formats: JSON lines only (pipe through `pino-pretty` to read them by eye). */
export const LOG_FORMATS = ['json'] as const
/** A `logFormat` value. */
export type LogFormat = (typeof LOG_FORMATS)[number]

/** Where read-only commands may go; see the `readPolicy` option's doc. */
export const READ_POLICIES = ['master', 'prefer-replica', 'replica', 'any'] as const
/** A `readPolicy` value. */
export type ReadPolicy = (typeof READ_POLICIES)[number]

/** Values of `crossSlotTransactions`. */
export const CROSS_SLOT_TRANSACTIONS = ['split', 'refuse'] as const

export type CrossSlotTransactions = (typeof CROSS_SLOT_TRANSACTIONS)[number]

/** Every slotgate option, validated. Durations are in milliseconds, sizes in bytes. */
export interface SlotgateConfig {
  /** Cluster nodes (`host:port`) to read the topology from at start. */
  seeds: string[];
  port: number;
  bind: string;
  announceAddress: string;
  requirepass: string;
  /** File holding requirepass (read at start and on reload). */
  requirepassPath: string;
  usersFile: string;
  clusterUsername: string;
  clusterUsernamePath: string;
  clusterPassword: string;
  clusterPasswordPath: string;
  readPolicy: ReadPolicy;
  crossSlotTransactions: CrossSlotTransactions;
  linksPerNode: number;
  topologyRefreshIntervalMs: number;
  topologyRefreshDebounceMs: number;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  /** 0 means auto: 2 × the cluster's `cluster-node-timeout` + 5 s. */
  failoverDeadlineMs: number;
  maxRedirects: number;
  retryBackoffMs: number;
  maxClients: number;
  maxDedicatedLinks: number;
  slowCommandTimeoutMs: number;
  readinessMaxUnservablePercent: number;
  maxDedicatedLinksPerClient: number;
  clientIdleTimeoutMs: number;
  tcpKeepAliveMs: number;
  tlsCertFile: string;
  tlsKeyFile: string;
  tlsCaFile: string;
  tlsClientAuth: boolean;
  /** How often certificate, key, users and requirepass files are checked for changes; 0: only on SIGHUP. */
  fileReloadIntervalMs: number;
  clusterTls: boolean;
  clusterTlsCaFile: string;
  clusterTlsCertFile: string;
  clusterTlsKeyFile: string;
  clusterTlsServername: string;
  denyCommands: string[];
  pubsubOutputLimitBytes: number;
  pubsubOutputSoftLimitBytes: number;
  pubsubOutputSoftLimitSeconds: number;
  clientOutputLimitBytes: number;
  clientOutputSoftLimitBytes: number;
  clientOutputSoftLimitSeconds: number;
  maxPendingRequests: number;
  maxPendingRequestBytes: number;
  scriptCacheMaxBytes: number;
  maxBulkBytes: number;
  maxRequestBytes: number;
  maxMultibulkLength: number;
  metricsEnabled: boolean;
  metricsPort: number;
  metricsBind: string;
  metricsPerCommand: boolean;
  metricsPerNode: boolean;
  /** A process count, or `auto` for one per CPU (`os.availableParallelism()`). */
  workers: number | 'auto';
  drainGraceMs: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
}

/** A config key. */
export type ConfigKey = keyof SlotgateConfig

/** One option's schema entry: convict's fields, plus bounds read by the integer formats. */
export interface OptionSchema<T> extends convict.SchemaObj<T> {
  doc: string;
  env: string;
  arg: string;
  /** Smallest value accepted by the integer formats. */
  min?: number;
  /** Largest value accepted by the integer formats. */
  max?: number;
}

/** The schema, one entry per {@link SlotgateConfig} key. */
export type ConfigSchema = { [K in ConfigKey]: OptionSchema<SlotgateConfig[K]> }
