import cluster from 'node:cluster'
import type { Logger } from 'pino'
import type { LinkPool, LinkPoolObserver } from '../cluster/link-pool.js'
import type { Topology } from '../cluster/topology.js'
import type { SlotgateConfig } from '../config/schema.js'
import { clientEvents } from '../metrics/client-events.js'
import type { SlotgateMetrics } from '../metrics/metrics.js'
import { SLOTGATE_VERSION } from '../version.js'
import { EventLog } from './event-log.js'
import { TopologyEvents } from './topology-events.js'

/** The event hooks a running slotgate calls. */
export interface EventWatch {
  readonly log: EventLog
  /** A topology refresh ended (RefreshObserver's outcome). */
  refreshed (trigger: string, outcome: 'updated' | 'unchanged' | 'failed'): void
  /** Stops listening. */
  close (): void
}

/** What the events are read from. */
export interface WatchedParts {
  config: SlotgateConfig
  logger: Logger
  topology: Topology
  pool: LinkPool
  metrics: SlotgateMetrics | null
}

/**
 * Connects the event log to where events happen: the link pool (lost, failing, back, timed
 * out: also counted per node for the metrics), the client events (failed AUTH, denied
 * commands, output-limit disconnects) and topology refreshes; logs the effective
 * configuration (once per deployment: the primary of `--workers N` logs it for its workers).
 */
export function watchEvents ({ config, logger, topology, pool, metrics }: WatchedParts): EventWatch {
  const log = new EventLog(logger)
  if (!cluster.isWorker) log.configEffective(config, SLOTGATE_VERSION)
  const nodes = metrics?.nodes ?? null
  const observer: LinkPoolObserver = {
    linkLost (node, reason, upForMs, retryInMs) { nodes?.linkLost(node); log.linkLost(node, reason, upForMs, retryInMs) },
    connectFailed (node, reason, failures, retryInMs) { nodes?.connectFailed(node); log.linkBackoff(node, reason, failures, retryInMs) },
    linkReconnected (node, failures, downForMs) { log.linkReconnected(node, failures, downForMs) },
    linkTimedOut (node) { nodes?.linkTimedOut(node) }
  }
  pool.observer = observer
  clientEvents.listener = log
  const topologyEvents = new TopologyEvents(topology, log)
  return {
    log,
    refreshed (trigger, outcome) {
      if (outcome === 'updated') topologyEvents.refreshed(trigger)
    },
    close () {
      topologyEvents.stop()
      pool.observer = null
      if (clientEvents.listener === log) clientEvents.listener = null
    }
  }
}
