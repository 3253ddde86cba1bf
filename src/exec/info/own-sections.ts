import type { ClientView } from '../client-view.js'
import type { InfoSource } from './info-source.js'
import type { InfoFields } from './merge-node-info.js'

/** Redis' LRU clock: seconds, wrapped at 24 bits (server.h, LRU_CLOCK_MAX). */
const LRU_CLOCK_MAX = (1 << 24) - 1

/**
 * `server` fields that are slotgate's, laid over the masters' (which give the build facts:
 * git sha, allocator, OS, gcc). `redis_mode:cluster` goes with `cluster_enabled:1`: see
 * {@link CLUSTER_FIELDS}.
 */
export function serverFields (source: InfoSource, now = Date.now()): InfoFields {
  const uptime = Math.floor((now - source.startedAt) / 1000)
  return [
    ['redis_version', source.redisVersion],
    ['redis_mode', 'cluster'],
    ['process_id', String(process.pid)],
    ['run_id', source.runId],
    ['tcp_port', String(source.port)],
    ['server_time_usec', String(now * 1000)],
    ['uptime_in_seconds', String(uptime)],
    ['uptime_in_days', String(Math.floor(uptime / 86400))],
    ['lru_clock', String(Math.floor(now / 1000) & LRU_CLOCK_MAX)],
    ['executable', process.argv[1] ?? process.execPath],
    // Not a node's nodes.conf: slotgate's options come from flags, env and a JSON file.
    ['config_file', ''],
    ['slotgate_version', source.slotgateVersion]
  ]
}

/**
 * `clients`: slotgate's own clients only (the nodes' clients are slotgate's links). Blocked
 * clients are those with a command on its node, waiting (see BlockingRequest.waitingOnNode).
 */
export function clientsFields (clients: readonly ClientView[], maxClients: number): InfoFields {
  let blocked = 0
  let withTimeout = 0
  let maxInput = 0
  let maxOutput = 0
  for (const c of clients) {
    if (c.client.isBlocked) blocked++
    if (c.client.blockedWithTimeout) withTimeout++
    maxInput = Math.max(maxInput, c.queryBufferBytes)
    maxOutput = Math.max(maxOutput, c.outputBufferBytes)
  }
  return [
    ['connected_clients', String(clients.length)],
    ['cluster_connections', '0'],
    ['maxclients', String(maxClients)],
    ['client_recent_max_input_buffer', String(maxInput)],
    ['client_recent_max_output_buffer', String(maxOutput)],
    ['blocked_clients', String(blocked)],
    // CLIENT TRACKING is refused, so no client tracks keys.
    ['tracking_clients', '0'],
    ['clients_in_timeout_table', String(withTimeout)]
  ]
}

/**
 * `stats` fields about slotgate's own traffic, laid over the masters' sums (which keep the
 * keyspace's: hits, misses, expired and evicted keys ...), then slotgate's own counters.
 */
export function statsFields (source: InfoSource): InfoFields {
  const s = source.nodeStats
  const own = source.stats()
  const fields: InfoFields = [
    ['total_connections_received', String(own.total_connections_received ?? 0)],
    ['total_commands_processed', String(s.totalCommands)],
    ['instantaneous_ops_per_sec', String(s.opsPerSec)],
    ['total_net_input_bytes', String(source.traffic.clientReceivedBytes)],
    ['total_net_output_bytes', String(source.traffic.clientSentBytes)],
    ['instantaneous_input_kbps', s.inputKbps.toFixed(2)],
    ['instantaneous_output_kbps', s.outputKbps.toFixed(2)],
    ['rejected_connections', String(own.rejected_connections ?? 0)],
    ['total_error_replies', String(s.totalErrorReplies)]
  ]
  for (const [name, value] of Object.entries(own)) {
    if (name.startsWith('slotgate_')) fields.push([name, String(value)])
  }
  return fields
}

/** `cpu`: the masters' times are summed; slotgate's own process follows. */
export function cpuFields (): InfoFields {
  const usage = process.cpuUsage()
  return [
    ['slotgate_used_cpu_sys', seconds(usage.system)],
    ['slotgate_used_cpu_user', seconds(usage.user)]
  ]
}

/** `memory`: the masters' sums, then slotgate's own process. */
export function memoryFields (): InfoFields {
  const m = process.memoryUsage()
  return [['slotgate_used_memory_rss', String(m.rss)], ['slotgate_used_memory_heap', String(m.heapUsed)]]
}

/** `replication`: slotgate stands for one master (its replicas are the cluster's, per shard). */
export const REPLICATION_FIELDS: InfoFields = [['role', 'master']]

/**
 * `cluster_enabled:1`: slotgate answers CLUSTER as a one-node cluster owning every slot at
 * its own address, refuses SELECT n as a cluster node does, and answers CROSSSLOT where a
 * node would; a client or tool that reads this flag (RedisInsight, redis_exporter,
 * `redis-cli --cluster`) then asks CLUSTER SLOTS/NODES, finds slotgate alone, and sends
 * everything to it. Plain clients never look at it.
 */
export const CLUSTER_FIELDS: InfoFields = [['cluster_enabled', '1']]

/** Microseconds as Redis writes CPU seconds: `12.345678`. */
function seconds (micros: number): string {
  return `${Math.floor(micros / 1e6)}.${String(Math.floor(micros % 1e6)).padStart(6, '0')}`
}
