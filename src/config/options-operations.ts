import { LOG_LEVELS, LOG_FORMATS, type ConfigSchema } from './config-types.js'
import { FORMAT } from './formats.js'
import { MAX_TIMER_MS } from './options-cluster.js'

/** Options of operating slotgate: readiness, file reloads, metrics, worker processes, drain, logs. */
export const OPERATIONS_OPTIONS = {
  readinessMaxUnservablePercent: {
    doc: 'How much of the keyspace slotgate may be unable to serve and still answer /readyz with 200: the percentage of the 16384 slots whose master has been unreachable or flagged failed for longer than the failover deadline. A failover in progress never counts (commands wait for it), so one master\'s failure does not take every application pod of a sidecar deployment out of its Service. 0: not ready as soon as any slot stays unserved past the deadline (a shared proxy may want this); 100: ready whatever the cluster does.',
    format: FORMAT.int,
    min: 0,
    max: 100,
    default: 50,
    env: 'SLOTGATE_READINESS_MAX_UNSERVABLE_PERCENT',
    arg: 'readiness-max-unservable-percent',
  },
  fileReloadIntervalMs: {
    doc: 'How often slotgate checks tlsCertFile, tlsKeyFile, tlsCaFile, usersFile and requirepassPath for new contents (cert-manager renewals, rotated Secrets); a change is applied to new connections without dropping connected clients, and a file that does not load (a key that does not match its certificate, bad JSON) is logged and the previous one kept. SIGHUP checks at once. 0: only on SIGHUP.',
    format: FORMAT.int,
    min: 0,
    max: MAX_TIMER_MS,
    default: 10000,
    env: 'SLOTGATE_FILE_RELOAD_INTERVAL_MS',
    arg: 'file-reload-interval-ms',
  },
  metricsEnabled: {
    doc: 'Serve the HTTP endpoints /metrics (Prometheus), /healthz and /readyz.',
    format: FORMAT.boolean,
    default: true,
    env: 'SLOTGATE_METRICS_ENABLED',
    arg: 'metrics-enabled',
  },
  metricsPort: {
    doc: 'TCP port of the HTTP endpoints (0 picks a free port).',
    format: FORMAT.int,
    min: 0,
    max: 65535,
    default: 9190,
    env: 'SLOTGATE_METRICS_PORT',
    arg: 'metrics-port',
  },
  metricsBind: {
    doc: 'Address of the HTTP endpoints; use 0.0.0.0 for a Prometheus or a kubelet outside the container.',
    format: FORMAT.host,
    default: '127.0.0.1',
    env: 'SLOTGATE_METRICS_BIND',
    arg: 'metrics-bind',
  },
  metricsPerCommand: {
    doc: 'Keep the `command` label of slotgate_commands_total, slotgate_command_duration_seconds and slotgate_commands_denied_total (one series per command name, a few hundred at most). false: those series are summed over every command, for fleets where the series count matters more.',
    format: FORMAT.boolean,
    default: true,
    env: 'SLOTGATE_METRICS_PER_COMMAND',
    arg: 'metrics-per-command',
  },
  metricsPerNode: {
    doc: 'Keep the `node` label of the backend metrics (links, latency, error replies, timeouts, connect failures, lost links: one series per cluster node). false: those series are summed over every node, for large clusters behind many slotgates.',
    format: FORMAT.boolean,
    default: true,
    env: 'SLOTGATE_METRICS_PER_NODE',
    arg: 'metrics-per-node',
  },
  workers: {
    doc: 'Processes serving clients on the same port (node:cluster); auto: one per CPU. Each worker has its own links to the cluster, so links per node = workers × linksPerNode.',
    format: FORMAT.intOrAuto,
    min: 1,
    max: 1024,
    default: 1,
    env: 'SLOTGATE_WORKERS',
    arg: 'workers',
  },
  drainGraceMs: {
    doc: 'On SIGTERM or SIGINT slotgate stops accepting clients and lets requests in flight finish; after this long it closes the connections left. 0: close at once.',
    format: FORMAT.int,
    min: 0,
    max: MAX_TIMER_MS,
    default: 10000,
    env: 'SLOTGATE_DRAIN_GRACE_MS',
    arg: 'drain-grace-ms',
  },
  logLevel: {
    doc: 'Least severe log level written (silent: none).',
    format: [...LOG_LEVELS],
    default: 'info',
    env: 'SLOTGATE_LOG_LEVEL',
    arg: 'log-level',
  },
  logFormat: {
    doc: 'Log format: JSON lines on stdout (the only one; pipe through pino-pretty to read them by eye).',
    format: [...LOG_FORMATS],
    default: 'json',
    env: 'SLOTGATE_LOG_FORMAT',
    arg: 'log-format',
  },
} satisfies Partial<ConfigSchema>
