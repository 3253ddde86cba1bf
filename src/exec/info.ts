import { verbatimReply } from '../resp/encode.js'

/** What INFO reports, provided by the server (counts) and the cluster (keyspace). */
export interface InfoSource {
  /** The cluster's redis_version, so clients' feature checks see the real server. */
  readonly redisVersion: string
  readonly slotgateVersion: string
  readonly port: number
  readonly startedAt: number
  connectedClients (): number
  /** Each master's `INFO <section>` text; failures are left out. */
  masterSections (section: string): Promise<string[]>
  /** slotgate's own counters for the `stats` section. */
  stats (): Record<string, number>
}

const DEFAULT_SECTIONS = ['server', 'clients', 'memory', 'stats', 'cluster', 'keyspace']

/**
 * INFO as one standalone node would answer it: slotgate's own `server` and `clients`
 * sections (with `redis_version` and `loading:0`, which ioredis' ready check reads),
 * `cluster_enabled:0` (the client must not switch to cluster mode), and the keyspace summed
 * over every master.
 */
export async function formatInfo (requested: string[], source: InfoSource, protocol: 2 | 3 = 2): Promise<Buffer> {
  const all = requested.length === 0 || requested.some(s => s === 'all' || s === 'everything' || s === 'default')
  const wanted = all ? DEFAULT_SECTIONS : requested
  const parts: string[] = []
  for (const section of wanted) {
    switch (section) {
      case 'server': {
        const uptime = Math.floor((Date.now() - source.startedAt) / 1000)
        parts.push(`# Server\r\nredis_version:${source.redisVersion}\r\nredis_mode:standalone\r\n` +
          `slotgate_version:${source.slotgateVersion}\r\nos:${process.platform}\r\nprocess_id:${process.pid}\r\n` +
          `tcp_port:${source.port}\r\nuptime_in_seconds:${uptime}\r\nuptime_in_days:${Math.floor(uptime / 86400)}\r\n` +
          'executable:slotgate\r\nloading:0\r\n')
        break
      }
      case 'clients':
        parts.push(`# Clients\r\nconnected_clients:${source.connectedClients()}\r\n`)
        break
      case 'memory':
        parts.push(`# Memory\r\n${sumFields(await source.masterSections('memory'))}` +
          `slotgate_used_memory_rss:${process.memoryUsage().rss}\r\n`)
        break
      case 'stats':
        parts.push(`# Stats\r\n${Object.entries(source.stats()).map(([k, v]) => `${k}:${v}\r\n`).join('')}`)
        break
      case 'cluster':
        parts.push('# Cluster\r\ncluster_enabled:0\r\n')
        break
      case 'keyspace':
        parts.push(`# Keyspace\r\n${sumKeyspaces(await source.masterSections('keyspace'))}`)
        break
      default:
        break // unknown or not yet provided sections are left out, as Redis does for unknown ones
    }
  }
  return verbatimReply(protocol, parts.join('\r\n'))
}

/**
 * Sums the integer fields of several nodes' INFO section (used_memory, ...): the cluster's
 * total, which is what one node holding all the data would report. Non-integer fields
 * (human-readable sizes, ratios, policies) are left out rather than summed wrongly.
 */
export function sumFields (texts: readonly string[]): string {
  const totals = new Map<string, number>()
  for (const text of texts) {
    for (const line of text.split(/\r?\n/)) {
      const m = /^([a-z_0-9]+):(-?\d+)$/.exec(line)
      if (m !== null) totals.set(m[1], (totals.get(m[1]) ?? 0) + Number(m[2]))
    }
  }
  return [...totals].map(([k, v]) => `${k}:${v}\r\n`).join('')
}

/** Sums `db0:keys=N,expires=M,avg_ttl=T` lines over nodes (avg_ttl weighted by expires). */
export function sumKeyspaces (texts: readonly string[]): string {
  const dbs = new Map<string, { keys: number, expires: number, ttlWeighted: number }>()
  for (const text of texts) {
    for (const line of text.split(/\r?\n/)) {
      const m = /^(db\d+):keys=(\d+),expires=(\d+),avg_ttl=(\d+)/.exec(line)
      if (m === null) continue
      const db = dbs.get(m[1]) ?? { keys: 0, expires: 0, ttlWeighted: 0 }
      db.keys += Number(m[2])
      db.expires += Number(m[3])
      db.ttlWeighted += Number(m[4]) * Number(m[3])
      dbs.set(m[1], db)
    }
  }
  let out = ''
  for (const [name, db] of [...dbs].sort((a, b) => Number(a[0].slice(2)) - Number(b[0].slice(2)))) {
    const avg = db.expires > 0 ? Math.round(db.ttlWeighted / db.expires) : 0
    out += `${name}:keys=${db.keys},expires=${db.expires},avg_ttl=${avg}\r\n`
  }
  return out
}
