import type { TrafficCounters } from '../../metrics/traffic.js'
import type { ClientView } from '../client-view.js'
import type { NodeStats } from './node-stats.js'

/** What INFO reports, provided by the server (clients, counters) and the cluster (masters' INFO). */
export interface InfoSource {
  /** The cluster's redis_version, so clients' feature checks see the real server. */
  readonly redisVersion: string
  readonly slotgateVersion: string
  /** The port slotgate listens on. */
  readonly port: number
  readonly startedAt: number
  /** 40 hex characters, new for every process, as a node's run_id. */
  readonly runId: string
  readonly maxClients: number
  readonly nodeStats: NodeStats
  readonly traffic: TrafficCounters
  /** slotgate's connected clients. */
  clients (): Iterable<ClientView>
  /** Each master's `INFO <sections...>` text; masters that fail (down, BUSY) are left out. */
  masterInfo (sections: readonly string[]): Promise<string[]>
  /** slotgate's own counters: connections, and `slotgate_*` extras for the `stats` section. */
  stats (): Record<string, number>
}
