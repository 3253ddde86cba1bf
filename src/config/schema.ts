/**
 * The convict schema: every slotgate option with its doc, format, default, env var and CLI
 * flag. It is the single source of truth: `config/default.json`, `--help` and the logger's
 * redaction list are all derived from it (and a test keeps default.json equal to it).
 *
 * Naming rule, checked by the tests: key `fooBarMs` ↔ flag `--foo-bar-ms` ↔ env `SLOTGATE_FOO_BAR_MS`.
 */
import type convict from 'convict'
import { FORMAT } from './formats.js'

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

/** Every slotgate option, validated. Durations are in milliseconds, sizes in bytes. */
export interface SlotgateConfig {
  /** Cluster nodes (`host:port`) to read the topology from at start. */
  seeds: string[];
  port: number;
  bind: string;
  announceAddress: string;
  requirepass: string;
  usersFile: string;
  clusterUsername: string;
  clusterPassword: string;
  readPolicy: ReadPolicy;
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
  maxDedicatedLinksPerClient: number;
  clientIdleTimeoutMs: number;
  tcpKeepAliveMs: number;
  tlsCertFile: string;
  tlsKeyFile: string;
  tlsCaFile: string;
  tlsClientAuth: boolean;
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
  maxBulkBytes: number;
  maxRequestBytes: number;
  maxMultibulkLength: number;
  metricsEnabled: boolean;
  metricsPort: number;
  metricsBind: string;
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

// Node's timers fire at once for delays above 2^31-1 ms, so no duration may exceed it.
const MAX_TIMER_MS = 2 ** 31 - 1

/** Commands denied unless the operator says otherwise (see `denyCommands`). */
export const DEFAULT_DENIED_COMMANDS: string[] = [
  'config|set', 'config|rewrite', 'config|resetstat', 'debug', 'shutdown', 'monitor', 'save', 'bgsave',
  'bgrewriteaof', 'replicaof', 'slaveof', 'failover', 'sync', 'psync', 'move', 'swapdb',
  'acl|setuser', 'acl|deluser', 'acl|load', 'acl|save', 'module|load', 'module|loadex', 'module|unload',
  'cluster|addslots', 'cluster|addslotsrange', 'cluster|delslots', 'cluster|delslotsrange', 'cluster|failover',
  'cluster|flushslots', 'cluster|forget', 'cluster|meet', 'cluster|replicate', 'cluster|reset',
  'cluster|saveconfig', 'cluster|set-config-epoch', 'cluster|setslot', 'cluster|bumpepoch',
  'client|pause', 'client|unpause'
]

/** The schema. Options are listed in the order `--help` shows them. */
export const CONFIG_SCHEMA: ConfigSchema = {
  seeds: {
    doc: 'Cluster nodes to read the topology from at start, as a comma-separated list of host:port (the port follows the last colon; IPv6 as ::1:7000 or [::1]:7000). Any reachable node will do; give several so that one being down does not stop the start.',
    format: FORMAT.nodeList,
    default: ['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7002'],
    env: 'SLOTGATE_SEEDS',
    arg: 'seeds',
  },
  port: {
    doc: 'TCP port clients connect to (0 picks a free port).',
    format: FORMAT.int,
    min: 0,
    max: 65535,
    default: 6379,
    env: 'SLOTGATE_PORT',
    arg: 'port',
  },
  bind: {
    doc: 'Address to listen on for clients. As a sidecar, 127.0.0.1 keeps slotgate private to its pod; use 0.0.0.0 in a container whose clients are elsewhere.',
    format: FORMAT.host,
    default: '127.0.0.1',
    env: 'SLOTGATE_BIND',
    arg: 'bind',
  },
  announceAddress: {
    doc: 'The host:port slotgate gives as its own address where it describes itself as a cluster node: CLUSTER SLOTS, SHARDS and NODES answer as a one-node cluster owning all 16384 slots, so cluster-aware clients (ioredis Cluster, redis-cli -c, Lettuce, Jedis, RedisInsight) connect there and send everything to slotgate. Empty: the address each client connected to. Behind a Kubernetes Service of several slotgate instances, give the Service\'s address: every instance then announces it, with the same node id (derived from this address).',
    format: FORMAT.optionalNode,
    default: '',
    env: 'SLOTGATE_ANNOUNCE_ADDRESS',
    arg: 'announce-address',
  },
  requirepass: {
    doc: 'Password clients must give with AUTH (or HELLO ... AUTH) before other commands, as with Redis\' requirepass. Empty: no client auth. Secret: prefer the env var or the config file, since flags show in the process list.',
    format: FORMAT.string,
    default: '',
    sensitive: true,
    env: 'SLOTGATE_REQUIREPASS',
    arg: 'requirepass',
  },
  usersFile: {
    doc: 'JSON file of client users, for ACL-style access (mount a Kubernetes Secret here): an array of {"username", "password", "commands": ["+@read", "-@dangerous", "+get", ...], "keys": ["~app:*"]}. Rules apply in order from nothing allowed, as Redis ACL rules; "commands" defaults to ["+@all"], "keys" to all keys. Empty: no users besides requirepass\'s default user.',
    format: FORMAT.string,
    default: '',
    env: 'SLOTGATE_USERS_FILE',
    arg: 'users-file',
  },
  clusterUsername: {
    doc: 'ACL user slotgate authenticates as on the cluster nodes. Empty: the default user.',
    format: FORMAT.string,
    default: '',
    sensitive: true,
    env: 'SLOTGATE_CLUSTER_USERNAME',
    arg: 'cluster-username',
  },
  clusterPassword: {
    doc: 'Password for the cluster nodes (with clusterUsername, or for the default user). Empty: no auth. Secret: prefer the env var or the config file.',
    format: FORMAT.string,
    default: '',
    sensitive: true,
    env: 'SLOTGATE_CLUSTER_PASSWORD',
    arg: 'cluster-password',
  },
  readPolicy: {
    doc: 'Where read-only commands go. master: always the slot\'s master. prefer-replica: a replica of the slot\'s shard when one is up, else the master. replica: replicas only, an error when none is up. any: spread over the master and its replicas. Replicas lag behind their master (replication is asynchronous), so anything but master may read stale data.',
    format: [...READ_POLICIES],
    default: 'master',
    env: 'SLOTGATE_READ_POLICY',
    arg: 'read-policy',
  },
  linksPerNode: {
    doc: 'TCP connections kept to each cluster node and shared by all clients (requests are pipelined on them). Raise it when one connection per node is the bottleneck. MULTI, blocking commands and pub/sub take dedicated connections on top of these.',
    format: FORMAT.int,
    min: 1,
    max: 64,
    default: 1,
    env: 'SLOTGATE_LINKS_PER_NODE',
    arg: 'links-per-node',
  },
  topologyRefreshIntervalMs: {
    doc: 'How often the slot map is re-read from the cluster even when nothing suggests it changed.',
    format: FORMAT.int,
    min: 1,
    max: MAX_TIMER_MS,
    default: 10000,
    env: 'SLOTGATE_TOPOLOGY_REFRESH_INTERVAL_MS',
    arg: 'topology-refresh-interval-ms',
  },
  topologyRefreshDebounceMs: {
    doc: 'After a MOVED reply or a lost link, wait this long before re-reading the slot map, so a burst of redirects costs one refresh. 0: refresh at once.',
    format: FORMAT.int,
    min: 0,
    max: MAX_TIMER_MS,
    default: 200,
    env: 'SLOTGATE_TOPOLOGY_REFRESH_DEBOUNCE_MS',
    arg: 'topology-refresh-debounce-ms',
  },
  connectTimeoutMs: {
    doc: 'Longest wait to connect to a cluster node, handshake (AUTH, READONLY, HELLO) included.',
    format: FORMAT.int,
    min: 1,
    max: MAX_TIMER_MS,
    default: 2000,
    env: 'SLOTGATE_CONNECT_TIMEOUT_MS',
    arg: 'connect-timeout-ms',
  },
  commandTimeoutMs: {
    doc: 'Longest wait for a node\'s reply to one request before the client gets an error. 0 disables it. Blocking commands (BLPOP, XREAD BLOCK, ...) are exempt: they wait as long as they asked to.',
    format: FORMAT.int,
    min: 0,
    max: MAX_TIMER_MS,
    default: 5000,
    env: 'SLOTGATE_COMMAND_TIMEOUT_MS',
    arg: 'command-timeout-ms',
  },
  failoverDeadlineMs: {
    doc: 'How long requests for a failed master\'s slots wait for a replica to be promoted before the client gets an error. 0: auto, 2 × the cluster\'s cluster-node-timeout read at start (CONFIG GET) + 5000, which leaves time for failure detection plus the election; 2 × 15000 + 5000 (Redis\' default node timeout) when the cluster refuses CONFIG GET.',
    format: FORMAT.int,
    min: 0,
    max: MAX_TIMER_MS,
    default: 0,
    env: 'SLOTGATE_FAILOVER_DEADLINE_MS',
    arg: 'failover-deadline-ms',
  },
  maxRedirects: {
    doc: 'Most MOVED/ASK redirects one request follows before the client gets an error; bounds the loop while slots migrate (16, as in ioredis).',
    format: FORMAT.int,
    min: 1,
    max: 1000,
    default: 16,
    env: 'SLOTGATE_MAX_REDIRECTS',
    arg: 'max-redirects',
  },
  retryBackoffMs: {
    doc: 'First delay before retrying after TRYAGAIN, CLUSTERDOWN or a lost link; it doubles at each retry, and retries stop at the request\'s deadline.',
    format: FORMAT.int,
    min: 0,
    max: MAX_TIMER_MS,
    default: 50,
    env: 'SLOTGATE_RETRY_BACKOFF_MS',
    arg: 'retry-backoff-ms',
  },
  maxClients: {
    doc: 'Most client connections at once; beyond it a new client gets "-ERR max number of clients reached" and is closed, as Redis does with maxclients (same default).',
    format: FORMAT.int,
    min: 1,
    default: 10000,
    env: 'SLOTGATE_MAX_CLIENTS',
    arg: 'max-clients',
  },
  denyCommands: {
    doc: 'Commands refused with an error naming the rule, as `name` or `container|sub` (`debug`, `config|set`; a container name denies all its subcommands). The default denies what could harm a shared cluster or cannot make sense through a proxy: configuration writes, persistence and replication control, SHUTDOWN, DEBUG, MONITOR, MOVE/SWAPDB, ACL and module changes, CLUSTER commands that change the cluster, CLIENT PAUSE. Set it to an empty string to allow all (CONFIG SET and CONFIG RESETSTAT then go to every node).',
    format: FORMAT.commandList,
    default: DEFAULT_DENIED_COMMANDS,
    env: 'SLOTGATE_DENY_COMMANDS',
    arg: 'deny-commands',
  },
  slowCommandTimeoutMs: {
    doc: 'How long a node may take to answer a command that can legitimately run long (KEYS, FLUSHALL, EVAL/FCALL, SCRIPT LOAD, FUNCTION LOAD, SORT, MIGRATE, the *STORE set operations) instead of commandTimeoutMs. Meanwhile the node is busy, not frozen: its links are not recycled, and other requests to it wait as they would on the node.',
    format: FORMAT.int,
    min: 1,
    default: 60000,
    env: 'SLOTGATE_SLOW_COMMAND_TIMEOUT_MS',
    arg: 'slow-command-timeout-ms',
  },
  maxDedicatedLinks: {
    doc: 'Most cluster connections that clients own alone, all clients together: a WATCH and its transaction, Pub/Sub (one per master a subscriber uses), a blocked command (BLPOP, XREAD BLOCK, ...; idle ones are kept for reuse and count too). State on a connection cannot be shared, and a blocked one must not hold up the shared ones. Beyond it such a command gets an error asking to retry; keep it well under the nodes\' maxclients.',
    format: FORMAT.int,
    min: 1,
    default: 1000,
    env: 'SLOTGATE_MAX_DEDICATED_LINKS',
    arg: 'max-dedicated-links',
  },
  maxDedicatedLinksPerClient: {
    doc: 'Most such connections one client holds at once. Give it at least the number of masters: a subscriber to patterns holds one per master.',
    format: FORMAT.int,
    min: 1,
    default: 32,
    env: 'SLOTGATE_MAX_DEDICATED_LINKS_PER_CLIENT',
    arg: 'max-dedicated-links-per-client',
  },
  pubsubOutputLimitBytes: {
    doc: 'Hard output buffer limit of a Pub/Sub subscriber: a subscriber whose unread backlog passes it is disconnected, as Redis does with client-output-buffer-limit pubsub (same 32 MiB hard default), so a slow reader cannot grow slotgate\'s memory.',
    format: FORMAT.int,
    min: 1024,
    default: 33554432,
    env: 'SLOTGATE_PUBSUB_OUTPUT_LIMIT_BYTES',
    arg: 'pubsub-output-limit-bytes',
  },
  clientIdleTimeoutMs: {
    doc: "Close a client connection idle this long (Redis' timeout); subscribers and blocked clients are never idle. 0 disables, as Redis' default.",
    format: FORMAT.int,
    min: 0,
    max: MAX_TIMER_MS,
    default: 0,
    env: 'SLOTGATE_CLIENT_IDLE_TIMEOUT_MS',
    arg: 'client-idle-timeout-ms',
  },
  tcpKeepAliveMs: {
    doc: "TCP keepalive on client connections (Redis' tcp-keepalive, default 300 s), so dead peers are found. 0 disables.",
    format: FORMAT.int,
    min: 0,
    max: MAX_TIMER_MS,
    default: 300000,
    env: 'SLOTGATE_TCP_KEEP_ALIVE_MS',
    arg: 'tcp-keep-alive-ms',
  },
  tlsCertFile: {
    doc: 'PEM certificate for client-facing TLS. With tlsKeyFile set, the client listener speaks TLS only.',
    format: FORMAT.string,
    default: '',
    env: 'SLOTGATE_TLS_CERT_FILE',
    arg: 'tls-cert-file',
  },
  tlsKeyFile: {
    doc: 'PEM private key for client-facing TLS.',
    format: FORMAT.string,
    default: '',
    env: 'SLOTGATE_TLS_KEY_FILE',
    arg: 'tls-key-file',
  },
  tlsCaFile: {
    doc: 'PEM CA bundle that client certificates must chain to (with tlsClientAuth).',
    format: FORMAT.string,
    default: '',
    env: 'SLOTGATE_TLS_CA_FILE',
    arg: 'tls-ca-file',
  },
  tlsClientAuth: {
    doc: "Require and verify a client certificate (Redis' tls-auth-clients yes).",
    format: FORMAT.boolean,
    default: false,
    env: 'SLOTGATE_TLS_CLIENT_AUTH',
    arg: 'tls-client-auth',
  },
  clusterTls: {
    doc: 'Connect to the cluster nodes with TLS (their tls-port).',
    format: FORMAT.boolean,
    default: false,
    env: 'SLOTGATE_CLUSTER_TLS',
    arg: 'cluster-tls',
  },
  clusterTlsCaFile: {
    doc: "PEM CA bundle the nodes' certificates must chain to; empty: the system CAs.",
    format: FORMAT.string,
    default: '',
    env: 'SLOTGATE_CLUSTER_TLS_CA_FILE',
    arg: 'cluster-tls-ca-file',
  },
  clusterTlsCertFile: {
    doc: 'PEM client certificate slotgate shows the nodes (when they require one).',
    format: FORMAT.string,
    default: '',
    env: 'SLOTGATE_CLUSTER_TLS_CERT_FILE',
    arg: 'cluster-tls-cert-file',
  },
  clusterTlsKeyFile: {
    doc: 'PEM private key of that client certificate.',
    format: FORMAT.string,
    default: '',
    env: 'SLOTGATE_CLUSTER_TLS_KEY_FILE',
    arg: 'cluster-tls-key-file',
  },
  clusterTlsServername: {
    doc: "Server name (SNI) to send and to check the nodes' certificates against; empty: each node's host.",
    format: FORMAT.string,
    default: '',
    env: 'SLOTGATE_CLUSTER_TLS_SERVERNAME',
    arg: 'cluster-tls-servername',
  },
  pubsubOutputSoftLimitBytes: {
    doc: 'Soft output buffer limit of a Pub/Sub subscriber: over it for pubsubOutputSoftLimitSeconds in a row, the subscriber is disconnected (Redis\' pubsub soft limit, same 8 MiB / 60 s default). 0 disables.',
    format: FORMAT.int,
    min: 0,
    default: 8388608,
    env: 'SLOTGATE_PUBSUB_OUTPUT_SOFT_LIMIT_BYTES',
    arg: 'pubsub-output-soft-limit-bytes',
  },
  pubsubOutputSoftLimitSeconds: {
    doc: 'How long a subscriber may stay over pubsubOutputSoftLimitBytes.',
    format: FORMAT.int,
    min: 0,
    default: 60,
    env: 'SLOTGATE_PUBSUB_OUTPUT_SOFT_LIMIT_SECONDS',
    arg: 'pubsub-output-soft-limit-seconds',
  },
  clientOutputLimitBytes: {
    doc: 'Hard output buffer limit of an ordinary client: past it the client is disconnected. 0 (Redis\' default for normal clients) relies on backpressure alone: a client that does not read stops being read, and at most maxPendingRequests replies are outstanding.',
    format: FORMAT.int,
    min: 0,
    default: 0,
    env: 'SLOTGATE_CLIENT_OUTPUT_LIMIT_BYTES',
    arg: 'client-output-limit-bytes',
  },
  clientOutputSoftLimitBytes: {
    doc: 'Soft output buffer limit of an ordinary client (with clientOutputSoftLimitSeconds). 0 disables.',
    format: FORMAT.int,
    min: 0,
    default: 0,
    env: 'SLOTGATE_CLIENT_OUTPUT_SOFT_LIMIT_BYTES',
    arg: 'client-output-soft-limit-bytes',
  },
  clientOutputSoftLimitSeconds: {
    doc: 'How long an ordinary client may stay over clientOutputSoftLimitBytes.',
    format: FORMAT.int,
    min: 0,
    default: 0,
    env: 'SLOTGATE_CLIENT_OUTPUT_SOFT_LIMIT_SECONDS',
    arg: 'client-output-soft-limit-seconds',
  },
  maxPendingRequests: {
    doc: 'Unanswered requests one client may have; further pipelined requests wait (unread) until it has read some replies. Bounds the memory a client that pipelines without reading can make slotgate hold (e.g. 1,000 GETs of 1 MiB values), at no cost to ordinary pipelines.',
    format: FORMAT.int,
    min: 1,
    default: 128,
    env: 'SLOTGATE_MAX_PENDING_REQUESTS',
    arg: 'max-pending-requests',
  },
  maxBulkBytes: {
    doc: 'Largest single argument a client may send (Redis\' proto-max-bulk-len, same 512 MiB default); a larger one is a protocol error that closes the connection, refused as soon as its length header arrives.',
    format: FORMAT.int,
    min: 1,
    default: 536870912,
    env: 'SLOTGATE_MAX_BULK_BYTES',
    arg: 'max-bulk-bytes',
  },
  maxRequestBytes: {
    doc: 'Largest whole request, all its arguments together (Redis\' client-query-buffer-limit, same 1 GiB default), so many arguments each under maxBulkBytes cannot add up to gigabytes held for one client; beyond it, a protocol error closes the connection.',
    format: FORMAT.int,
    min: 1,
    default: 1073741824,
    env: 'SLOTGATE_MAX_REQUEST_BYTES',
    arg: 'max-request-bytes',
  },
  maxMultibulkLength: {
    doc: 'Most arguments in one request; a longer multibulk header is a protocol error that closes the connection. Redis before 7.0 allowed 1048576 (1024 × 1024) and 7.x allows up to 2^31-1; slotgate keeps the old bound by default, because the header alone makes the parser reserve room for that many arguments.',
    format: FORMAT.int,
    min: 1,
    max: 2 ** 31 - 1,
    default: 1048576,
    env: 'SLOTGATE_MAX_MULTIBULK_LENGTH',
    arg: 'max-multibulk-length',
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
}

/** Every config key, in schema order. */
export const CONFIG_KEYS = Object.keys(CONFIG_SCHEMA) as ConfigKey[]

/** Keys whose values are secrets: never logged, never printed. */
export const SENSITIVE_KEYS: readonly ConfigKey[] = CONFIG_KEYS.filter((key) => CONFIG_SCHEMA[key].sensitive === true)

/** The schema's defaults as a config object (what `config/default.json` must hold). */
export function schemaDefaults (): SlotgateConfig {
  const defaults: Record<string, unknown> = {}
  for (const key of CONFIG_KEYS) defaults[key] = structuredClone(CONFIG_SCHEMA[key].default)
  return defaults as unknown as SlotgateConfig
}
